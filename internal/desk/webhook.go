package desk

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Webhook is an endpoint that hears of the desk's events: each record entry of the kinds it
// names and each desk event it names (case_opened, owner_changed, …), as a signed POST of JSON.
// "*" is every event: all entry kinds, internal notes and hand-over briefings included (an
// endpoint is an admin's integration for the desk's own staff, who read those too), and every
// desk event.
type Webhook struct {
	ID          int64     `json:"id"`
	URL         string    `json:"url"`
	Events      []string  `json:"events"`
	Active      bool      `json:"active"`
	CreatedAt   time.Time `json:"created_at"`
	DisabledWhy string    `json:"disabled_why,omitempty"`
	// Last is the newest delivery's state (none yet: nil).
	Last *WebhookLast `json:"last_delivery,omitempty"`
	// Secret is set only in the answer that created the endpoint, when the desk made it up:
	// it is shown once, for the receiver to verify signatures with.
	Secret string `json:"secret,omitempty"`
}

// WebhookLast is the state of an endpoint's newest delivery.
type WebhookLast struct {
	State  string    `json:"state"` // pending, sending, delivered, failed
	Status int       `json:"status,omitempty"`
	At     time.Time `json:"at"` // when it was queued
}

// Wants reports whether the endpoint hears of an event: an entry kind or a desk event.
func (h Webhook) Wants(event string) bool {
	return h.Active && (slices.Contains(h.Events, "*") || slices.Contains(h.Events, event))
}

// NewWebhook checks an endpoint's URL, events and secret.
func NewWebhook(rawURL string, events []string, secret string, now time.Time) (Webhook, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return Webhook{}, Invalid("url", "an http:// or https:// address is required")
	}
	if err := CheckWebhookEvents(events); err != nil {
		return Webhook{}, err
	}
	if len(strings.TrimSpace(secret)) < 16 {
		return Webhook{}, Invalid("secret", "a secret of at least 16 characters signs the deliveries")
	}
	return Webhook{URL: u.String(), Events: events, Active: true, CreatedAt: now}, nil
}

// CheckWebhookEvents checks the events an endpoint is to hear of.
func CheckWebhookEvents(events []string) error {
	if len(events) == 0 {
		return Invalid("events", `name the entry kinds and desk events to hear of, or ["*"] for all`)
	}
	for i, e := range events {
		if e != "*" && !knownKind(EntryKind(e)) {
			return Invalid(fmt.Sprintf("events[%d]", i), "%q is not an entry kind or desk event (such as message_in, promise_broken, case_opened)", e)
		}
	}
	return nil
}

// knownKind reports whether the kind is spelled as the desk's kinds are (message_in, …); a
// kind of a later version is taken, so an endpoint can be set up ahead.
func knownKind(k EntryKind) bool {
	if len(k) < 3 || len(k) > 40 {
		return false
	}
	for _, r := range k {
		if (r < 'a' || r > 'z') && r != '_' {
			return false
		}
	}
	return true
}
