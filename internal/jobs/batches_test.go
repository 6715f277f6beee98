package jobs

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// A kind's handler gets each run of consecutive due timers of the kind at once, already taken;
// a timer an earlier handler cancelled is not among them, and each fires once. What it asks for
// after the commit happens once.
func TestHandlerGetsRunsOfItsKind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		clk := clock.NewFake(t0)
		var runs [][]int64 // the timers' case ids, per call of the batch handler
		var done []int64   // AfterCommit
		many := func(ctx context.Context, tx *store.Tx, tms []store.Timer, now time.Time) (func(), error) {
			var cases []int64
			for _, tm := range tms {
				p, err := tx.PendingTimers(ctx, tm.CaseID)
				if err != nil {
					return nil, err
				}
				if len(p) > 0 {
					t.Errorf("timer of case %d still pending in its batch handler: %+v", tm.CaseID, p)
				}
				cases = append(cases, tm.CaseID)
			}
			runs = append(runs, cases)
			return func() { done = append(done, cases...) }, nil
		}
		// "cancel" cancels the "b" timer of ref 5, claimed in the same batch after it.
		cancel := func(ctx context.Context, tx *store.Tx, _ []store.Timer, _ time.Time) (func(), error) {
			return nil, tx.CancelTimers(ctx, store.TimerRef{Kind: "b", RefID: 5})
		}
		r := NewRunner(st, clk, slog.New(slog.DiscardHandler), map[string]Handler{"b": many, "cancel": cancel})
		add(t, st,
			store.Timer{Kind: "b", DueAt: t0.Add(-5 * time.Second), CaseID: 1},
			store.Timer{Kind: "b", DueAt: t0.Add(-4 * time.Second), CaseID: 2},
			store.Timer{Kind: "cancel", DueAt: t0.Add(-3 * time.Second), CaseID: 3},
			store.Timer{Kind: "b", DueAt: t0.Add(-2 * time.Second), CaseID: 4},
			store.Timer{Kind: "b", DueAt: t0.Add(-time.Second), CaseID: 5, RefID: 5},
			store.Timer{Kind: "b", DueAt: t0.Add(time.Hour), CaseID: 6}, // not due
		)
		if n := runDue(t, r); n != 4 {
			t.Errorf("fired %d, want 4 (two b, cancel, one b)", n)
		}
		if want := [][]int64{{1, 2}, {4}}; !slices.EqualFunc(runs, want, slices.Equal) {
			t.Errorf("batch handler runs %v, want %v", runs, want)
		}
		if !slices.Equal(done, []int64{1, 2, 4}) {
			t.Errorf("after commit %v, want [1 2 4]", done)
		}
		if p := pending(t, st, 6); len(p) != 1 {
			t.Errorf("the timer not due: %+v", p)
		}
		if n := runDue(t, r); n != 0 || len(runs) != 2 {
			t.Errorf("a second pass fired %d (batch runs %v): each timer fires once", n, runs)
		}
	})
}

// When a handler of several timers fails, its writes are undone and the batch runs again with
// each timer alone in a savepoint: only the timer that fails on its own is retried, and what the
// failed run asked for after the commit never happens.
func TestFailingRunRunsEachTimerOnItsOwn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		clk := clock.NewFake(t0)
		var after int
		c := newCalls()
		h := func(ctx context.Context, tx *store.Tx, tms []store.Timer, now time.Time) (func(), error) {
			if len(tms) > 1 {
				for _, tm := range tms { // undone with the failed run
					if _, err := tx.AddTimer(ctx, store.Timer{Kind: "effect", DueAt: now.Add(time.Hour), CaseID: tm.CaseID}, now); err != nil {
						return nil, err
					}
				}
				return func() { after++ }, errBoom
			}
			c.mu.Lock()
			c.n[tms[0].ID]++
			c.mu.Unlock()
			if tms[0].CaseID == 32 {
				return nil, errBoom
			}
			return nil, nil
		}
		logs := &logBuffer{}
		r := NewRunner(st, clk, slog.New(slog.NewTextHandler(logs, nil)), map[string]Handler{"b": h})
		ids := add(t, st,
			store.Timer{Kind: "b", DueAt: t0.Add(-3 * time.Second), CaseID: 31},
			store.Timer{Kind: "b", DueAt: t0.Add(-2 * time.Second), CaseID: 32},
			store.Timer{Kind: "b", DueAt: t0.Add(-time.Second), CaseID: 33},
		)
		if n := runDue(t, r); n != 2 {
			t.Fatalf("fired %d, want 2", n)
		}
		for _, id := range ids {
			if n := c.of(id); n != 1 {
				t.Errorf("timer %d ran %d times on its own, want 1", id, n)
			}
		}
		if after != 0 {
			t.Errorf("the failed batch's after-commit ran %d times", after)
		}
		for _, caseID := range []int64{31, 33} {
			if p := pending(t, st, caseID); len(p) != 0 {
				t.Errorf("case %d: %+v, want nothing (the batch's writes undone, the timer done)", caseID, p)
			}
		}
		if p := pending(t, st, 32); len(p) != 1 || p[0].Kind != "b" || p[0].Attempts != 1 {
			t.Errorf("the failing timer: %+v, want it pending after one attempt", p)
		}
		if out := logs.String(); !strings.Contains(out, "failed together") || strings.Count(out, "will retry") != 1 {
			t.Errorf("logs:\n%s", out)
		}
	})
}
