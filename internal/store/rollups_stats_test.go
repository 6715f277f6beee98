package store_test

import (
	"context"
	"strings"
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

// A desk importing into new tables has no statistics for them (autovacuum has not run, or is
// off): the roll-ups' first answer of each case must still read the case's record by its
// (case_id, seq) index alone. PostgreSQL combined it with the index of kinds and read every
// entry of those kinds for each case: 6.3 s for 1,000 cases of an import of 10,000.
func TestFirstAnswerReadsOnlyTheCase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		if backend != "postgres" {
			return
		}
		ctx := context.Background()
		st := storetest.Open(t, backend)
		if err := st.ExecForTest(ctx,
			`INSERT INTO customers (name, created_at) VALUES ('Mari', now())`,
			`INSERT INTO agents (name, email, role, timezone, hours, created_at) VALUES ('Bea', 'bea@desk.test', 'agent', 'UTC', '{}', now())`,
			`INSERT INTO cases (customer_id, subject, status, owner_id, channel, original_request, created_at, updated_at)
			 SELECT (SELECT MIN(id) FROM customers), 'Order', 'open', (SELECT MIN(id) FROM agents), 'email', '', now(), now() FROM generate_series(1, 3000)`,
			`INSERT INTO entries (case_id, seq, kind, at, actor_kind, actor_id, actor_name, internal, channel, body, data, prev_hash, hash)
			 SELECT c.id, s, (ARRAY['message_in', 'message_out', 'note', 'promise_made', 'call'])[1 + s % 5], now(), 'agent', 1, 'Bea', false, 'email', 'words', '{}', '', ''
			 FROM cases c, generate_series(1, 12) s`,
		); err != nil {
			t.Fatal(err)
		}
		plan, err := st.FirstAnswerPlan(ctx, []int64{10, 20, 30})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(plan, "entries_kind_at") || !strings.Contains(plan, "entries_case_id_seq_key") {
			t.Errorf("the first answers read the index of kinds, or not the record's:\n%s", plan)
		}
	})
}
