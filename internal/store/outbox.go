package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"
	"unicode/utf8"
)

// The states of a mail in the outbox.
const (
	MailPending = "pending" // waiting for its next_at
	MailSending = "sending" // claimed by a sender until lease_until
	MailSent    = "sent"    // accepted by the relay
	MailFailed  = "failed"  // refused for good, or given up; never sent again
)

// OutMail is a mail in the outbox. QueueMail reads CaseID through Automatic; the rest is
// filled in by the outbox.
type OutMail struct {
	ID       int64
	CaseID   int64  // 0: a mail of no case
	EntryID  int64  // the entry it carries (0: none, or EntrySeq names it)
	EntrySeq int64  // the entry it carries, by its seq in CaseID's record, when appended in the same transaction
	From     string // envelope sender (MAIL FROM)
	To       string // one envelope recipient (RCPT TO): the customer
	// Also are the mail's other envelope recipients: the case's copies (cc and bcc alike; a
	// bcc is in no header of Raw, only here).
	Also      []string
	MessageID string // the Message-ID of Raw: a message is queued once
	Raw       []byte // the composed message, CRLF line ends
	Automatic bool   // an automatic reply, rate-limited per recipient

	State      string
	Attempts   int       // times a sender has taken it, counting one that crashed mid-send
	NextAt     time.Time // when it is due (pending)
	LeaseUntil time.Time // zero unless sending
	LastError  string
	CreatedAt  time.Time
	SentAt     time.Time // zero until sent
}

const outboxColumns = `id, case_id, entry_id, from_addr, to_addr, message_id, raw, automatic, state, attempts, next_at,
	lease_until, last_error, created_at, sent_at, also_to`

func scanOutMail(row scanner) (OutMail, error) {
	var m OutMail
	var lease, sent sql.NullTime
	var also string
	err := row.Scan(&m.ID, &m.CaseID, &m.EntryID, &m.From, &m.To, &m.MessageID, &m.Raw, &m.Automatic, &m.State, &m.Attempts,
		&m.NextAt, &lease, &m.LastError, &m.CreatedAt, &sent, &also)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal([]byte(also), &m.Also); err != nil {
		return m, fmt.Errorf("outbox mail %d also_to: %w", m.ID, err)
	}
	m.NextAt, m.CreatedAt = m.NextAt.UTC(), m.CreatedAt.UTC()
	if lease.Valid {
		m.LeaseUntil = lease.Time.UTC()
	}
	if sent.Valid {
		m.SentAt = sent.Time.UTC()
	}
	return m, nil
}

func (t *Tx) outMails(ctx context.Context, what, q string, args ...any) ([]OutMail, error) {
	return listOf(ctx, t, what, scanOutMail, q, args...)
}

// check refuses a mail the outbox could not send.
func (m OutMail) check() error {
	switch {
	case m.From == "" || m.To == "" || m.MessageID == "" || len(m.Raw) == 0:
		return fmt.Errorf("queue mail %q to %q: from, to, message id and message are required", m.MessageID, m.To)
	case strings.ContainsAny(m.From+m.To+strings.Join(m.Also, ""), "\r\n"):
		// An envelope address is one SMTP command line; a line break would inject another.
		return fmt.Errorf("queue mail %q: line break in an envelope address", m.MessageID)
	}
	return nil
}

