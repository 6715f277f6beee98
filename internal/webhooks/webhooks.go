// Package webhooks sends the desk's events to the endpoints admins register: each delivery a
// POST of JSON signed as the Standard Webhooks convention has it (webhook-id, webhook-timestamp
// and webhook-signature: "v1," and the base64 HMAC-SHA256 of "id.timestamp.body"), delivered at
// least once with the same id, retried with back-off, and never to loopback or private
// addresses unless allowed (so an endpoint cannot reach the desk's own network).
package webhooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/jobs"
)

// Delivery is one event on its way to one endpoint.
type Delivery struct {
	ID        int64
	WebhookID int64
	CaseID    int64  // 0: about no case; a case's deliveries to an endpoint go in order
	MessageID string // the webhook-id header, the same on every attempt
	URL       string
	Secret    string
	Payload   []byte
	Attempts  int // counting this one
}

// Attempt is what became of one attempt.
type Attempt struct {
	Delivered bool
	Final     bool // failed for good: the endpoint said 410 Gone, or every retry failed
	Status    int  // the endpoint's HTTP status (0: no answer)
	Error     string
	At        time.Time
	RetryAt   time.Time
	// Held: not sent, because an earlier delivery of its case to the endpoint failed in the
	// same round; it goes back to the queue as it was (not an attempt) and waits for that one.
	Held bool
}

// Queue is the desk's durable queue of deliveries, as the sender works it; each call is a
// short transaction of its own.
type Queue interface {
	Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Delivery, error)
	// ReleaseClaims hands back, due at once, what this node's sender had claimed and not
	// recorded when it last stopped; the sender calls it as it starts.
	ReleaseClaims(ctx context.Context) (int, error)
	Record(ctx context.Context, d Delivery, a Attempt) error
	NextDue(ctx context.Context) (time.Time, bool, error)
}

// retryDelays are the waits after each failed attempt; after the last the delivery fails for
// good (about 18 hours after the first).
var retryDelays = []time.Duration{5 * time.Second, time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour}

const (
	lease       = 2 * time.Minute
	batch       = 20
	sendTimeout = 10 * time.Second
)

// Sender sends due deliveries.
type Sender struct {
	q      Queue
	clk    clock.Clock
	log    *slog.Logger
	client *http.Client
	loop   *jobs.Loop
}

// NewSender returns a sender of q's deliveries; allowPrivate lets it reach loopback and private
// addresses (a desk whose endpoints are on its own network, and tests).
func NewSender(q Queue, clk clock.Clock, log *slog.Logger, allowPrivate bool) *Sender {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if !allowPrivate {
		// Checked on the address actually dialled, so a name that resolves to a private
		// address (or is changed to, after the endpoint was registered) is refused too.
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || Private(ip) {
				return fmt.Errorf("%s is a loopback or private address (serve --webhook-allow-private allows it)", host)
			}
			return nil
		}
	}
	client := &http.Client{Timeout: sendTimeout, Transport: &http.Transport{DialContext: dialer.DialContext, Proxy: nil},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	s := &Sender{q: q, clk: clk, log: log, client: client, loop: jobs.NewLoop()}
	s.loop.Name, s.loop.Clock, s.loop.Log, s.loop.Due, s.loop.Next = "webhooks", clk, log, s.RunDue, q.NextDue
	return s
}

// Private reports whether an address is loopback, private, link-local or unspecified.
func Private(ip net.IP) bool {
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified()
}

// Run sends deliveries until ctx ends, first taking back those this node was sending when it
// last stopped: a crash delays nothing but the delivery on the wire, which goes again with
// its webhook-id (at least once; the receiver drops the repeat).
func (s *Sender) Run(ctx context.Context) error {
	n, err := s.q.ReleaseClaims(ctx)
	if err != nil {
		return fmt.Errorf("webhooks: take back this node's claims: %w", err)
	}
	if n > 0 {
		s.log.Warn("webhooks: deliveries this node was sending when it stopped go again (at least once)", "deliveries", n)
	}
	return s.loop.Run(ctx)
}

