package service

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/webhooks"
)

// Webhooks: an admin registers an endpoint (URL, the entry kinds it hears of, a secret); each
// entry of those kinds is queued for it in the entry's own transaction (durable, like the mail
// outbox) and sent, signed, by the webhook sender (internal/webhooks).

// WithWebhooks lets webhook endpoints be on loopback or private addresses (serve
// --webhook-allow-private); without it they are refused.
func WithWebhooks(allowPrivate bool) Option {
	return func(s *Service) { s.hooksPrivate = allowPrivate }
}

// WebhookIn is a new endpoint.
type WebhookIn struct {
	URL    string
	Events []string
	Secret string
}

// hookList is the active endpoints as commands last read them.
type hookList struct {
	hooks  []desk.Webhook
	readAt time.Time
}

// hooksFor is how long another node's change to the endpoints may take to be heard here.
const hooksFor = 10 * time.Second

// CreateWebhook registers an endpoint (admins).
func (s *Service) CreateWebhook(ctx context.Context, actor desk.Actor, in WebhookIn) (desk.Webhook, error) {
	if err := gate(actor, ActWebhooks); err != nil {
		return desk.Webhook{}, err
	}
	made := strings.TrimSpace(in.Secret) == ""
	if made {
		// No secret given: the desk makes one up and shows it once, in this answer.
		in.Secret = newWebhookSecret()
	}
	h, err := desk.NewWebhook(in.URL, in.Events, in.Secret, s.now())
	if err != nil {
		return h, err
	}
	if !s.hooksPrivate {
		if err := refusePrivate(ctx, h.URL); err != nil {
			return h, err
		}
	}
	err = s.write(ctx, actor, func(w *work) error {
		if err := w.tx.InsertWebhook(w.ctx, &h, in.Secret, actor.ID); err != nil {
			return err
		}
		if err := w.audit(logWebhookCreate, h.URL, nil, h); err != nil { // the secret is not in it
			return err
		}
		w.afterCommit(func() { s.hooks.Store(nil) }) // commands read the endpoints again
		return nil
	})
	if err != nil {
		return h, wrap("create webhook", err)
	}
	s.log.Info("webhook registered", "webhook", h.ID, "url", h.URL, "events", h.Events, "by", actor.Name)
	if made {
		h.Secret = in.Secret
	}
	return h, nil
}

// newWebhookSecret is a Standard Webhooks secret: whsec_ and 32 random bytes in base64.
func newWebhookSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// WebhookPatch changes an endpoint; nil fields stay as they are.
type WebhookPatch struct {
	Active *bool
	Events []string
}

// UpdateWebhook turns an endpoint off or on, or changes the events it hears of (admins).
func (s *Service) UpdateWebhook(ctx context.Context, actor desk.Actor, id int64, in WebhookPatch) (desk.Webhook, error) {
	if err := gate(actor, ActWebhooks); err != nil {
		return desk.Webhook{}, err
	}
	if in.Active == nil && in.Events == nil {
		return desk.Webhook{}, desk.Invalid("active", "send active (true or false) or events to change")
	}
	if in.Events != nil {
		if err := desk.CheckWebhookEvents(in.Events); err != nil {
			return desk.Webhook{}, err
		}
	}
	var out desk.Webhook
	err := s.write(ctx, actor, func(w *work) error {
		// Locked: a removal at the same moment waits, or has removed it (not found, not a raw
		// error); a sender turning it off waits, so "turn on" is not judged on a stale state.
		h, err := loadToChange(w, store.WebhookToChange, id, w.tx.Webhook)
		if err != nil {
			return notFoundAs(err, "webhook", id)
		}
		if in.Events != nil {
			if err := w.tx.SetWebhookEvents(w.ctx, id, in.Events); err != nil {
				return err
			}
		}
		switch {
		case in.Active == nil || *in.Active == h.Active:
		case *in.Active:
			err = w.tx.EnableWebhook(w.ctx, id)
			w.changed(Event{Hooks: true}) // its pending deliveries go again
		default:
			err = w.tx.DisableWebhook(w.ctx, id, "turned off by "+actor.Name)
		}
		if err != nil {
			return err
		}
		w.afterCommit(func() { s.hooks.Store(nil) })
		out, err = w.tx.Webhook(w.ctx, id)
		return err
	})
	if err != nil {
		return out, wrap("update webhook", err)
	}
	s.log.Info("webhook changed", "webhook", id, "active", out.Active, "events", out.Events, "by", actor.Name)
	return out, nil
}

