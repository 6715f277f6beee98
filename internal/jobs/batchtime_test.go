package jobs

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// tickingClock moves on a minute each time it is read, like a long pass on a busy machine.
type tickingClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *tickingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Minute)
	return c.now
}

// Handlers write "now" into the record (a promise broken at…), so a pass of several batches must
// not stamp them all with the time the pass began.
func TestEachBatchTakesItsOwnTime(t *testing.T) {
	st := storetest.Open(t, "sqlite")
	ctx := context.Background()
	err := st.Write(ctx, func(tx *store.Tx) error {
		for range 2*batchSize + 1 {
			if _, err := tx.AddTimer(ctx, store.Timer{Kind: "k", DueAt: t0}, t0); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[time.Time]int{}
	r, _ := newRunner(st, &tickingClock{now: t0}, map[string]single{"k": func(_ context.Context, _ *store.Tx, _ store.Timer, now time.Time) error {
		seen[now]++
		return nil
	}})
	if n := runDue(t, r); n != 2*batchSize+1 {
		t.Fatalf("fired %d, want %d", n, 2*batchSize+1)
	}
	if len(seen) != 3 {
		t.Fatalf("handlers saw %d distinct times over three batches, want 3: %v", len(seen), seen)
	}
}
