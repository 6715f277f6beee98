package jobs

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/keptdesk/kept/internal/clock"
)

// Loop runs work that falls due — timers, mail in an outbox — without scanning when idle: it
// does what is due, asks when the next piece falls due, and sleeps until then, at most Poll
// (so work other nodes add is seen within it), or until Wake.
type Loop struct {
	Name  string // for log lines
	Clock clock.Clock
	Log   *slog.Logger
	Poll  time.Duration                                      // the longest sleep
	Busy  time.Duration                                      // the pause when work is due but another node holds it
	Due   func(ctx context.Context) (int, error)             // does what is due now; says how much it did
	Next  func(ctx context.Context) (time.Time, bool, error) // when the next piece falls due, if any
	wake  chan struct{}
	round atomic.Int64 // when the last round began (Unix nanoseconds), for LastRound
}

// LastRound is when the loop last began a round of work (zero before the first): a loop that
// has not begun one for long is stuck (GET /readyz says so).
func (l *Loop) LastRound() time.Time {
	if n := l.round.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// NewLoop returns a loop with its wake channel; set the fields before Run.
func NewLoop() *Loop {
	return &Loop{wake: make(chan struct{}, 1), Poll: time.Second, Busy: 50 * time.Millisecond}
}

// Wake tells the loop work may be due earlier than it planned. It never blocks.
func (l *Loop) Wake() {
	select {
	case l.wake <- struct{}{}:
	default: // a wake is already pending; one is enough
	}
}

// Run loops until ctx ends. Errors are logged and retried after Poll, so a short database
// outage does not stop the work for good.
func (l *Loop) Run(ctx context.Context) error {
	for {
		l.round.Store(time.Now().UnixNano())
		done, err := l.Due(ctx)
		if ctx.Err() != nil {
			return nil
		}
		wait := l.Poll
		if err != nil {
			l.Log.Error(l.Name+": run what is due", "err", err)
		} else if next, ok, err := l.Next(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			l.Log.Error(l.Name+": find the next due time", "err", err)
		} else if ok {
			wait = min(wait, next.Sub(l.Clock.Now()))
			if wait <= 0 && done == 0 {
				// Due yet nothing done: another node holds it (SKIP LOCKED) until it commits.
				wait = l.Busy
			}
		}
		if wait <= 0 {
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-l.wake:
		case <-t.C:
		}
		t.Stop()
	}
}
