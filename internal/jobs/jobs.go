// Package jobs runs durable timers: a promise's reminders and its break, an absence's start
// and end, a response target. A timer is stored (store.Tx.AddTimer) in the transaction of the
// command that causes it, and runs here in a transaction that also deletes it, so it fires
// exactly once, after restarts and across nodes sharing one PostgreSQL.
//
// Timers run in batches of up to 100 per transaction: one disk sync for a hundred timers
// instead of one each. Consecutive claimed timers of one kind are taken in one statement and
// handed to the kind's handler together, so that it reads and writes their rows set-wise
// (promise breaks fall due by the thousand a minute at a large desk). A failing handler undoes
// only its own timer's writes: the batch first runs without savepoints (they cost a tenth of a
// break's statements, and handlers rarely fail), and when a handler fails it rolls back and
// runs again with each timer alone in a savepoint, the failed one recorded as failed without
// being called again when it was alone, and found out by running each otherwise.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime/debug"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/store"
)

// Handler runs due timers of one kind inside the transaction that will also delete them: a run
// of them at once, or one alone. Their rows are already gone when it runs, so scheduling the
// same key again makes a new timer. It returns what to do once the transaction has committed
// (report what changed, log), or nil; that is dropped when the transaction does not commit.
type Handler func(ctx context.Context, tx *store.Tx, timers []store.Timer, now time.Time) (committed func(), err error)

const (
	batchSize   = 100
	maxAttempts = 10        // a timer that fails this often is parked as failed
	maxBackoff  = time.Hour // the longest wait between attempts
)

// Transactions is where a runner runs its batches: a store, or a transaction that seeding holds
// for thousands of commands (see service.Batch).
type Transactions interface {
	Write(ctx context.Context, fn func(tx *store.Tx) error) error
	Read(ctx context.Context, fn func(tx *store.Tx) error) error
}

// Runner fires due timers.
type Runner struct {
	st       Transactions
	clk      clock.Clock
	log      *slog.Logger
	handlers map[string]Handler
	loop     *Loop
	// Hold, when set and true, keeps every timer from firing (the service holds them while the
	// wall clock is not to be trusted).
	Hold func() bool
}

// NewRunner returns a runner calling handlers by timer kind.
func NewRunner(st Transactions, clk clock.Clock, log *slog.Logger, handlers map[string]Handler) *Runner {
	r := &Runner{
		st:       st,
		clk:      clk,
		log:      log,
		handlers: maps.Clone(handlers), // the caller's map may change; the runner's does not
	}
	r.loop = NewLoop()
	r.loop.Name, r.loop.Clock, r.loop.Log, r.loop.Due, r.loop.Next = "timers", clk, log, r.RunDue, r.NextDue
	return r
}

// LastRound is when the runner last began a round (see Loop.LastRound).
func (r *Runner) LastRound() time.Time { return r.loop.LastRound() }

// RunDue runs every timer due by the clock's now, in batches of up to 100 per transaction, and
// returns how many fired. A failing handler's timer is retried with back-off (attempts² seconds,
// at most an hour) and marked failed after 10 attempts; a timer whose kind has no handler is
// marked failed at once. Only database errors are returned.
func (r *Runner) RunDue(ctx context.Context) (int, error) {
	if r.Hold != nil && r.Hold() {
		return 0, nil
	}
	total := 0
	for {
		// Each batch reads the clock anew: what its handlers write (a promise broken "at") is
		// quoted from the record, so it must say when the batch ran, not when a long pass began.
		fired, claimed, err := r.runBatch(ctx, r.clk.Now())
		if err != nil {
			return total, err
		}
		total += fired
		if claimed < batchSize {
			return total, nil
		}
	}
}

// runBatch claims up to batchSize due timers and runs them in one transaction: first without
// savepoints, and when a handler fails, once more with them (see the package comment).
func (r *Runner) runBatch(ctx context.Context, now time.Time) (fired, claimed int, err error) {
	fired, claimed, err = r.tryBatch(ctx, now, nil)
	var hf handlerFailed
	if errors.As(err, &hf) {
		if hf.id == 0 {
			r.log.Warn("a batch of timers failed together; running each on its own", "err", hf.err)
		}
		fired, claimed, err = r.tryBatch(ctx, now, &hf)
	}
	return fired, claimed, err
}