// ClaimMail takes up to limit mails for sending, oldest due first: pending mail due at now,
// and mail left 'sending' by a sender whose lease has run out (it crashed, or lost the
// database). They become 'sending' until now+lease and count one more attempt. On PostgreSQL
// rows another node is claiming are skipped (SKIP LOCKED); on SQLite the write transaction
// already excludes other writers. Commit before sending: the lease, not a row lock, keeps
// other senders off while the mail is on the wire. node names the claiming node, whose claims
// ReleaseClaims hands back when it starts again.
//
// A case's mails reach each recipient in the order queued: a mail is taken only when no
// earlier one of its case to the same address is still unsent (pending, however late due,
// or being sent). So a reply waits for the one before it, even one waiting to be retried,
// instead of overtaking it on another relay session or node; each claim takes at most the
// first of them. Mail of no case (a sign-in link) has no order to keep.
func (t *Tx) ClaimMail(ctx context.Context, node string, now time.Time, lease time.Duration, limit int) ([]OutMail, error) {
	if !t.writable {
		return nil, errors.New("claim mail: not in a write transaction")
	}
	if lease <= 0 {
		return nil, fmt.Errorf("claim mail: lease %v is not positive", lease)
	}
	if limit <= 0 {
		limit = 20
	}
	q := `SELECT ` + outboxColumns + ` FROM outbox
		WHERE ((state = 'pending' AND next_at <= $1) OR (state = 'sending' AND lease_until <= $1)) AND ` + mailInOrder + `
		ORDER BY next_at, id LIMIT $2`
	if t.d.forUpdate != "" {
		q += t.d.forUpdate + " SKIP LOCKED"
	}
	mails, err := t.outMails(ctx, "claim mail", q, dbTime(now), limit)
	if err != nil || len(mails) == 0 {
		return mails, err
	}
	until := dbTime(now.Add(lease))
	args := []any{until, node}
	marks := make([]string, len(mails))
	for i, m := range mails {
		args = append(args, m.ID)
		marks[i] = fmt.Sprintf("$%d", i+3)
	}
	_, err = t.tx.ExecContext(ctx, `UPDATE outbox SET state = 'sending', lease_until = $1, claimed_by = $2, attempts = attempts + 1
		WHERE id IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("claim mail: %w", err)
	}
	for i := range mails {
		mails[i].State, mails[i].LeaseUntil = MailSending, until
		mails[i].Attempts++
	}
	return mails, nil
}

// mailInOrder holds for an outbox row that no earlier mail of its case to the same address
// waits before (see ClaimMail).
const mailInOrder = `(case_id = 0 OR NOT EXISTS (SELECT 1 FROM outbox earlier WHERE earlier.case_id = outbox.case_id
	AND earlier.id < outbox.id AND earlier.state IN ('pending', 'sending') AND lower(earlier.to_addr) = lower(outbox.to_addr)))`

// ReleaseMail hands a claimed mail back unsent, due at once and without counting the attempt:
// a sender that stops, or whose lease is too short for another relay session, gives the rest
// of its batch back instead of letting it wait for the lease to run out.
func (t *Tx) ReleaseMail(ctx context.Context, id int64) error {
	return t.updateMail(ctx, "release", id, `UPDATE outbox SET state = 'pending', lease_until = NULL, attempts = attempts - 1
		WHERE id = $1 AND state = 'sending'`, id)
}

// ReleaseClaims hands back, due at once, the mails a node left 'sending' when it stopped
// without recording them (a crash): at its start nothing of its own is on the wire any more,
// so they need not wait out their lease. Whether the relay took the one on the wire is
// unknown; it is sent again (at least once). An empty node releases nothing.
func (t *Tx) ReleaseClaims(ctx context.Context, node string) (int, error) {
	if node == "" {
		return 0, nil
	}
	n, err := t.changedRows(ctx, "release the claims of "+node, `UPDATE outbox SET state = 'pending', lease_until = NULL WHERE state = 'sending' AND claimed_by = $1`, node)
	return int(n), err
}

// OutMailByID loads one mail of the outbox.
func (t *Tx) OutMailByID(ctx context.Context, id int64) (OutMail, error) {
	return loadByID(ctx, t, "outbox mail", id, scanOutMail, `SELECT `+outboxColumns+` FROM outbox WHERE id = $1`)
}

// RequeueMail sends a failed mail again: due at once, its attempts and its 48 hours counted
// afresh from now. A mail that is not failed is left alone (ErrNotFound).
func (t *Tx) RequeueMail(ctx context.Context, id int64, now time.Time) error {
	return t.updateMail(ctx, "requeue", id, `UPDATE outbox SET state = 'pending', next_at = $1, created_at = $1, attempts = 0, last_error = ''
		WHERE id = $2 AND state = 'failed'`, dbTime(now), id)
}

// FailedMails lists the mails refused or given up, newest first, at most limit.
func (t *Tx) FailedMails(ctx context.Context, limit int) ([]OutMail, error) {
	return t.outMails(ctx, "failed mail", `SELECT `+outboxColumns+` FROM outbox WHERE state = 'failed' ORDER BY id DESC LIMIT $1`, limit)
}

// OutboxCounts counts the mails in each state but 'sent' (which only grows): what waits,
// what is on the wire, what failed.
func (t *Tx) OutboxCounts(ctx context.Context) (map[string]int, error) {
	counted, err := queryMap[string, int](ctx, t.tx, "count the outbox",
		`SELECT state, COUNT(*) FROM outbox WHERE state IN ('pending', 'sending', 'failed') GROUP BY state`)
	if err != nil {
		return nil, err
	}
	out := map[string]int{MailPending: 0, MailSending: 0, MailFailed: 0} // a state with no mail too
	maps.Copy(out, counted)
	return out, nil
}

// ProbeWrite writes the node's row of ready_probes: it fails when the database takes no
// writes (down, read-only, or its disk full).
func (t *Tx) ProbeWrite(ctx context.Context, node string, now time.Time) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO ready_probes (node, at) VALUES ($1, $2) ON CONFLICT (node) DO UPDATE SET at = excluded.at`, node, dbTime(now))
	if err != nil {
		return fmt.Errorf("probe a write: %w", err)
	}
	return nil
}

// MailSent records that the relay accepted the mail.
func (t *Tx) MailSent(ctx context.Context, id int64, now time.Time) error {
	return t.MailsSent(ctx, []int64{id}, now)
}

