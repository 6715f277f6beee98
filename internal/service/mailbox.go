package service

import (
	"context"
	"errors"
	"time"

	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/store"
)

// The mail workers (internal/mailnet: the outbox sender, the IMAP poller) keep their state in
// the desk's database through these two small adapters, each call a short transaction of its
// own, so that the workers know nothing of the store.

// Outbox is the desk's outbox as the sender works it (mailnet.Outbox).
type Outbox struct {
	st   *store.Store
	svc  *Service // writes on the case what was not delivered (nil: only the outbox is written)
	node string   // the node whose sender claims mail (see store.Tx.ReleaseClaims)
}

// Outbox returns the outbox for the mail sender of node (a name no other running node has,
// such as its host and HTTP address).
func (s *Service) Outbox(node string) Outbox { return Outbox{st: s.store, svc: s, node: node} }

// NewOutbox returns the outbox of st (for a sender working without a Service, as in tests).
func NewOutbox(st *store.Store) Outbox { return Outbox{st: st} }

// ReleaseClaims hands back the mails this node left 'sending' when it last stopped (a crash),
// due at once; the sender calls it as it starts.
func (o Outbox) ReleaseClaims(ctx context.Context) (int, error) {
	var n int
	err := o.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.ReleaseClaims(ctx, o.node)
		return err
	})
	return n, err
}

// Claim takes due mail for sending (store.Tx.ClaimMail), committed before it is sent. The
// mails in sent, which the relay took since the last claim, are marked sent at now in the same
// commit: a sender under load asks the single writer once a batch, not twice.
func (o Outbox) Claim(ctx context.Context, sent []int64, now time.Time, lease time.Duration, limit int) ([]mail.Queued, error) {
	var claimed []store.OutMail
	err := o.st.Write(ctx, func(tx *store.Tx) error {
		if len(sent) > 0 {
			if err := tx.MailsSent(ctx, sent, now); err != nil {
				return err
			}
		}
		var err error
		claimed, err = tx.ClaimMail(ctx, o.node, now, lease, limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]mail.Queued, len(claimed))
	for i, m := range claimed {
		out[i] = mail.Queued{ID: m.ID, CaseID: m.CaseID, From: m.From, To: m.To, Also: m.Also, MessageID: m.MessageID, Raw: m.Raw,
			Attempts: m.Attempts, CreatedAt: m.CreatedAt}
	}
	return out, nil
}

// Sent records that the relay took the mails, in one transaction.
func (o Outbox) Sent(ctx context.Context, ids []int64, at time.Time) error {
	return o.st.Write(ctx, func(tx *store.Tx) error { return tx.MailsSent(ctx, ids, at) })
}

// Failed records a failed attempt (store.Tx.MailFailed). A mail that will not be sent again
// (refused, or given up) also says so on its case, in the same transaction, and tells the
// case's owner: a customer's mail is never lost with only a log line to show for it.
func (o Outbox) Failed(ctx context.Context, id int64, f mail.Failure) error {
	if !f.Final || o.svc == nil {
		return o.st.Write(ctx, func(tx *store.Tx) error { return tx.MailFailed(ctx, id, f.Reason, f.RetryAt, f.Final) })
	}
	return o.svc.undelivered(ctx, id, f)
}

// Release hands claimed mails back unsent, in one transaction; a mail no longer claimed (its
// lease ran out and another sender took it) is left alone.
func (o Outbox) Release(ctx context.Context, ids []int64) error {
	return o.st.Write(ctx, func(tx *store.Tx) error {
		for _, id := range ids {
			if err := tx.ReleaseMail(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return nil
	})
}

// NextDue is when the next mail falls due.
func (o Outbox) NextDue(ctx context.Context) (next time.Time, ok bool, err error) {
	err = o.st.Read(ctx, func(tx *store.Tx) error {
		next, ok, err = tx.NextMailDue(ctx)
		return err
	})
	return next, ok, err
}

// Checkpoints are where the IMAP pollers stand in their mailboxes (mailnet.Checkpoints).
type Checkpoints struct{ st *store.Store }

// Checkpoints returns the pollers' checkpoints.
func (s *Service) Checkpoints() Checkpoints { return Checkpoints{st: s.store} }

// TryHoldMailbox takes this node's hold on polling a mailbox (store.TryHoldMailbox): held is
// nil when another node polls it; held reports whether the hold still stands, release gives
// it up.
func (c Checkpoints) TryHoldMailbox(ctx context.Context, mailbox string) (held func(context.Context) bool, release func(), err error) {
	h, err := c.st.TryHoldMailbox(ctx, mailbox)
	if err != nil || h == nil {
		return nil, nil, err
	}
	return h.Held, h.Release, nil
}

// IMAPCheckpoint reads a mailbox's checkpoint.
func (c Checkpoints) IMAPCheckpoint(ctx context.Context, mailbox string) (validity, last uint32, found bool, err error) {
	err = c.st.Read(ctx, func(tx *store.Tx) error {
		validity, last, found, err = tx.IMAPCheckpoint(ctx, mailbox)
		return err
	})
	return validity, last, found, err
}

// SaveIMAPCheckpoint moves a mailbox's checkpoint past a stored message.
func (c Checkpoints) SaveIMAPCheckpoint(ctx context.Context, mailbox string, validity, last uint32, at time.Time) error {
	return c.st.Write(ctx, func(tx *store.Tx) error { return tx.SaveIMAPCheckpoint(ctx, mailbox, validity, last, at) })
}
