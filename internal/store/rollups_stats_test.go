package store_test

// PostgreSQL only: SQLite's planner takes an index without statistics, so these plans and
// statistics are PostgreSQL's concern (storetest.Open skips them, or fails in CI, without it).

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// A rebuild fills the roll-up tables after the planner last looked at them (empty, or never):
// it gathers their statistics, or PostgreSQL reads all of the facts for each command's few
// cases (a sequential scan per commit, 1 mail a second at scale M).
func TestRollupsRebuildGathersStatistics(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, "postgres")
	for _, table := range []string{"report_case_facts", "report_days", "report_agent_days"} {
		if n, err := st.PlannerRows(ctx, table); err != nil || n != -1 {
			t.Fatalf("before the rebuild, %s: planner rows %v, %v; want -1 (never analysed)", table, n, err)
		}
	}
	if err := st.RebuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"report_case_facts", "report_days", "report_agent_days"} {
		if n, err := st.PlannerRows(ctx, table); err != nil || n < 0 {
			t.Errorf("after the rebuild, %s: planner rows %v, %v; want its statistics gathered", table, n, err)
		}
	}
}

// A desk importing into new tables has no statistics for them (autovacuum has not run, or is
// off): the roll-ups' first answer of each case must still read the case's record by its
// (case_id, seq) index alone. PostgreSQL combined it with the index of kinds and read every
// entry of those kinds for each case: 6.3 s for 1,000 cases of an import of 10,000.
func TestFirstAnswerReadsOnlyTheCase(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, "postgres")
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
}

// An import ends by gathering the planner's statistics of the desk's tables: a new desk that
// took years of history from another had the planner believe its tables empty (or never
// looked at) until autovacuum came round, and planned whole-table scans for a case's rows.
func TestImportEndGathersStatistics(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, "postgres")
	svc := service.New(st, clock.NewFake(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)), slog.New(slog.DiscardHandler))
	sys := desk.SystemActor()
	opt := service.ImportOptions{Source: "zendesk", File: "tickets.json"}
	mari := service.ImportPerson{SourceID: "9001", Name: "Mari Mets", Email: "mari@example.ee"}
	at := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	if _, err := svc.ImportCases(ctx, sys, opt, []service.ImportCase{{SourceID: "501", Requester: mari, Subject: "Router", Status: "solved", CreatedAt: at,
		Entries: []service.ImportEntry{{At: at, Author: mari, Public: true, Body: "It blinks red."}}}}); err != nil {
		t.Fatal(err)
	}
	if n, err := st.PlannerRows(ctx, "entries"); err != nil || n != -1 {
		t.Fatalf("before the import ends, entries: planner rows %v, %v; want -1 (never analysed)", n, err)
	}
	if err := svc.EndImport(ctx, sys); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"cases", "entries", "customers", "search_docs"} {
		if n, err := st.PlannerRows(ctx, table); err != nil || n < 1 {
			t.Errorf("after the import, %s: planner rows %v, %v; want its statistics gathered", table, n, err)
		}
	}
}