// handlerFailed ends a batch run without savepoints: a handler failed, and only a savepoint
// could have undone its writes alone. id is 0 when the handler had several timers: which of
// them failed is found when each runs again on its own.
type handlerFailed struct {
	id  int64
	err error
}

func (e handlerFailed) Error() string { return fmt.Sprintf("timer %d: %v", e.id, e.err) }

// tryBatch claims up to batchSize due timers and runs them in one transaction. Without failed
// it hands each run of one kind to its handler at once and stops at the first that fails
// (handlerFailed); with it, each timer runs alone in a savepoint and the failed one is recorded
// without being called again.
func (r *Runner) tryBatch(ctx context.Context, now time.Time, failed *handlerFailed) (fired, claimed int, err error) {
	var committed []func()
	err = r.st.Write(ctx, func(tx *store.Tx) error {
		fired, committed = 0, committed[:0]
		timers, err := tx.ClaimDueTimers(ctx, now, batchSize)
		if err != nil {
			return err
		}
		claimed = len(timers)
		for i := 0; i < len(timers); {
			tm := timers[i]
			h, known := r.handlers[tm.Kind]
			if !known {
				if err := r.noHandler(ctx, tx, tm); err != nil {
					return err
				}
				i++
				continue
			}
			if failed == nil {
				// The run of this kind's timers, taken and handled together.
				j := i + 1
				for j < len(timers) && timers[j].Kind == tm.Kind {
					j++
				}
				n, done, err := r.fireDirect(ctx, tx, timers[i:j], i == 0, h, now)
				if err != nil {
					return err
				}
				fired += n
				if done != nil {
					committed = append(committed, done)
				}
				i = j
				continue
			}
			if failed.id == tm.ID {
				h = func(context.Context, *store.Tx, []store.Timer, time.Time) (func(), error) { return nil, failed.err }
			}
			ok, done, err := r.fire(ctx, tx, tm, h, now)
			if err != nil {
				return err
			}
			if ok {
				fired++
				if done != nil {
					committed = append(committed, done)
				}
			}
			i++
		}
		return nil
	})
	var hf handlerFailed
	if errors.As(err, &hf) {
		return 0, 0, hf
	}
	if err != nil {
		return 0, 0, fmt.Errorf("run due timers: %w", err)
	}
	for _, fn := range committed {
		fn()
	}
	return fired, claimed, nil
}

// noHandler marks a timer whose kind has no handler as failed.
func (r *Runner) noHandler(ctx context.Context, tx *store.Tx, claimed store.Timer) error {
	msg := fmt.Sprintf("no handler for timer kind %q", claimed.Kind)
	err := tx.RetryTimer(ctx, claimed.ID, claimed.DueAt, msg, true)
	if store.IsNotFound(err) {
		return nil // an earlier handler in this batch removed it
	}
	if err != nil {
		return err
	}
	r.log.Error("timer marked failed: no handler for its kind", "timer", claimed.ID, "kind", claimed.Kind,
		"case", claimed.CaseID, "ref", claimed.RefID)
	return nil
}

// fireDirect takes claimed timers of one kind in one statement and runs them together through
// the kind's handler, without a savepoint, and says how many fired; a failing handler ends the
// batch with handlerFailed, so that the batch runs again with savepoints.
func (r *Runner) fireDirect(ctx context.Context, tx *store.Tx, claimed []store.Timer, first bool, h Handler, now time.Time) (int, func(), error) {
	ids := make([]int64, len(claimed))
	for i, tm := range claimed {
		ids[i] = tm.ID
	}
	taken := claimed[:len(claimed):len(claimed)] // a handler appending to it must not write over the next run
	if first {
		// Nothing has run since the claim: the timers are as it read them.
		if err := tx.DropTimers(ctx, ids); err != nil {
			return 0, nil, err
		}
	} else {
		var err error
		if taken, err = tx.TakeTimers(ctx, ids, now); err != nil || len(taken) == 0 {
			return 0, nil, err // none taken: cancelled or moved by an earlier handler in this batch
		}
	}
	done, herr := call(ctx, h, tx, taken, now)
	if herr != nil {
		if ctx.Err() != nil {
			return 0, nil, ctx.Err() // stopping is not the timers' fault: roll back, no attempt counted
		}
		hf := handlerFailed{err: herr}
		if len(taken) == 1 {
			hf.id = taken[0].ID
		}
		return 0, nil, hf
	}
	return len(taken), done, nil
}

