package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/store"
)

// What the outbox could not deliver: the case says so on its record, its owner is told, and
// the owner or an admin sends it again once the address or the relay is right.

// OutboxMail is a mail the desk queued on a case, as its owner sees it.
type OutboxMail struct {
	ID        int64      `json:"id"`
	To        string     `json:"to"`
	EntryID   int64      `json:"entry_id,omitempty"` // the entry it carried
	State     string     `json:"state"`              // pending, sending, sent or failed
	Attempts  int        `json:"attempts"`
	LastError string     `json:"last_error,omitempty"`
	QueuedAt  time.Time  `json:"queued_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
	// WaitingFor is the earlier mail of the case to the same address that this one waits
	// for (a case's mails reach each address in the order queued): one the relay has not
	// taken yet, perhaps being retried (its last_error says why). 0: waiting for none.
	WaitingFor int64 `json:"waiting_for,omitempty"`
}

func outboxMailView(m store.OutMail) OutboxMail {
	v := OutboxMail{ID: m.ID, To: m.To, EntryID: m.EntryID, State: m.State, Attempts: m.Attempts, LastError: m.LastError, QueuedAt: m.CreatedAt}
	if !m.SentAt.IsZero() {
		at := m.SentAt
		v.SentAt = &at
	}
	return v
}

// undelivered records a mail that will not be sent again (refused for good, or given up),
// and in the same transaction writes on its case that it was not delivered and tells the
// case's owner.
func (s *Service) undelivered(ctx context.Context, id int64, f mail.Failure) error {
	err := s.write(ctx, desk.SystemActor(), func(w *work) error {
		m, err := w.tx.OutMailByID(w.ctx, id)
		if err != nil {
			return err
		}
		if err := w.tx.MailFailed(w.ctx, id, f.Reason, f.RetryAt, true); err != nil {
			return err
		}
		if m.CaseID == 0 {
			// A sign-in or reset link: there is no case to say so on, so the admins are told.
			w.afterCommit(func() {
				s.log.Error("outbox: a mail of no case was not delivered", "mail", id, "to", m.To, "why", f.Reason)
			})
			return notifyAdmins(w, desk.Notification{Kind: string(desk.KindDeliveryFailed)}.Note(
				fmt.Sprintf("A mail of no case (a sign-in or password link) to %s was not delivered (%s).", m.To, f.Reason),
				"notif.detail.delivery_failed_nocase", desk.TextArg(m.To), desk.TextArg(f.Reason)))
		}
		c, err := w.loadCase(m.CaseID)
		if err != nil {
			return err
		}
		d := desk.DeliveryFailedData{OutboxID: id, To: m.To, EntryID: m.EntryID, Reason: f.Reason, Attempts: m.Attempts, GaveUp: f.GaveUp}
		if _, err := s.appendRecord(w, c, []desk.Draft{desk.DeliveryFailed(d)}); err != nil {
			return err
		}
		body := fmt.Sprintf("%s: the mail to %s was not delivered (%s). Send it again from the case once the address or the mail server is right, or reach the customer another way.",
			c.Ref(), m.To, f.Reason)
		n := desk.Notification{Kind: string(desk.KindDeliveryFailed)}.Note(body, "notif.detail.delivery_failed", desk.TextArg(c.Ref()), desk.TextArg(m.To), desk.TextArg(f.Reason))
		if err := notifyOwner(w, *c, n); err != nil {
			return err
		}
		w.afterCommit(func() {
			s.log.Error("outbox: mail not delivered; the case says so and its owner is told", "mail", id, "case", c.Ref(), "to", m.To,
				"attempts", m.Attempts, "gave_up", f.GaveUp, "why", f.Reason)
		})
		return nil
	})
	return wrap("record an undelivered mail", err)
}

// mayResendMail says whether the actor may send a case's undelivered mail again: its owner,
// the leads and managers who answer for cases, and admins (the pages show the button only
// to them).
func mayResendMail(actor desk.Actor, ownerID int64) bool {
	return actor.Kind == desk.ActorSystem || (actor.Kind == desk.ActorAgent && (actor.ID == ownerID ||
		actor.Role == desk.RoleAdmin || actor.Role == desk.RoleManager || actor.Role == desk.RoleLead))
}

// CaseOutbox lists the mails the desk queued on a case, oldest first, with what became of
// each, and which earlier mail a mail still waits for. Partners are not shown them (they hold
// the customer's address).
func (s *Service) CaseOutbox(ctx context.Context, actor desk.Actor, caseID int64) ([]OutboxMail, error) {
	out, err := readTxAs(s, ctx, actor, ActCaseOutbox, func(tx *store.Tx) ([]OutboxMail, error) {
		c, err := tx.Case(ctx, caseID)
		if store.IsNotFound(err) || (err == nil && !desk.CanSeeCase(actor, c)) {
			return nil, desk.NotFound("case", caseID)
		} else if err != nil {
			return nil, err
		}
		mails, err := tx.Outbox(ctx, caseID)
		return outboxViews(mails), err
	})
	return out, wrap("read a case's outbox", err)
}

// outboxViews are a case's mails, oldest first, each with the earlier mail it waits for.
func outboxViews(mails []store.OutMail) []OutboxMail {
	out := make([]OutboxMail, len(mails))
	unsent := map[string]int64{} // by address, the first mail the relay has not taken
	for i, m := range mails {
		out[i] = outboxMailView(m)
		if !out[i].Unsent() {
			continue
		}
		to := strings.ToLower(m.To)
		if first, ok := unsent[to]; ok {
			out[i].WaitingFor = first
		} else {
			unsent[to] = m.ID
		}
	}
	return out
}

// Unsent says whether the relay has not taken the mail yet.
func (m OutboxMail) Unsent() bool {
	return m.State == store.MailPending || m.State == store.MailSending
}

// heldUp are the case's mails the relay has not taken and that are late: put off by the mail
// server (tried, with its answer), or waiting behind a mail that was. A mail on its way, not
// tried yet, is not late. Only unsent mails wait for one another, so the sent are not read.
func heldUp(w *work, caseID int64) ([]OutboxMail, error) {
	mails, err := w.tx.UnsentOutbox(w.ctx, caseID)
	if err != nil {
		return nil, err
	}
	all := outboxViews(mails)
	late := map[int64]bool{}
	var out []OutboxMail
	for _, m := range all {
		if m.Unsent() && (m.LastError != "" || late[m.WaitingFor]) {
			late[m.ID] = true
			out = append(out, m)
		}
	}
	return out, nil
}

// ResendMail sends a case's undelivered mail again, due at once, and writes on the case who
// asked for it. A mail that was not refused or given up is not sent twice (409 not_failed).
func (s *Service) ResendMail(ctx context.Context, actor desk.Actor, caseID, mailID int64) (OutboxMail, error) {
	var out OutboxMail
	err := s.onCase(ctx, actor, caseID, ActMailResend, func(w *work, c *desk.Case) error {
		m, err := w.tx.OutMailByID(w.ctx, mailID)
		if store.IsNotFound(err) || (err == nil && m.CaseID != caseID) {
			return desk.NotFound("mail", mailID)
		} else if err != nil {
			return err
		}
		if m.State != store.MailFailed {
			return desk.Conflict("not_failed", fmt.Sprintf("the mail to %s is %s: only a mail that was not delivered is sent again", m.To, m.State),
				map[string]any{"state": m.State})
		}
		if err := w.tx.RequeueMail(w.ctx, mailID, w.now); err != nil {
			return err
		}
		note := desk.Draft{Kind: desk.KindNote, Actor: actor, Internal: true,
			Body: fmt.Sprintf("Sent again: the mail to %s that was not delivered (%s).", m.To, m.LastError)}
		if _, err := s.appendRecord(w, c, []desk.Draft{note}); err != nil {
			return err
		}
		w.changed(Event{Mail: true})
		m.State, m.Attempts, m.LastError, m.CreatedAt = store.MailPending, 0, "", w.now
		out = outboxMailView(m)
		return nil
	})
	return out, wrap("send a mail again", err)
}

// OutboxCounts counts the outbox's mails waiting, on the wire and failed (for /metrics).
func (s *Service) OutboxCounts(ctx context.Context) (map[string]int, error) {
	var out map[string]int
	err := s.readTx(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.OutboxCounts(ctx)
		return err
	})
	return out, err
}

// Ready says whether the desk can work: its database answers and takes a write (a row of
// node's own). A full disk or a read-only database is not ready, though the process lives.
func (s *Service) Ready(ctx context.Context, node string) error {
	return s.writeTx(ctx, func(tx *store.Tx) error { return tx.ProbeWrite(ctx, node, s.now()) })
}
