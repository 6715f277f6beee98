package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// Webhooks: the endpoints and the durable queue of their deliveries (see service/webhooks.go
// and internal/webhooks).

// States of a webhook delivery.
const (
	DeliveryPending   = "pending"
	DeliverySending   = "sending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// WebhookDelivery is one event on its way to one endpoint.
type WebhookDelivery struct {
	ID        int64
	WebhookID int64
	CaseID    int64  // 0: about no case; a case's deliveries to an endpoint go out in order
	MessageID string // webhook-id: the same on every attempt, for the receiver to drop repeats
	Type      string
	// EventKey names its event's body, stored once for all the endpoints that hear of it
	// (WebhookEvent); Payload is the body as sent, its id first (read by ClaimDeliveries).
	EventKey string
	Payload  []byte
	// EntrySeq: its event is an entry's (on the case's record at this seq), and Payload is
	// nil: the caller makes it from the entry (EntriesAt).
	EntrySeq   int64
	State      string
	Attempts   int
	NextAt     time.Time
	LastStatus int
	LastError  string
	CreatedAt  time.Time
	DoneAt     time.Time // zero until delivered or failed
	// Of the endpoint, filled in by ClaimDeliveries: where to send it and the key to sign with.
	URL, Secret string
}

// InsertWebhook stores an endpoint and sets its id.
func (t *Tx) InsertWebhook(ctx context.Context, h *desk.Webhook, secret string, by int64) error {
	events, err := json.Marshal(h.Events)
	if err != nil {
		return err
	}
	err = t.tx.QueryRowContext(ctx, `INSERT INTO webhooks (url, events, secret, active, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		h.URL, string(events), secret, h.Active, nullID(by), dbTime(h.CreatedAt)).Scan(&h.ID)
	if err != nil {
		return fmt.Errorf("insert webhook: %w", err)
	}
	return nil
}

// webhookQuery reads endpoints with the state of each one's newest delivery.
const webhookQuery = `SELECT h.id, h.url, h.events, h.active, h.created_at, h.disabled_why, d.state, d.last_status, d.created_at
	FROM webhooks h LEFT JOIN webhook_deliveries d ON d.id = (SELECT MAX(id) FROM webhook_deliveries WHERE webhook_id = h.id)`

// Webhooks lists the endpoints (active or not), by id.
func (t *Tx) Webhooks(ctx context.Context) ([]desk.Webhook, error) {
	out, err := queryAll(ctx, t, scanWebhook, webhookQuery+` ORDER BY h.id`)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return out, nil
}

// Webhook reads one endpoint.
func (t *Tx) Webhook(ctx context.Context, id int64) (desk.Webhook, error) {
	h, err := scanWebhook(t.tx.QueryRowContext(ctx, webhookQuery+` WHERE h.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return h, fmt.Errorf("webhook %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return h, fmt.Errorf("webhook %d: %w", id, err)
	}
	return h, nil
}

func scanWebhook(row scanner) (desk.Webhook, error) {
	var h desk.Webhook
	var events string
	var state sql.NullString
	var status sql.NullInt64
	var at sql.NullTime
	if err := row.Scan(&h.ID, &h.URL, &events, &h.Active, &h.CreatedAt, &h.DisabledWhy, &state, &status, &at); err != nil {
		return h, err
	}
	if err := json.Unmarshal([]byte(events), &h.Events); err != nil {
		return h, fmt.Errorf("webhook %d events: %w", h.ID, err)
	}
	h.CreatedAt = h.CreatedAt.UTC()
	if state.Valid {
		h.Last = &desk.WebhookLast{State: state.String, Status: int(status.Int64), At: at.Time.UTC()}
	}
	return h, nil
}

// SetWebhookEvents changes the events an endpoint hears of.
func (t *Tx) SetWebhookEvents(ctx context.Context, id int64, events []string) error {
	b, err := json.Marshal(events)
	if err != nil {
		return err
	}
	if _, err := t.tx.ExecContext(ctx, `UPDATE webhooks SET events = $1 WHERE id = $2`, string(b), id); err != nil {
		return fmt.Errorf("webhook %d events: %w", id, err)
	}
	return nil
}

// DeleteWebhook removes an endpoint and its delivery log, and the events no other endpoint's
// deliveries name.
func (t *Tx) DeleteWebhook(ctx context.Context, id int64) error {
	if err := t.deleteWithRows(ctx, "webhook", "webhooks", "webhook_deliveries", "webhook_id", id); err != nil {
		return err
	}
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM webhook_events WHERE hooks = '' AND key NOT IN (SELECT event_key FROM webhook_deliveries)`); err != nil {
		return fmt.Errorf("delete webhook %d events: %w", id, err)
	}
	return nil
}

// DisableWebhook stops an endpoint's deliveries, saying why.
func (t *Tx) DisableWebhook(ctx context.Context, id int64, why string) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE webhooks SET active = FALSE, disabled_why = $1 WHERE id = $2`, cleanErrorText(why), id)
	if err != nil {
		return fmt.Errorf("disable webhook %d: %w", id, err)
	}
	return nil
}

// WebhookEvent is an event for the endpoints that hear of it, stored once: its body is the
// payload without its id ({"type":…}), which each endpoint's delivery puts first (DeliveryBody).
type WebhookEvent struct {
	Key       string // the event's id; an endpoint's delivery's webhook-id is Key_<endpoint>
	Type      string
	CaseID    int64
	Seq       int64   // an entry's event: the entry, whose event body the sender makes from the record (Body is nil)
	Hooks     []int64 // the endpoints that hear of it
	Body      []byte
	createdAt time.Time
}

// DeliveryBody is a delivery's payload: its id, then the event's body.
func DeliveryBody(messageID string, eventBody []byte) []byte {
	id, _ := json.Marshal(messageID) // a string always marshals
	out := make([]byte, 0, len(id)+len(eventBody)+8)
	out = append(out, `{"id":`...)
	out = append(out, id...)
	if len(eventBody) > 2 { // {} has nothing after the id
		out = append(out, ',')
	}
	return append(out, eventBody[1:]...)
}

// QueueEvents stores events, each for its endpoints, due at now. They are held with the
// transaction's other set-wise writes (pending.go), one row an event however many endpoints
// hear of it; the sender fans them out to deliveries (FanOutEvents). An event already stored
// under its key is kept as it is.
func (t *Tx) QueueEvents(ctx context.Context, evs []WebhookEvent, now time.Time) error {
	for _, e := range evs {
		e.createdAt = dbTime(now)
		t.pend.events = append(t.pend.events, e)
	}
	return nil
}

// insertEvents writes held events, many a statement.
func (t *Tx) insertEvents(ctx context.Context, evs []WebhookEvent) error {
	err := t.insertRows(ctx, `INSERT INTO webhook_events (key, type, case_id, seq, hooks, body, created_at) VALUES `,
		` ON CONFLICT (key) DO NOTHING`, 7, len(evs), func(i int, args []any) []any {
			e := evs[i]
			hooks := make([]string, len(e.Hooks))
			for j, h := range e.Hooks {
				hooks[j] = strconv.FormatInt(h, 10)
			}
			return append(args, e.Key, e.Type, e.CaseID, e.Seq, strings.Join(hooks, ","), string(e.Body), e.createdAt)
		})
	if err != nil {
		return fmt.Errorf("store webhook events: %w", err)
	}
	return nil
}

// FanOutEvents makes the deliveries of up to limit stored events, oldest first, one for each
// endpoint that heard of it and is still there, due when the event was stored; it reports
// whether it took them all. Events are fanned out in the order they were stored, so a case's
// deliveries to an endpoint keep their order (ClaimDeliveries).
func (t *Tx) FanOutEvents(ctx context.Context, limit int) (all bool, err error) {
	if !t.writable {
		return false, errors.New("fan out webhook events: not in a write transaction")
	}
	// Locked, not skipped: a second node waits here until the first has committed its
	// deliveries, so no later event's delivery can get a lower id than an earlier one's.
	q := `SELECT id, key, type, case_id, hooks, created_at FROM webhook_events WHERE hooks <> '' ORDER BY id LIMIT $1` + t.d.forUpdate
	type event struct {
		id, caseID     int64
		key, typ, list string
		at             time.Time
	}
	evs, err := queryAll(ctx, t, func(r scanner) (event, error) {
		var e event
		err := r.Scan(&e.id, &e.key, &e.typ, &e.caseID, &e.list, &e.at)
		return e, err
	}, q, limit)
	if err != nil {
		return false, fmt.Errorf("fan out webhook events: %w", err)
	}
	if len(evs) == 0 {
		return true, nil
	}
	ids, err := queryAll(ctx, t, func(r scanner) (int64, error) {
		var id int64
		err := r.Scan(&id)
		return id, err
	}, `SELECT id FROM webhooks`+t.d.forKeyShare) // an endpoint removed meanwhile waits, or is read gone
	if err != nil {
		return false, fmt.Errorf("fan out webhook events: %w", err)
	}
	there := map[int64]bool{}
	for _, id := range ids {
		there[id] = true
	}
	var ds []WebhookDelivery
	done := make([]any, len(evs))
	marks := make([]string, len(evs))
	for i, e := range evs {
		done[i], marks[i] = e.id, fmt.Sprintf("$%d", i+1)
		for _, h := range strings.Split(e.list, ",") {
			hook, err := strconv.ParseInt(h, 10, 64)
			if err != nil || !there[hook] { // removed since: nothing to send it to
				continue
			}
			at := dbTime(e.at)
			ds = append(ds, WebhookDelivery{WebhookID: hook, CaseID: e.caseID, MessageID: fmt.Sprintf("%s_%d", e.key, hook), Type: e.typ, EventKey: e.key,
				NextAt: at, CreatedAt: at})
		}
	}
	if err := t.insertDeliveries(ctx, ds); err != nil {
		return false, err
	}
	if _, err := t.tx.ExecContext(ctx, `UPDATE webhook_events SET hooks = '' WHERE id IN (`+strings.Join(marks, ", ")+`)`, done...); err != nil {
		return false, fmt.Errorf("fan out webhook events: %w", err)
	}
	return len(evs) < limit, nil
}

// insertDeliveries writes deliveries, many a statement; their payload is their event's.
func (t *Tx) insertDeliveries(ctx context.Context, ds []WebhookDelivery) error {
	err := t.insertRows(ctx, `INSERT INTO webhook_deliveries (webhook_id, case_id, message_id, type, payload, event_key, next_at, created_at) VALUES `,
		"", 8, len(ds), func(i int, args []any) []any {
			d := ds[i]
			return append(args, d.WebhookID, d.CaseID, d.MessageID, d.Type, "", d.EventKey, d.NextAt, d.CreatedAt)
		})
	if err != nil {
		return fmt.Errorf("queue webhook deliveries: %w", err)
	}
	return nil
}

// deliveryColumns are a delivery's; payload is its own (queued before 00038) or its event's
// body, "" in the log (read as deliveryLogColumns), which shows no payload.
const (
	deliveryColumns = `d.id, d.webhook_id, d.case_id, d.message_id, d.type, d.event_key, COALESCE(ev.body, d.payload), COALESCE(ev.seq, 0), d.state, d.attempts,
		d.next_at, d.last_status, d.last_error, d.created_at, d.done_at`
	deliveryLogColumns = `d.id, d.webhook_id, d.case_id, d.message_id, d.type, d.event_key, '', 0, d.state, d.attempts, d.next_at, d.last_status, d.last_error, d.created_at, d.done_at`
)

func scanDelivery(row scanner, extra ...any) (WebhookDelivery, error) {
	var d WebhookDelivery
	var payload string
	var done sql.NullTime
	var seq int64
	err := row.Scan(append([]any{&d.ID, &d.WebhookID, &d.CaseID, &d.MessageID, &d.Type, &d.EventKey, &payload, &seq, &d.State, &d.Attempts, &d.NextAt, &d.LastStatus, &d.LastError,
		&d.CreatedAt, &done}, extra...)...)
	d.Payload, d.NextAt, d.CreatedAt = []byte(payload), d.NextAt.UTC(), d.CreatedAt.UTC()
	switch {
	case d.EventKey != "" && payload != "":
		d.Payload = DeliveryBody(d.MessageID, d.Payload)
	case d.EventKey != "" && seq > 0:
		d.Payload, d.EntrySeq = nil, seq
	}
	if done.Valid {
		d.DoneAt = done.Time.UTC()
	}
	return d, err
}

// ClaimDeliveries takes up to limit deliveries due at now (of active endpoints) for node and
// lease, as ClaimMail takes mail, with their endpoint's URL and secret.
func (t *Tx) ClaimDeliveries(ctx context.Context, node string, now time.Time, lease time.Duration, limit int) ([]WebhookDelivery, error) {
	if !t.writable {
		return nil, errors.New("claim deliveries: not in a write transaction")
	}
	q := `SELECT ` + deliveryColumns + `, h.url, h.secret FROM webhook_deliveries d JOIN webhooks h ON h.id = d.webhook_id
		LEFT JOIN webhook_events ev ON ev.key = d.event_key AND d.event_key <> ''
		WHERE h.active AND ((d.state = 'pending' AND d.next_at <= $1) OR (d.state = 'sending' AND d.lease_until <= $1))
		AND (d.case_id = 0 OR NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.webhook_id = d.webhook_id AND e.case_id = d.case_id
			AND e.id < d.id AND (e.state = 'sending' OR (e.state = 'pending' AND e.attempts > 0))))
		ORDER BY d.next_at, d.id LIMIT $2`
	if t.d.forUpdate != "" {
		q += " FOR UPDATE OF d SKIP LOCKED"
	}
	rows, err := t.tx.QueryContext(ctx, q, dbTime(now), limit)
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	var out []WebhookDelivery
	for rows.Next() {
		var url, secret string
		d, err := scanDelivery(rows, &url, &secret)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("claim deliveries: %w", err)
		}
		d.URL, d.Secret = url, secret
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	args := []any{dbTime(now.Add(lease)), node}
	marks := make([]string, len(out))
	for i, d := range out {
		args = append(args, d.ID)
		marks[i] = fmt.Sprintf("$%d", i+3)
		out[i].State, out[i].Attempts = DeliverySending, d.Attempts+1
	}
	_, err = t.tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'sending', lease_until = $1, claimed_by = $2, attempts = attempts + 1 WHERE id IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	return out, nil
}

// EntryAt names an entry by its case and seq.
type EntryAt struct{ CaseID, Seq int64 }

// EntriesAt loads entries by case and seq (those not there are left out).
func (t *Tx) EntriesAt(ctx context.Context, at []EntryAt) (map[EntryAt]desk.Entry, error) {
	out := map[EntryAt]desk.Entry{}
	for len(at) > 0 {
		n := min(len(at), 50)
		args := make([]any, 0, 2*n)
		conds := make([]string, n)
		for i, a := range at[:n] {
			conds[i] = fmt.Sprintf("(case_id = $%d AND seq = $%d)", 2*i+1, 2*i+2)
			args = append(args, a.CaseID, a.Seq)
		}
		es, err := queryAll(ctx, t, newEntryScan().scan, `SELECT `+entryColumns+` FROM entries WHERE `+strings.Join(conds, " OR "), args...)
		if err != nil {
			return nil, fmt.Errorf("load entries: %w", err)
		}
		for _, e := range es {
			out[EntryAt{e.CaseID, e.Seq}] = e
		}
		at = at[n:]
	}
	return out, nil
}

// ReleaseDeliveryClaims hands back, due at once, the deliveries node had claimed and not
// recorded when it stopped (a crash: it is starting, so it is sending none of them). Each goes
// again with its webhook-id; its attempt stays counted. A node without a name releases nothing.
func (t *Tx) ReleaseDeliveryClaims(ctx context.Context, node string) (int, error) {
	if node == "" {
		return 0, nil
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'pending', lease_until = NULL WHERE state = 'sending' AND claimed_by = $1`, node)
	if err != nil {
		return 0, fmt.Errorf("release the webhook deliveries of %s: %w", node, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// DeliveryOutcome records an attempt: delivered, or failed and due again at retryAt, or failed
// for good (final).
func (t *Tx) DeliveryOutcome(ctx context.Context, id int64, o DeliveryAttempt) error {
	state, done := DeliveryPending, sql.NullTime{}
	switch {
	case o.Delivered:
		state, done = DeliveryDelivered, sql.NullTime{Time: dbTime(o.At), Valid: true}
	case o.Final:
		state, done = DeliveryFailed, sql.NullTime{Time: dbTime(o.At), Valid: true}
	}
	_, err := t.tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = $1, next_at = $2, lease_until = NULL, last_status = $3, last_error = $4, done_at = $5 WHERE id = $6`,
		state, dbTime(o.RetryAt), o.Status, cleanErrorText(o.Error), done, id)
	if err != nil {
		return fmt.Errorf("record webhook delivery %d: %w", id, err)
	}
	return nil
}

// HoldDelivery puts a claimed delivery back as it was, unsent (an earlier delivery of its case
// failed in the same round): not an attempt, due again at once, behind that one.
func (t *Tx) HoldDelivery(ctx context.Context, id int64, now time.Time) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'pending', attempts = attempts - 1, lease_until = NULL, next_at = $1 WHERE id = $2`, dbTime(now), id)
	if err != nil {
		return fmt.Errorf("hold webhook delivery %d: %w", id, err)
	}
	return nil
}

// DeliveryAttempt is what became of one attempt to deliver.
type DeliveryAttempt struct {
	Delivered bool
	Final     bool // failed for good
	Status    int  // the receiver's HTTP status (0: none)
	Error     string
	At        time.Time
	RetryAt   time.Time
}

// NextDeliveryDue is when a delivery of an active endpoint falls due next, if any; an event
// not yet fanned out is due when it was stored.
func (t *Tx) NextDeliveryDue(ctx context.Context) (time.Time, bool, error) {
	var at time.Time
	err := t.tx.QueryRowContext(ctx, `SELECT e.created_at FROM webhook_events e WHERE e.hooks <> '' ORDER BY e.id LIMIT 1`).Scan(&at)
	if err == nil {
		return at.UTC(), true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, fmt.Errorf("next webhook event: %w", err)
	}
	err = t.tx.QueryRowContext(ctx, `SELECT d.next_at FROM webhook_deliveries d JOIN webhooks h ON h.id = d.webhook_id
		WHERE h.active AND d.state = 'pending' ORDER BY d.next_at LIMIT 1`).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next webhook delivery: %w", err)
	}
	return at.UTC(), true, nil
}

// WebhookDeliveries lists an endpoint's deliveries, newest first, at most limit.
func (t *Tx) WebhookDeliveries(ctx context.Context, webhookID int64, limit int) ([]WebhookDelivery, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT `+deliveryLogColumns+` FROM webhook_deliveries d WHERE d.webhook_id = $1 ORDER BY d.id DESC LIMIT $2`, webhookID, limit)
	if err != nil {
		return nil, fmt.Errorf("webhook deliveries: %w", err)
	}
	defer rows.Close()
	out := []WebhookDelivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("webhook deliveries: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// RequeueDelivery sends a delivery of the endpoint again, due at once with its attempts
// counted afresh (the same webhook-id: a receiver that took it drops the repeat).
func (t *Tx) RequeueDelivery(ctx context.Context, webhookID, id int64, now time.Time) error {
	res, err := t.tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'pending', next_at = $1, attempts = 0, lease_until = NULL, done_at = NULL
		WHERE id = $2 AND webhook_id = $3 AND state IN ('delivered', 'failed')`, dbTime(now), id, webhookID)
	if err != nil {
		return fmt.Errorf("requeue webhook delivery %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("requeue webhook delivery %d: %w", id, errors.Join(err, ErrNotFound))
	}
	return nil
}

// EnableWebhook lets a disabled endpoint's deliveries go again.
func (t *Tx) EnableWebhook(ctx context.Context, id int64) error {
	res, err := t.tx.ExecContext(ctx, `UPDATE webhooks SET active = TRUE, disabled_why = '' WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("enable webhook %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("enable webhook %d: %w", id, errors.Join(err, ErrNotFound))
	}
	return nil
}