// fire runs one claimed timer alone in a savepoint and says whether its handler succeeded. An
// error means the transaction is unusable; a handler's failure is recorded on the timer instead.
func (r *Runner) fire(ctx context.Context, tx *store.Tx, claimed store.Timer, h Handler, now time.Time) (bool, func(), error) {
	var tm store.Timer
	var taken bool
	var done func()
	herr, txErr := tx.Savepoint(ctx, func() error {
		var err error
		// Deleted before the handler runs, so a handler that schedules the same key again
		// creates a new timer instead of moving the one about to be deleted.
		if tm, taken, err = tx.TakeTimer(ctx, claimed.ID, now); err != nil || !taken {
			return err
		}
		done, err = call(ctx, h, tx, []store.Timer{tm}, now)
		return err
	})
	switch {
	case txErr != nil:
		return false, nil, txErr
	case herr == nil:
		return taken, done, nil // not taken: cancelled or moved by an earlier handler in this batch
	case !taken:
		return false, nil, herr // taking it failed: a database error, not the handler's
	case ctx.Err() != nil:
		return false, nil, ctx.Err() // stopping is not the timer's fault: roll back, no attempt counted
	}
	attempts := tm.Attempts + 1
	if attempts >= maxAttempts {
		if err := tx.RetryTimer(ctx, tm.ID, tm.DueAt, herr.Error(), true); err != nil {
			return false, nil, err
		}
		r.log.Error("timer marked failed after its last attempt", "timer", tm.ID, "kind", tm.Kind, "case", tm.CaseID,
			"ref", tm.RefID, "attempts", attempts, "err", herr)
		return false, nil, nil
	}
	at := now.Add(backoff(attempts))
	if err := tx.RetryTimer(ctx, tm.ID, at, herr.Error(), false); err != nil {
		return false, nil, err
	}
	r.log.Error("timer failed; will retry", "timer", tm.ID, "kind", tm.Kind, "case", tm.CaseID, "ref", tm.RefID,
		"attempts", attempts, "retry_at", at, "err", herr)
	return false, nil, nil
}

// call runs a handler, turning a panic into an error so one bad timer is retried and then
// parked instead of stopping the server.
func call(ctx context.Context, h Handler, tx *store.Tx, timers []store.Timer, now time.Time) (done func(), err error) {
	defer func() {
		if p := recover(); p != nil {
			done, err = nil, fmt.Errorf("handler panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return h(ctx, tx, timers, now)
}

// backoff is the wait before the next attempt of a timer that has failed attempts times:
// attempts² seconds, at most an hour.
func backoff(attempts int) time.Duration {
	if attempts >= 60 { // 60² s is already the cap; larger would only overflow
		return maxBackoff
	}
	return min(time.Duration(attempts*attempts)*time.Second, maxBackoff)
}

// Wake tells the runner a timer may now be due earlier than it planned (call it after a commit
// that added timers). It never blocks.
func (r *Runner) Wake() { r.loop.Wake() }

// Run fires timers until ctx ends, sleeping until the next is due, at most a second (so timers
// added by other nodes are seen within one), or until Wake.
func (r *Runner) Run(ctx context.Context) error { return r.loop.Run(ctx) }

// NextDue is when the next pending timer falls due (ok false when none is pending).
func (r *Runner) NextDue(ctx context.Context) (next time.Time, ok bool, err error) {
	err = r.st.Read(ctx, func(tx *store.Tx) error {
		next, ok, err = tx.NextTimerDue(ctx)
		return err
	})
	return next, ok, err
}