// Wake tells the sender a delivery may be due now. It never blocks.
func (s *Sender) Wake() { s.loop.Wake() }

// LastRound is when the sender last began a round (see jobs.Loop.LastRound).
func (s *Sender) LastRound() time.Time { return s.loop.LastRound() }

// RunDue sends every delivery due now and returns how many were delivered.
func (s *Sender) RunDue(ctx context.Context) (int, error) {
	total := 0
	for {
		due, err := s.q.Claim(ctx, s.clk.Now(), lease, batch)
		if err != nil {
			return total, fmt.Errorf("claim deliveries: %w", err)
		}
		delivered := 0
		failed := map[[2]int64]bool{} // endpoint and case whose delivery failed this round
		for _, d := range due {
			key := [2]int64{d.WebhookID, d.CaseID}
			var a Attempt
			if d.CaseID != 0 && failed[key] {
				a = Attempt{Held: true, At: s.clk.Now()}
			} else if a = s.send(ctx, d); !a.Delivered {
				failed[key] = true
			}
			if err := s.q.Record(context.WithoutCancel(ctx), d, a); err != nil {
				return total, fmt.Errorf("record delivery %d: %w", d.ID, err)
			}
			if a.Delivered {
				delivered++
			}
		}
		total += delivered
		// A delivery that waited behind an earlier one of its case may go once that is
		// delivered: another claim takes it now.
		if len(due) < batch && delivered == 0 {
			return total, nil
		}
	}
}

// send makes one attempt and says what became of it.
func (s *Sender) send(ctx context.Context, d Delivery) Attempt {
	now := s.clk.Now()
	ts := strconv.FormatInt(now.Unix(), 10)
	a := Attempt{At: now}
	sig, err := Sign(d.Secret, d.MessageID, ts, d.Payload)
	if err == nil {
		var req *http.Request
		if req, err = http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Payload)); err == nil {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("User-Agent", "Kept-Webhooks")
			req.Header.Set("webhook-id", d.MessageID)
			req.Header.Set("webhook-timestamp", ts)
			req.Header.Set("webhook-signature", sig)
			var resp *http.Response
			if resp, err = s.client.Do(req); err == nil {
				_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
				resp.Body.Close()
				a.Status = resp.StatusCode
			}
		}
	}
	switch {
	case err == nil && a.Status >= 200 && a.Status < 300:
		a.Delivered = true
		s.log.Info("webhook delivered", "delivery", d.ID, "webhook", d.WebhookID, "status", a.Status)
		return a
	case err == nil && a.Status == http.StatusGone:
		a.Final, a.Error = true, "the endpoint answered 410 Gone"
	case err != nil:
		a.Error = err.Error()
	default:
		a.Error = fmt.Sprintf("the endpoint answered %d", a.Status)
	}
	if !a.Final {
		if d.Attempts > len(retryDelays) {
			a.Final = true
		} else {
			a.RetryAt = now.Add(retryDelays[d.Attempts-1])
		}
	}
	s.log.Warn("webhook not delivered", "delivery", d.ID, "webhook", d.WebhookID, "attempt", d.Attempts, "final", a.Final, "retry_at", a.RetryAt, "err", a.Error)
	return a
}

// Sign is the webhook-signature of a delivery: "v1," and the base64 HMAC-SHA256, keyed with
// the secret, of "id.timestamp.body". A secret written "whsec_…" is the base64 of the key.
func Sign(secret, id, timestamp string, body []byte) (string, error) {
	key := []byte(secret)
	if rest, ok := strings.CutPrefix(secret, "whsec_"); ok {
		var err error
		if key, err = base64.StdEncoding.DecodeString(rest); err != nil {
			return "", errors.New("a whsec_ secret is base64 after its prefix")
		}
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + timestamp + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}
