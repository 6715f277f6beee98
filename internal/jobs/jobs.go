// Package jobs runs durable timers: a promise's reminders and its break, an absence's start
// and end, a response target. A timer is stored (store.Tx.AddTimer) in the transaction of the
// command that causes it, and runs here in a transaction that also deletes it, so it fires
// exactly once, after restarts and across nodes sharing one PostgreSQL.
//
// Timers run in batches of up to 100 per transaction: one disk sync for a hundred timers
// instead of one each. A failing handler undoes only its own timer's writes: the batch first
// runs without savepoints (they cost a tenth of a break's statements, and handlers rarely
// fail), and when a handler fails it rolls back and runs again with each timer in a savepoint,
// the failed one recorded as failed without being called again.
//
// A kind that falls due by the thousand (promise breaks) may also have a BatchHandler: in the
// run without savepoints, consecutive claimed timers of that kind are taken in one statement
// and handed to it together, so that it reads and writes their rows set-wise. The run with
// savepoints calls each timer's Handler, so a failure still undoes only its own timer.
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

// Handler runs one due timer inside the transaction that will also delete it. The timer's row
// is already gone when it runs, so scheduling the same key again makes a new timer.
type Handler func(ctx context.Context, tx *store.Tx, t store.Timer, now time.Time) error

// BatchHandler runs several due timers of one kind at once, inside the transaction that also
// deletes them; all are taken (deleted) before it runs. It must do for each timer what the
// kind's Handler does, and it must not cancel or move timers of its own kind (they are taken
// already). When it fails, the batch runs again with savepoints, each timer through the kind's
// Handler: a failure still undoes only its own timer, though it is not known in advance which.
type BatchHandler func(ctx context.Context, tx *store.Tx, timers []store.Timer, now time.Time) error

// Option adjusts a Runner.
type Option func(*Runner)

// WithBatches gives kinds a BatchHandler each, besides their Handler.
func WithBatches(batches map[string]BatchHandler) Option {
	return func(r *Runner) { r.batches = maps.Clone(batches) }
}

const (
	batchSize   = 100
	maxAttempts = 10        // a timer that fails this often is parked as failed
	maxBackoff  = time.Hour // the longest wait between attempts
)

// afterCommit collects what handlers of one batch want done once the batch has committed.
type afterCommit struct{ fns []func() }

type afterCommitKey struct{}

// AfterCommit asks for fn to run once the transaction of the timer whose handler got ctx has
// committed: how a handler reports what it changed (to metrics, to the mail sender) without
// reporting changes that roll back. fn is dropped when the handler fails or the transaction
// does not commit, and when ctx is not a handler's.
func AfterCommit(ctx context.Context, fn func()) {
	if ac, ok := ctx.Value(afterCommitKey{}).(*afterCommit); ok {
		ac.fns = append(ac.fns, fn)
	}
}

// batchKey carries a batch's shared lookups (see BatchMemo).
type batchKey struct{}

// BatchMemo is scratch space the handlers of one batch share: rows they read and none of them
// writes (agents), looked up once for the batch instead of once per timer. Unlike the
// transaction's memo it outlives each timer, and a failing handler's savepoint does not undo
// it: keep nothing a handler changes. It is nil when ctx is not a handler's.
func BatchMemo(ctx context.Context) map[any]any {
	m, _ := ctx.Value(batchKey{}).(map[any]any)
	return m
}

// Runner fires due timers.
type Runner struct {
	st       *store.Store
	clk      clock.Clock
	log      *slog.Logger
	handlers map[string]Handler
	batches  map[string]BatchHandler
	loop     *Loop
}

// NewRunner returns a runner calling handlers by timer kind.
func NewRunner(st *store.Store, clk clock.Clock, log *slog.Logger, handlers map[string]Handler, opts ...Option) *Runner {
	r := &Runner{
		st:       st,
		clk:      clk,
		log:      log,
		handlers: maps.Clone(handlers), // the caller's map may change; the runner's does not
	}
	for _, o := range opts {
		o(r)
	}
	r.loop = NewLoop()
	r.loop.Name, r.loop.Clock, r.loop.Log, r.loop.Due, r.loop.Next = "timers", clk, log, r.RunDue, r.nextDue
	return r
}

