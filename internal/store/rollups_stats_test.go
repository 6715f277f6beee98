package store_test

import (
	"context"
	"testing"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// A rebuild fills the roll-up tables after the planner last looked at them (empty, or never):
// it gathers their statistics, or PostgreSQL reads all of report_facts for each command's few
// cases (a sequential scan per commit, 1 mail a second at scale M).
func TestRollupsRebuildGathersStatistics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		if backend != "postgres" {
			return // SQLite's planner takes an index without statistics
		}
		ctx := context.Background()
		st := storetest.Open(t, backend)
		for _, table := range []string{"report_facts", "report_days", "report_agent_days"} {
			if n, err := st.PlannerRows(ctx, table); err != nil || n != -1 {
				t.Fatalf("before the rebuild, %s: planner rows %v, %v; want -1 (never analysed)", table, n, err)
			}
		}
		if err := st.RebuildRollups(ctx, nil); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"report_facts", "report_days", "report_agent_days"} {
			if n, err := st.PlannerRows(ctx, table); err != nil || n < 0 {
				t.Errorf("after the rebuild, %s: planner rows %v, %v; want its statistics gathered", table, n, err)
			}
		}
	})
}
