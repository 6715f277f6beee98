package mailnet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/jobs"
	"github.com/keptdesk/kept/internal/mail"
)

// The outbox sender. Commands queue mail in their own transaction; the Sender claims due mail
// (Outbox.Claim, a short transaction), sends it with no transaction open (SQLite has
// one writer, which must never wait on a relay), and records each outcome in another short
// transaction.
//
// Delivery is at least once, not exactly once: SMTP has no way to ask "did you get it?", so a
// mail the relay accepted but that is not yet marked sent when the process dies (or loses the
// database) stays 'sending' and is sent again once its lease runs out. Its Message-ID is the
// same, so receivers that drop duplicates by Message-ID see it once.

const (
	outboxBatch = 20 // mails claimed per transaction, at first
	// outboxBatchMax is the most claimed at once: while batches come full the next claims
	// twice as many, so a backlog costs the single writer fewer claims.
	outboxBatchMax = 160
	// outboxSessions is how many batches a sender sends at once, each on its own relay session,
	// when more than one batch is due; as many sessions are kept open between batches.
	outboxSessions = 3
	// outboxIdle is how long a kept session may sit unused before the sender closes it (relays
	// close idle sessions after a few minutes; RFC 5321 asks them to wait at least 5).
	outboxIdle   = 30 * time.Second
	outboxLease  = 2 * time.Minute // how long a claim keeps other senders off
	outboxGiveUp = 48 * time.Hour  // temporary failures for this long make a mail failed
	// outboxRecordTimeout bounds recording an outcome, which runs even when the sender is
	// stopping: a mail the relay has taken must be marked sent if at all possible.
	outboxRecordTimeout = 10 * time.Second
)

// retryDelay is the wait after the attempts-th failed attempt: quick at first, for a relay
// that restarts, then hourly.
func retryDelay(attempts int) time.Duration {
	switch {
	case attempts <= 1:
		return 30 * time.Second
	case attempts == 2:
		return time.Minute
	case attempts == 3:
		return 2 * time.Minute
	case attempts == 4:
		return 5 * time.Minute
	case attempts == 5:
		return 10 * time.Minute
	case attempts == 6:
		return 30 * time.Minute
	default:
		return time.Hour
	}
}

// Outbox is the desk's durable queue of mail to send, as the sender needs it. Each call is a
// short transaction of its own; none is held open while a relay is talked to.
type Outbox interface {
	// Claim takes up to limit mails due at now for lease (no other sender takes them until it
	// runs out), counting an attempt on each. The mails in sent (claimed before, and taken by
	// the relay since) are marked sent at now in the same commit.
	Claim(ctx context.Context, sent []int64, now time.Time, lease time.Duration, limit int) ([]mail.Queued, error)
	// Sent records that the relay accepted a claimed mail.
	Sent(ctx context.Context, ids []int64, at time.Time) error
	// Failed records a failed attempt: the mail is due again at f.RetryAt, or never (f.Final).
	Failed(ctx context.Context, id int64, f mail.Failure) error
	// ReleaseClaims hands back, due at once, what this node's sender had claimed and not
	// recorded when it last stopped; the sender calls it as it starts.
	ReleaseClaims(ctx context.Context) (int, error)
	// Release hands claimed, unsent mails back, due at once (mails no longer claimed are skipped).
	Release(ctx context.Context, ids []int64) error
	// NextDue is when the next mail falls due, if any.
	NextDue(ctx context.Context) (time.Time, bool, error)
}

// Sender sends the outbox's mail through a relay. Several senders, one per node, may share a
// database: claims keep them off each other's mail.
type Sender struct {
	box   Outbox
	relay Relay
	clk   clock.Clock
	log   *slog.Logger
	loop  *jobs.Loop
	pool  *sessionPool
}

// NewSender returns a sender of box's mail through relay.
func NewSender(box Outbox, relay Relay, clk clock.Clock, log *slog.Logger) *Sender {
	s := &Sender{box: box, relay: relay, clk: clk, log: log, loop: jobs.NewLoop(), pool: &sessionPool{}}
	s.loop.Name, s.loop.Clock, s.loop.Log, s.loop.Due, s.loop.Next = "outbox", clk, log, s.RunDue, s.nextDue
	return s
}

// LastRound is when the sender last began a round (see jobs.Loop.LastRound).
func (s *Sender) LastRound() time.Time { return s.loop.LastRound() }

// Wake tells the sender mail may be due now (call it after a commit that queued mail). It
// never blocks.
func (s *Sender) Wake() { s.loop.Wake() }

// Run sends mail until ctx ends, sleeping until the next mail is due, at most a second (mail
// queued by other nodes comes without a Wake here), or until Wake. It first takes back what
// this node was sending when it last stopped, so a crash delays nothing but the mail on the
// wire, which is sent again.
func (s *Sender) Run(ctx context.Context) error {
	n, err := s.box.ReleaseClaims(ctx)
	if err != nil {
		return fmt.Errorf("outbox: take back this node's claims: %w", err)
	}
	if n > 0 {
		s.log.Warn("outbox: mails this node was sending when it stopped are sent again (at least once)", "mails", n)
	}
	defer s.pool.closeAll()
	return s.loop.Run(ctx)
}