// DeleteWebhook removes an endpoint and its delivery log (admins).
func (s *Service) DeleteWebhook(ctx context.Context, actor desk.Actor, id int64) error {
	err := s.writeGated(ctx, actor, ActWebhooks, func(w *work) error {
		if err := w.tx.LockToChange(w.ctx, store.WebhookToChange, id); err != nil {
			return notFoundAs(err, "webhook", id)
		}
		if err := w.tx.DeleteWebhook(w.ctx, id); err != nil {
			return notFoundAs(err, "webhook", id)
		}
		w.afterCommit(func() { s.hooks.Store(nil) })
		return nil
	})
	if err != nil {
		return wrap("delete webhook", err)
	}
	s.log.Info("webhook deleted", "webhook", id, "by", actor.Name)
	return nil
}

// Webhook reads one endpoint (admins).
func (s *Service) Webhook(ctx context.Context, actor desk.Actor, id int64) (desk.Webhook, error) {
	if err := s.fanOut(ctx, actor); err != nil {
		return desk.Webhook{}, err
	}
	h, err := readTxAs(s, ctx, actor, ActWebhooks, func(tx *store.Tx) (desk.Webhook, error) {
		h, err := tx.Webhook(ctx, id)
		return h, notFoundAs(err, "webhook", id)
	})
	return h, wrap("read webhook", err)
}

// refusePrivate refuses an endpoint whose host is, or resolves to, a loopback or private
// address: a webhook must not reach the desk's own network.
func refusePrivate(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return desk.Invalid("url", "not an address")
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, u.Hostname())
	if err != nil {
		return desk.Invalid("url", "%s does not resolve: %v", u.Hostname(), err)
	}
	for _, ip := range ips {
		if webhooks.Private(ip.IP) {
			return desk.Invalid("url", "%s is a loopback or private address (serve --webhook-allow-private allows it)", u.Hostname())
		}
	}
	return nil
}

// Webhooks lists the endpoints (admins).
func (s *Service) Webhooks(ctx context.Context, actor desk.Actor) ([]desk.Webhook, error) {
	if err := s.fanOut(ctx, actor); err != nil {
		return nil, err
	}
	hooks, err := readTxAs(s, ctx, actor, ActWebhooks, func(tx *store.Tx) ([]desk.Webhook, error) { return tx.Webhooks(ctx) })
	return hooks, wrap("list webhooks", err)
}

// fanOut makes the deliveries of the events queued and not yet taken by the sender, so an
// endpoint's log and last delivery show them (pending) at once.
func (s *Service) fanOut(ctx context.Context, actor desk.Actor) error {
	if err := gate(actor, ActWebhooks); err != nil {
		return err
	}
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		for {
			all, err := tx.FanOutEvents(ctx, fanOutLimit)
			if err != nil || all {
				return err
			}
		}
	})
	return wrap("fan out webhook events", err)
}

// WebhookDelivery is one delivery as its endpoint's log shows it.
type WebhookDelivery struct {
	ID         int64      `json:"id"`
	MessageID  string     `json:"webhook_id"`
	Type       string     `json:"type"`
	State      string     `json:"state"`
	Attempts   int        `json:"attempts"`
	LastStatus int        `json:"last_status,omitempty"`
	LastError  string     `json:"last_error,omitempty"`
	NextAt     time.Time  `json:"next_at"`
	CreatedAt  time.Time  `json:"created_at"`
	DoneAt     *time.Time `json:"done_at,omitempty"`
}

