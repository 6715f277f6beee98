package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// Issue 20, finding 7 (several nodes): each node's timers followed its own wall clock, so clock
// skew between nodes broke promises early or late. On PostgreSQL the desk tells the
// database's time (read now and then, moved on by the monotonic clock between reads); on
// SQLite, one node, this machine's.
func TestDeskClockIsTheDatabases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		st := storetest.Open(t, backend)
		clk, err := service.DeskClock(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		if backend == "sqlite" {
			if _, ok := clk.(clock.System); !ok {
				t.Fatalf("SQLite's desk clock is %T, want this machine's", clk)
			}
			return
		}
		if _, ok := clk.(*clock.Follow); !ok {
			t.Fatalf("PostgreSQL's desk clock is %T, want the database's", clk)
		}
		db, _, err := st.DBTime(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d := clk.Now().Sub(db); d < -time.Second || d > time.Second {
			t.Errorf("the desk's clock is %v from the database's", d)
		}
	})
}