// RunDue runs every timer due by the clock's now, in batches of up to 100 per transaction, and
// returns how many fired. A failing handler's timer is retried with back-off (attempts² seconds,
// at most an hour) and marked failed after 10 attempts; a timer whose kind has no handler is
// marked failed at once. Only database errors are returned.
func (r *Runner) RunDue(ctx context.Context) (int, error) {
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
// could have undone its writes alone. id is 0 when a BatchHandler failed: which of its timers
// failed is found when each runs again on its own.
type handlerFailed struct {
	id  int64
	err error
}

func (e handlerFailed) Error() string { return fmt.Sprintf("timer %d: %v", e.id, e.err) }

// tryBatch claims up to batchSize due timers and runs them in one transaction. Without failed
// it runs each handler directly and stops at the first that fails (handlerFailed); with it,
// each timer runs in a savepoint and the failed one is recorded without being called again.
func (r *Runner) tryBatch(ctx context.Context, now time.Time, failed *handlerFailed) (fired, claimed int, err error) {
	var committed []func()
	err = r.st.Write(ctx, func(tx *store.Tx) error {
		fired, committed = 0, committed[:0]
		timers, err := tx.ClaimDueTimers(ctx, now, batchSize)
		if err != nil {
			return err
		}
		claimed = len(timers)
		bctx := context.WithValue(ctx, batchKey{}, map[any]any{})
		for i := 0; i < len(timers); {
			tm := timers[i]
			ac := &afterCommit{}
			hctx := context.WithValue(bctx, afterCommitKey{}, ac)
			if bh, ok := r.batches[tm.Kind]; ok && failed == nil {
				// The run of this kind's timers, taken and handled together.
				j := i + 1
				for j < len(timers) && timers[j].Kind == tm.Kind {
					j++
				}
				n, err := r.fireMany(hctx, tx, timers[i:j], bh, now)
				if err != nil {
					return err
				}
				fired += n
				committed = append(committed, ac.fns...)
				i = j
				continue
			}
			var ok bool
			switch h, known := r.handlers[tm.Kind]; {
			case !known:
				err = r.noHandler(ctx, tx, tm)
			case failed == nil:
				ok, err = r.fireDirect(hctx, tx, tm, h, now)
			case failed.id == tm.ID:
				ok, err = r.fire(hctx, tx, tm, func(context.Context, *store.Tx, store.Timer, time.Time) error { return failed.err }, now)
			default:
				ok, err = r.fire(hctx, tx, tm, h, now)
			}
			if err != nil {
				return err
			}
			if ok {
				fired++
				committed = append(committed, ac.fns...)
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

// fireDirect runs one claimed timer without a savepoint and says whether it fired; a failing
// handler ends the batch with handlerFailed, so that the batch runs again with savepoints.
func (r *Runner) fireDirect(ctx context.Context, tx *store.Tx, claimed store.Timer, h Handler, now time.Time) (bool, error) {
	tm, taken, err := tx.TakeTimer(ctx, claimed.ID, now)
	if err != nil || !taken {
		return false, err // not taken: cancelled or moved by an earlier handler in this batch
	}
	tx.ResetMemo() // each timer is a command of its own
	defer tx.ResetMemo()
	if herr := call(ctx, h, tx, tm, now); herr != nil {
		if ctx.Err() != nil {
			return false, ctx.Err() // stopping is not the timer's fault: roll back, no attempt counted
		}
		return false, handlerFailed{id: tm.ID, err: herr}
	}
	return true, nil
}

// fireMany takes claimed timers of one kind in one statement and runs them together through
// the kind's BatchHandler, without a savepoint, and says how many fired; a failing handler ends
// the batch with handlerFailed, so that the batch runs again with savepoints.
func (r *Runner) fireMany(ctx context.Context, tx *store.Tx, claimed []store.Timer, h BatchHandler, now time.Time) (int, error) {
	ids := make([]int64, len(claimed))
	for i, tm := range claimed {
		ids[i] = tm.ID
	}
	taken, err := tx.TakeTimers(ctx, ids, now)
	if err != nil || len(taken) == 0 {
		return 0, err // none taken: cancelled or moved by an earlier handler in this batch
	}
	tx.ResetMemo() // the timers are one command of their own
	defer tx.ResetMemo()
	if herr := callMany(ctx, h, tx, taken, now); herr != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err() // stopping is not the timers' fault: roll back, no attempt counted
		}
		return 0, handlerFailed{err: herr}
	}
	return len(taken), nil
}

// fire runs one claimed timer in a savepoint and says whether its handler succeeded. An error
// means the transaction is unusable; a handler's failure is recorded on the timer instead.
func (r *Runner) fire(ctx context.Context, tx *store.Tx, claimed store.Timer, h Handler, now time.Time) (bool, error) {
	var tm store.Timer
	var taken bool
	herr, txErr := tx.Savepoint(ctx, func() error {
		var err error
		// Deleted before the handler runs, so a handler that schedules the same key again
		// creates a new timer instead of moving the one about to be deleted.
		if tm, taken, err = tx.TakeTimer(ctx, claimed.ID, now); err != nil || !taken {
			return err
		}
		tx.ResetMemo() // each timer is a command of its own
		defer tx.ResetMemo()
		return call(ctx, h, tx, tm, now)
	})
	switch {
	case txErr != nil:
		return false, txErr
	case herr == nil:
		return taken, nil // not taken: cancelled or moved by an earlier handler in this batch
	case !taken:
		return false, herr // taking it failed: a database error, not the handler's
	case ctx.Err() != nil:
		return false, ctx.Err() // stopping is not the timer's fault: roll back, no attempt counted
	}
	attempts := tm.Attempts + 1
	if attempts >= maxAttempts {
		if err := tx.RetryTimer(ctx, tm.ID, tm.DueAt, herr.Error(), true); err != nil {
			return false, err
		}
		r.log.Error("timer marked failed after its last attempt", "timer", tm.ID, "kind", tm.Kind, "case", tm.CaseID,
			"ref", tm.RefID, "attempts", attempts, "err", herr)
		return false, nil
	}
	at := now.Add(backoff(attempts))
	if err := tx.RetryTimer(ctx, tm.ID, at, herr.Error(), false); err != nil {
		return false, err
	}
	r.log.Error("timer failed; will retry", "timer", tm.ID, "kind", tm.Kind, "case", tm.CaseID, "ref", tm.RefID,
		"attempts", attempts, "retry_at", at, "err", herr)
	return false, nil
}

// call runs a handler, turning a panic into an error so one bad timer is retried and then
// parked instead of stopping the server.
func call(ctx context.Context, h Handler, tx *store.Tx, tm store.Timer, now time.Time) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return h(ctx, tx, tm, now)
}

// callMany is call for a BatchHandler.
func callMany(ctx context.Context, h BatchHandler, tx *store.Tx, timers []store.Timer, now time.Time) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("batch handler panicked: %v\n%s", p, debug.Stack())
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

func (r *Runner) nextDue(ctx context.Context) (next time.Time, ok bool, err error) {
	err = r.st.Read(ctx, func(tx *store.Tx) error {
		next, ok, err = tx.NextTimerDue(ctx)
		return err
	})
	return next, ok, err
}