// MailsSent records that the relay took the mails, in one statement; each must be in the outbox.
func (t *Tx) MailsSent(ctx context.Context, ids []int64, now time.Time) error {
	args := []any{dbTime(now)}
	marks := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		marks[i] = fmt.Sprintf("$%d", i+2)
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE outbox SET state = 'sent', sent_at = $1, lease_until = NULL, last_error = ''
		WHERE id IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return fmt.Errorf("record %d mails sent: %w", len(ids), err)
	}
	if n, err := res.RowsAffected(); err == nil && n != int64(len(ids)) {
		return fmt.Errorf("record %d mails sent: %d are in the outbox: %w", len(ids), n, ErrNotFound)
	}
	return nil
}

// MailFailed records a failed attempt: with permanent set the mail is parked as 'failed' and
// never sent again; otherwise it is due again at retryAt.
func (t *Tx) MailFailed(ctx context.Context, id int64, errText string, retryAt time.Time, permanent bool) error {
	state := MailPending
	if permanent {
		state = MailFailed
	}
	return t.updateMail(ctx, "record failure", id, `UPDATE outbox SET state = $1, next_at = $2, lease_until = NULL, last_error = $3
		WHERE id = $4 AND state <> 'sent'`, state, dbTime(retryAt), cleanErrorText(errText), id)
}

func (t *Tx) updateMail(ctx context.Context, what string, id int64, q string, args ...any) error {
	res, err := t.tx.ExecContext(ctx, q, args...)
	return oneRow(res, err, what+" mail", id)
}

// cleanErrorText bounds an error kept in a row and makes it valid UTF-8, which PostgreSQL
// requires of TEXT while a relay's reply may quote any bytes.
func cleanErrorText(s string) string {
	if len(s) > maxErrorText {
		cut := maxErrorText
		for cut > 0 && !utf8.RuneStart(s[cut]) { // cut at a character, not inside one
			cut--
		}
		s = s[:cut]
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// NextMailDue returns when a mail is next due: the earliest pending next_at of a mail no
// earlier one waits before (a mail behind one waiting to be retried is not due, or the sender
// would wake for it in a loop), or the earliest lease of a mail being sent, after which it is
// due again if its sender has died. Each is one probe of the (state, next_at) index or of the
// few 'sending' rows, so an idle sender costs little. ORDER BY instead of MIN keeps the
// column's type, so SQLite returns a time.
func (t *Tx) NextMailDue(ctx context.Context) (time.Time, bool, error) {
	var next time.Time
	found := false
	for _, q := range []string{
		`SELECT next_at FROM outbox WHERE state = 'pending' AND ` + mailInOrder + ` ORDER BY next_at LIMIT 1`,
		`SELECT lease_until FROM outbox WHERE state = 'sending' ORDER BY lease_until LIMIT 1`,
	} {
		var at time.Time
		err := t.tx.QueryRowContext(ctx, q).Scan(&at)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return time.Time{}, false, fmt.Errorf("next mail due: %w", err)
		}
		if !found || at.Before(next) {
			next, found = at.UTC(), true
		}
	}
	return next, found, nil
}

// CountRecentAutomatic counts automatic mails queued to the address (ignoring case) since the
// given time, whatever became of them, so auto-replies to one address can be rate-limited
// (two desks auto-answering each other would otherwise loop forever).
func (t *Tx) CountRecentAutomatic(ctx context.Context, to string, since time.Time) (int, error) {
	var n int
	// The expression matches the outbox_automatic index, so this is a range read of it.
	err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE automatic AND lower(to_addr) = lower($1) AND created_at >= $2`,
		to, dbTime(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count automatic mail to %s: %w", to, err)
	}
	return n, nil
}

// MailedCustomer reports whether the desk ever queued mail to the address on one of the
// customer's cases (a reply, an introduction, anything): whether it has written to them before.
// It reads the customer's cases and their outbox rows by index.
func (t *Tx) MailedCustomer(ctx context.Context, customerID int64, to string) (bool, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM cases c JOIN outbox o ON o.case_id = c.id
		WHERE c.customer_id = $1 AND lower(o.to_addr) = lower($2) LIMIT 1) AS x`, customerID, to).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("mail to customer %d at %s: %w", customerID, to, err)
	}
	return n > 0, nil
}

// Outbox lists a case's mails (case 0: mails of no case), oldest first, with their state,
// attempts and last error.
func (t *Tx) Outbox(ctx context.Context, caseID int64) ([]OutMail, error) {
	return t.outMails(ctx, fmt.Sprintf("outbox of case %d", caseID),
		`SELECT `+outboxColumns+` FROM outbox WHERE case_id = $1 ORDER BY id`, caseID)
}

// UnsentOutbox is a case's mails the relay has not taken yet, oldest first: what its page
// checks on every view, without the mails long sent.
func (t *Tx) UnsentOutbox(ctx context.Context, caseID int64) ([]OutMail, error) {
	return t.outMails(ctx, fmt.Sprintf("unsent outbox of case %d", caseID),
		`SELECT `+outboxColumns+` FROM outbox WHERE case_id = $1 AND state IN ($2, $3) ORDER BY id`, caseID, MailPending, MailSending)
}