// nextDue is asked as the loop goes to sleep (at least once a second): sessions kept longer
// than outboxIdle without a mail are closed then.
func (s *Sender) nextDue(ctx context.Context) (time.Time, bool, error) {
	s.pool.closeIdle(time.Now().Add(-outboxIdle)) // the wire's time, not the desk's clock
	return s.box.NextDue(ctx)
}

// RunDue sends every mail due at the clock's now and returns how many the relay accepted. It
// claims 20 mails, and while batches come full twice as many each time (up to 160); a full
// batch also starts another worker, up to outboxSessions batches at once, each over its own
// relay session. The mails the relay took are marked sent in the commit of the worker's next
// claim (or on their own when no more is due): one write a batch, not two. Failures are recorded
// on the mails (retried with back-off, or failed), not returned; the error is a database error,
// or ctx ending.
func (s *Sender) RunDue(ctx context.Context) (int, error) {
	var (
		mu      sync.Mutex
		total   int
		errs    []error
		running = 1
		wg      sync.WaitGroup
	)
	var work func()
	work = func() {
		defer wg.Done()
		limit := outboxBatch
		var unmarked []mail.Queued // taken by the relay, to be marked sent with the next claim
		fail := func(err error) {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
		for {
			now := s.clk.Now()
			if ctx.Err() != nil {
				err := s.sent(ctx, unmarked)
				if err == nil {
					mu.Lock()
					total += len(unmarked)
					mu.Unlock()
				}
				fail(errors.Join(ctx.Err(), err))
				return
			}
			batch, err := s.box.Claim(ctx, mailIDs(unmarked), now, outboxLease, limit)
			if err != nil && ctx.Err() != nil {
				// Stopped while claiming: the claim did not commit, nor the marks it carried.
				// The stop above marks them on their own, so the mails the relay took are not
				// sent again when their lease runs out (a second copy to each customer).
				continue
			}
			s.logSent(unmarked, err)
			if err != nil {
				fail(fmt.Errorf("claim due mail (marking %d sent): %w", len(unmarked), err))
				return
			}
			mu.Lock()
			total += len(unmarked)
			full := len(batch) == limit
			if full && running < outboxSessions && len(errs) == 0 {
				// More may be due: another batch on another session meanwhile. Only then, so a
				// quiet outbox costs one claim a round, not one a session.
				running++
				wg.Add(1)
				go work()
			}
			mu.Unlock()
			unmarked = nil
			taken, marked, err := s.sendBatch(ctx, batch, now.Add(outboxLease))
			mu.Lock()
			total += marked
			stop := len(errs) > 0
			mu.Unlock()
			if err != nil {
				fail(err)
				return
			}
			if !full || stop {
				err := s.sent(ctx, taken)
				mu.Lock()
				if err == nil {
					total += len(taken)
				}
				mu.Unlock()
				if err != nil {
					fail(err)
				}
				return
			}
			unmarked = taken
			limit = min(2*limit, outboxBatchMax)
		}
	}
	wg.Add(1)
	work()
	wg.Wait()
	return total, errors.Join(errs...)
}

// sendBatch sends claimed mails one after another over one relay session (a kept one, or a new
// one after a session breaks). A refusal or failure is committed as soon as it is known. The
// mails the relay took come back unmarked, for the caller to mark sent in one commit; a crash
// before that sends them again when their lease ends (at least once, never lost). When it stops
// early (ctx ends, or the lease runs short), it marks them itself and says how many.
func (s *Sender) sendBatch(ctx context.Context, batch []mail.Queued, leaseEnd time.Time) (taken []mail.Queued, marked int, err error) {
	if len(batch) == 0 {
		return nil, 0, nil // and the kept sessions stay idle, to be closed in time
	}
	session := s.relay.sessionTimeout
	if session <= 0 {
		session = relaySessionTimeout
	}
	// The session ends with the lease (measured on the desk's clock, run on the real one), so
	// no mail is still on the wire when another sender may claim it.
	sctx, cancel := context.WithTimeout(ctx, max(leaseEnd.Sub(s.clk.Now()), time.Second))
	defer cancel()
	conn := s.pool.take(sctx)
	defer func() { s.pool.put(conn) }()
	var accepted []mail.Queued
	for i, m := range batch {
		// A mail started now could outlast the lease, and another node would then send it
		// again; hand the rest back instead (the first always goes, so a batch progresses).
		if ctx.Err() != nil || (i > 0 && s.clk.Now().Add(session).After(leaseEnd)) {
			if err := s.sent(ctx, accepted); err != nil {
				return nil, 0, err
			}
			if err := s.release(ctx, batch[i:]); err != nil {
				return nil, len(accepted), err
			}
			return nil, len(accepted), ctx.Err()
		}
		sendErr := s.relay.sendOn(sctx, &conn, m.From, append([]string{m.To}, m.Also...), m.Raw)
		if sendErr != nil && ctx.Err() != nil {
			// Stopping mid-session: the relay may or may not have the mail, so it keeps its
			// lease and is sent again when that runs out, like a crashed sender's.
			if err := s.sent(ctx, accepted); err != nil {
				return nil, 0, err
			}
			if err := s.release(ctx, batch[i+1:]); err != nil {
				return nil, len(accepted), err
			}
			return nil, len(accepted), ctx.Err()
		}
		if sendErr == nil {
			accepted = append(accepted, m)
			continue
		}
		if err := s.record(ctx, m, sendErr); err != nil {
			return nil, 0, errors.Join(err, s.sent(ctx, accepted))
		}
	}
	return accepted, 0, nil
}

// sent marks the mails the relay took as sent, in one commit, and logs each.
func (s *Sender) sent(ctx context.Context, mails []mail.Queued) error {
	if len(mails) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), outboxRecordTimeout)
	defer cancel()
	err := s.box.Sent(ctx, mailIDs(mails), s.clk.Now())
	s.logSent(mails, err)
	if err != nil {
		return fmt.Errorf("record %d mails sent: %w", len(mails), err)
	}
	return nil
}