// WebhookDeliveries is an endpoint's delivery log, newest first (admins).
func (s *Service) WebhookDeliveries(ctx context.Context, actor desk.Actor, webhookID int64) ([]WebhookDelivery, error) {
	if err := s.fanOut(ctx, actor); err != nil {
		return nil, err
	}
	var out []WebhookDelivery
	err := s.readTx(ctx, func(tx *store.Tx) error {
		ds, err := tx.WebhookDeliveries(ctx, webhookID, 200)
		for _, d := range ds {
			v := WebhookDelivery{ID: d.ID, MessageID: d.MessageID, Type: d.Type, State: d.State, Attempts: d.Attempts, LastStatus: d.LastStatus,
				LastError: d.LastError, NextAt: d.NextAt, CreatedAt: d.CreatedAt}
			if !d.DoneAt.IsZero() {
				at := d.DoneAt
				v.DoneAt = &at
			}
			out = append(out, v)
		}
		return err
	})
	return out, wrap("webhook deliveries", err)
}

// activeHooks are the endpoints that hear of anything, read once per hooksFor (and again after
// a change here).
func (s *Service) activeHooks(w *work) ([]desk.Webhook, error) {
	if cur := s.hooks.Load(); cur != nil && w.now.Sub(cur.readAt) < hooksFor && !w.now.Before(cur.readAt) {
		return cur.hooks, nil
	}
	all, err := w.tx.Webhooks(w.ctx)
	if err != nil {
		return nil, err
	}
	next := &hookList{readAt: w.now}
	for _, h := range all {
		if h.Active {
			next.hooks = append(next.hooks, h)
		}
	}
	s.hooks.Store(next)
	return next.hooks, nil
}

// WebhookPayload is a delivery's body: the event, the case it is about (none: 0 and "") and
// its data: for an entry, the entry as GET /record shows it (WebhookEntry); for a desk event,
// its data (desk/events.go, EventShapes).
type WebhookPayload struct {
	ID     string    `json:"id"`
	Type   string    `json:"type"`
	At     time.Time `json:"at"`
	CaseID int64     `json:"case_id"`
	Ref    string    `json:"ref"`
	Data   any       `json:"data"`
}

// WebhookEntry is an entry kind's event data: the entry as GET /record shows it.
type WebhookEntry struct {
	Seq      int64           `json:"seq"`
	Kind     desk.EntryKind  `json:"kind"`
	At       time.Time       `json:"at"`
	Actor    desk.Actor      `json:"actor"`
	Internal bool            `json:"internal"`
	Body     string          `json:"body"`
	Data     json.RawMessage `json:"data,omitempty"`
}

// hookEvent is one event for the endpoints; id is unique among the desk's events (each
// endpoint's delivery adds its own id to it).
type hookEvent struct {
	id     string
	typ    string
	caseID int64
	seq    int64 // an entry's event: the entry, read from the record when sent (data is nil)
	at     time.Time
	data   any
}

// queueWebhooks queues, in the command's transaction, a delivery of each new entry to every
// endpoint that hears of its kind.
func (s *Service) queueWebhooks(w *work, c desk.Case, entries []desk.Entry) error {
	if hooks, err := s.activeHooks(w); err != nil || len(hooks) == 0 {
		return err // no endpoint: no events to name (a batch of breaks appends hundreds of entries)
	}
	evs := make([]hookEvent, len(entries))
	for i, e := range entries {
		// The entry is on the record: the event names it, and its body is made from it when
		// it is sent (entryEvent), not stored twice.
		evs[i] = hookEvent{id: entryEventID(c.ID, e.Seq), typ: string(e.Kind), caseID: c.ID, seq: e.Seq, at: e.At}
	}
	return s.queueHooks(w, evs)
}

func entryEventID(caseID, seq int64) string { return fmt.Sprintf("msg_%d_%d", caseID, seq) }

// entryEvent is an entry's event, as its deliveries carry it: the entry as GET /record shows it.
func entryEvent(e desk.Entry) hookEvent {
	at := e.At.UTC()
	return hookEvent{id: entryEventID(e.CaseID, e.Seq), typ: string(e.Kind), caseID: e.CaseID, at: at,
		data: WebhookEntry{Seq: e.Seq, Kind: e.Kind, At: at, Actor: e.Actor, Internal: e.Internal, Body: e.Body, Data: e.Data}}
}

