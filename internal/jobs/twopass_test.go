package jobs

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// A batch runs without savepoints until a handler fails; then it runs again with them. The
// handlers before the failing one must leave their writes once, not twice, and the failing
// one must be called once per attempt, its writes undone.
func TestFailureInBatchRunsItAgainWithSavepoints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		clk := clock.NewFake(t0)
		// effect adds a timer without a key: run twice, it would leave two.
		effect := func(ctx context.Context, tx *store.Tx, tm store.Timer, now time.Time) error {
			_, err := tx.AddTimer(ctx, store.Timer{Kind: "effect", DueAt: now.Add(24 * time.Hour), CaseID: tm.CaseID}, now)
			return err
		}
		c := newCalls()
		r, logs := newRunner(st, clk, map[string]single{
			"ok": effect,
			"fails": c.handler(func(tm store.Timer, _ int) error {
				return errBoom
			}),
		})
		ids := add(t, st,
			store.Timer{Kind: "ok", DueAt: t0.Add(-3 * time.Second), CaseID: 21},
			store.Timer{Kind: "fails", DueAt: t0.Add(-2 * time.Second), CaseID: 22},
			store.Timer{Kind: "ok", DueAt: t0.Add(-time.Second), CaseID: 23},
		)
		if n := runDue(t, r); n != 2 {
			t.Fatalf("fired %d, want the two ok ones", n)
		}
		if n := c.of(ids[1]); n != 1 {
			t.Errorf("the failing handler ran %d times in one attempt, want 1", n)
		}
		for _, caseID := range []int64{21, 23} {
			if p := pending(t, st, caseID); len(p) != 1 || p[0].Kind != "effect" {
				t.Errorf("case %d: %+v, want one effect", caseID, p)
			}
		}
		if p := pending(t, st, 22); len(p) != 1 || p[0].Kind != "fails" || p[0].Attempts != 1 || !p[0].DueAt.Equal(t0.Add(time.Second)) ||
			!strings.Contains(p[0].LastError, errBoom.Error()) {
			t.Errorf("the failing timer: %+v", p)
		}
		if n := strings.Count(logs.String(), "will retry"); n != 1 {
			t.Errorf("%d retry log lines, want 1:\n%s", n, logs)
		}
	})
}