// logSent logs each mail the relay took, marked sent unless err.
func (s *Sender) logSent(mails []mail.Queued, err error) {
	for _, m := range mails {
		attrs := []any{"mail", m.ID, "case", m.CaseID, "to", m.To, "message_id", m.MessageID, "attempts", m.Attempts}
		if err != nil {
			s.log.Error("outbox: mail accepted by the relay but not marked sent; it will be sent again when its lease ends",
				append(attrs, "err", err)...)
			continue
		}
		s.log.Info("outbox: mail sent", attrs...)
	}
}

// record stores a failed attempt and logs it.
func (s *Sender) record(ctx context.Context, m mail.Queued, sendErr error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), outboxRecordTimeout)
	defer cancel()
	now := s.clk.Now()
	giveUp := m.CreatedAt.Add(outboxGiveUp)
	permanent := IsPermanent(sendErr)
	expired := !permanent && !now.Before(giveUp)
	retryAt := now.Add(retryDelay(m.Attempts))
	if retryAt.After(giveUp) {
		retryAt = giveUp
	}
	err := s.box.Failed(ctx, m.ID, mail.Failure{Reason: sendErr.Error(), RetryAt: retryAt, Final: permanent || expired, GaveUp: expired})
	attrs := []any{"mail", m.ID, "case", m.CaseID, "to", m.To, "message_id", m.MessageID, "attempts", m.Attempts}
	if err != nil {
		return fmt.Errorf("record outcome of mail %d: %w", m.ID, err)
	}
	switch {
	case permanent:
		s.log.Error("outbox: mail refused by the relay; not retried", append(attrs, "err", sendErr)...)
	case expired:
		s.log.Error("outbox: mail given up after 48 h of failed attempts", append(attrs, "err", sendErr)...)
	default:
		s.log.Warn("outbox: mail not sent; will retry", append(attrs, "retry_at", retryAt, "err", sendErr)...)
	}
	return nil
}

// release hands claimed, unsent mails back, due at once, even when ctx has ended.
func (s *Sender) release(ctx context.Context, mails []mail.Queued) error {
	if len(mails) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), outboxRecordTimeout)
	defer cancel()
	if err := s.box.Release(ctx, mailIDs(mails)); err != nil {
		return fmt.Errorf("release unsent mail: %w", err)
	}
	return nil
}

func mailIDs(mails []mail.Queued) []int64 {
	ids := make([]int64, len(mails))
	for i, m := range mails {
		ids[i] = m.ID
	}
	return ids
}

// sessionPool keeps relay sessions open between batches, at most outboxSessions.
type sessionPool struct {
	mu   sync.Mutex
	idle []*outSession
}

// take is a kept session bound to ctx (see outSession.bind), or nil when none is kept.
func (p *sessionPool) take(ctx context.Context) *outSession {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.idle)
	if n == 0 {
		return nil
	}
	s := p.idle[n-1]
	p.idle = p.idle[:n-1]
	s.reused = true
	s.bind(ctx)
	return s
}

// put keeps s for the next batch, unless its context closed it or enough are kept already.
func (p *sessionPool) put(s *outSession) {
	if s == nil {
		return
	}
	if !s.stop() { // its batch's context ended and closed the connection
		s.close()
		return
	}
	s.stop = func() bool { return true }
	s.idleSince = time.Now()
	p.mu.Lock()
	if len(p.idle) < outboxSessions {
		p.idle = append(p.idle, s)
		s = nil
	}
	p.mu.Unlock()
	s.close()
}

// closeAll closes every kept session.
func (p *sessionPool) closeAll() { p.closeIdle(time.Now().Add(time.Hour)) }

// closeIdle closes the kept sessions unused since before.
func (p *sessionPool) closeIdle(before time.Time) {
	p.mu.Lock()
	var old []*outSession
	kept := p.idle[:0]
	for _, s := range p.idle {
		if s.idleSince.Before(before) {
			old = append(old, s)
		} else {
			kept = append(kept, s)
		}
	}
	p.idle = kept
	p.mu.Unlock()
	for _, s := range old {
		s.close() // QUIT on the wire: outside the lock
	}
}