// queueHooks queues, in the command's transaction, each event for every endpoint that hears of
// its type: one row an event, its body made once, however many hear of it; the sender fans it
// out to a delivery per endpoint.
func (s *Service) queueHooks(w *work, evs []hookEvent) error {
	hooks, err := s.activeHooks(w)
	if err != nil || len(hooks) == 0 {
		return err
	}
	var stored []store.WebhookEvent
	for _, ev := range evs {
		var to []int64
		for _, h := range hooks {
			if h.Wants(ev.typ) {
				to = append(to, h.ID)
			}
		}
		if len(to) == 0 {
			continue
		}
		e, err := storedEvent(ev, to)
		if err != nil {
			return err
		}
		stored = append(stored, e)
	}
	if len(stored) == 0 {
		return nil
	}
	if err := w.tx.QueueEvents(w.ctx, stored, w.now); err != nil {
		return err
	}
	w.changed(Event{Hooks: true})
	return nil
}

// storedEvent is an event as it is queued for the endpoints hooks: an entry's names the entry.
func storedEvent(ev hookEvent, hooks []int64) (store.WebhookEvent, error) {
	e := store.WebhookEvent{Key: ev.id, Type: ev.typ, CaseID: ev.caseID, Seq: ev.seq, Hooks: hooks}
	if ev.seq > 0 {
		return e, nil
	}
	var err error
	e.Body, err = eventBody(ev)
	return e, err
}

// eventBody is an event's payload without its id (each endpoint's delivery has its own):
// {"type":…,"at":…,"case_id":…,"ref":…,"data":…}; store.DeliveryBody puts the id first, as
// WebhookPayload has it.
func eventBody(ev hookEvent) ([]byte, error) {
	ref := ""
	if ev.caseID != 0 {
		ref = desk.CaseRef(ev.caseID)
	}
	body, err := json.Marshal(eventPayload{Type: ev.typ, At: ev.at, CaseID: ev.caseID, Ref: ref, Data: ev.data})
	if err != nil {
		return nil, fmt.Errorf("webhook payload of %s: %w", ev.typ, err)
	}
	return body, nil
}

// eventPayload is WebhookPayload without its id, as an event's body is stored.
type eventPayload struct {
	Type   string    `json:"type"`
	At     time.Time `json:"at"`
	CaseID int64     `json:"case_id"`
	Ref    string    `json:"ref"`
	Data   any       `json:"data"`
}

// fanOutLimit is how many events a claim fans out to deliveries at most; the next claim takes
// the rest (NextDue says they are due).
const fanOutLimit = 500

// WebhookQueue is the desk's queue of deliveries, as one node's webhook sender works it.
type WebhookQueue struct {
	s    *Service
	node string
}

// WebhookQueue returns the queue for the webhook sender of node (see Outbox: "" for a node
// without a lasting name, which takes back nothing early after a crash).
func (s *Service) WebhookQueue(node string) WebhookQueue { return WebhookQueue{s: s, node: node} }

// ReleaseClaims hands back the deliveries this node left 'sending' when it last stopped (a
// crash), due at once; the sender calls it as it starts.
func (q WebhookQueue) ReleaseClaims(ctx context.Context) (int, error) {
	var n int
	err := q.s.store.Write(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.ReleaseDeliveryClaims(ctx, q.node)
		return err
	})
	return n, err
}

// Claim takes due deliveries for sending, committed before they are sent.
func (q WebhookQueue) Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]webhooks.Delivery, error) {
	var claimed []store.WebhookDelivery
	err := q.s.store.Write(ctx, func(tx *store.Tx) error {
		// Events queued since are fanned out first, so they go in the order they were queued.
		if _, err := tx.FanOutEvents(ctx, fanOutLimit); err != nil {
			return err
		}
		var err error
		if claimed, err = tx.ClaimDeliveries(ctx, q.node, now, lease, limit); err != nil {
			return err
		}
		return entryPayloads(ctx, tx, claimed)
	})
	out := make([]webhooks.Delivery, len(claimed))
	for i, d := range claimed {
		out[i] = webhooks.Delivery{ID: d.ID, WebhookID: d.WebhookID, CaseID: d.CaseID, MessageID: d.MessageID, URL: d.URL, Secret: d.Secret, Payload: d.Payload, Attempts: d.Attempts}
	}
	return out, err
}

