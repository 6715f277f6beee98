package jobs

import (
	"context"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestCommitted checks that what a handler returns to run after commit runs once the batch has
// committed, and never for a handler that failed.
func TestCommitted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		var mu sync.Mutex
		var ran []int64
		committedAt := map[int64]bool{}
		r := NewRunner(st, clock.NewFake(t0.Add(time.Hour)), quiet(), map[string]Handler{
			"k": func(ctx context.Context, tx *store.Tx, tms []store.Timer, now time.Time) (func(), error) {
				for _, tm := range tms {
					if tm.RefID == 2 {
						return nil, errBoom
					}
				}
				return func() {
					mu.Lock()
					defer mu.Unlock()
					for _, tm := range tms {
						ran = append(ran, tm.RefID)
						// Run after the commit: the timer is gone for other readers too.
						committedAt[tm.RefID] = len(pending(t, st, tm.CaseID)) == 0
					}
				}, nil
			},
		})
		add(t, st, store.Timer{Kind: "k", DueAt: t0, CaseID: 1, RefID: 1}, store.Timer{Kind: "k", DueAt: t0, CaseID: 2, RefID: 2},
			store.Timer{Kind: "k", DueAt: t0, CaseID: 3, RefID: 3})
		if n := runDue(t, r); n != 2 {
			t.Fatalf("fired %d, want 2", n)
		}
		sort.Slice(ran, func(i, j int) bool { return ran[i] < ran[j] })
		if !reflect.DeepEqual(ran, []int64{1, 3}) || !committedAt[1] || !committedAt[3] {
			t.Errorf("after commit ran for %v (committed %v), want 1 and 3 after their commit", ran, committedAt)
		}
	})
}