// Record stores what became of an attempt. A delivery that failed for good disables its
// endpoint (its receiver is gone, or has been failing for a day) and tells the admins.
func (q WebhookQueue) Record(ctx context.Context, d webhooks.Delivery, a webhooks.Attempt) error {
	s := q.s
	return s.write(ctx, desk.SystemActor(), func(w *work) error {
		if a.Held {
			return w.tx.HoldDelivery(w.ctx, d.ID, a.At)
		}
		if err := w.tx.DeliveryOutcome(w.ctx, d.ID, store.DeliveryAttempt{Delivered: a.Delivered, Final: a.Final, Status: a.Status, Error: a.Error,
			At: a.At, RetryAt: a.RetryAt}); err != nil {
			return err
		}
		if !a.Final {
			return nil
		}
		why := fmt.Sprintf("delivery %d failed for good: %s", d.ID, a.Error)
		if err := w.tx.DisableWebhook(w.ctx, d.WebhookID, why); err != nil {
			return err
		}
		w.afterCommit(func() {
			s.hooks.Store(nil)
			s.log.Error("webhook disabled", "webhook", d.WebhookID, "url", d.URL, "why", why)
			s.tellAdmins(desk.Notification{Kind: "webhook_disabled"}.Note(fmt.Sprintf("The webhook to %s is disabled: %s. Once its receiver works, send a delivery again (POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/resend): that turns it back on.", d.URL, why),
				"notif.detail.webhook_disabled", desk.TextArg(d.URL), desk.NumberArg(d.ID), desk.TextArg(a.Error)))
		})
		return nil
	})
}

// entryPayloads makes the bodies of claimed deliveries of entries' events from the record. An
// entry no longer there (its case removed) is sent as its event with no data.
func entryPayloads(ctx context.Context, tx *store.Tx, ds []store.WebhookDelivery) error {
	var at []store.EntryAt
	for _, d := range ds {
		if d.EntrySeq > 0 {
			at = append(at, store.EntryAt{CaseID: d.CaseID, Seq: d.EntrySeq})
		}
	}
	if len(at) == 0 {
		return nil
	}
	entries, err := tx.EntriesAt(ctx, at)
	if err != nil {
		return err
	}
	for i, d := range ds {
		if d.EntrySeq == 0 {
			continue
		}
		ev := hookEvent{id: d.EventKey, typ: d.Type, caseID: d.CaseID, at: d.CreatedAt}
		if e, ok := entries[store.EntryAt{CaseID: d.CaseID, Seq: d.EntrySeq}]; ok {
			ev = entryEvent(e)
		}
		body, err := eventBody(ev)
		if err != nil {
			return err
		}
		ds[i].Payload = store.DeliveryBody(d.MessageID, body)
	}
	return nil
}

// NextDue is when the next delivery falls due.
func (q WebhookQueue) NextDue(ctx context.Context) (next time.Time, ok bool, err error) {
	err = q.s.store.Read(ctx, func(tx *store.Tx) error {
		next, ok, err = tx.NextDeliveryDue(ctx)
		return err
	})
	return next, ok, err
}

// ResendDelivery sends one of an endpoint's deliveries again (delivered or failed), and turns
// the endpoint back on if it was disabled: "send again" after the receiver is fixed (admins).
func (s *Service) ResendDelivery(ctx context.Context, actor desk.Actor, webhookID, deliveryID int64) error {
	err := s.writeGated(ctx, actor, ActWebhooks, func(w *work) error {
		if err := w.tx.RequeueDelivery(w.ctx, webhookID, deliveryID, w.now); err != nil {
			if store.IsNotFound(err) {
				return desk.Conflict("not_done", "only a delivered or failed delivery of this endpoint is sent again", nil)
			}
			return err
		}
		if err := w.tx.EnableWebhook(w.ctx, webhookID); err != nil {
			return err
		}
		w.changed(Event{Hooks: true})
		w.afterCommit(func() { s.hooks.Store(nil) })
		return nil
	})
	if err == nil {
		s.log.Info("webhook delivery sent again", "webhook", webhookID, "delivery", deliveryID, "by", actor.Name)
	}
	return wrap("send a webhook delivery again", err)
}
