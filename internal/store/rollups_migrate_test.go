package store_test

import (
	"context"
	"log/slog"
	"slices"
	"testing"

	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestCaseFactsCarriedOver: migration 00059 keeps each case's roll-up facts, a row a fact
// before, as the one text a case the store now reads (twin facts, negative counts, and texts
// with tabs, line ends and backslashes included), so an upgraded desk's roll-ups stay ready
// without a rebuild.
func TestCaseFactsCarriedOver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		st := storetest.Unmigrated(t, backend)
		if err := st.MigrateTo(ctx, 58); err != nil {
			t.Fatal(err)
		}
		want := []store.StoredFact{ // sorted, as StoredFacts reads them
			{CaseID: 5, Measure: "backlog_hour", Day: "2026-03-02T09", TeamID: 3, AgentID: 11, N: -1},
			{CaseID: 5, Measure: "backlog_hour", Day: "2026-03-02T09", TeamID: 3, AgentID: 11, N: -1},
			{CaseID: 5, Measure: "opened", Day: "2026-03-02", TeamID: 3, AgentID: 11, Channel: "email", Type: "billing", N: 1},
			{CaseID: 9, Measure: "answered", Day: "2026-03-04", Channel: "a\tchannel\nwith\\odd\\tbytes\\", Type: "Käsitlus: \\n é",
				Bucket: 131, N: 1, Secs: 9_223_372_036_854_775_807},
		}
		raw := storetest.Raw(t, st)
		for _, f := range want {
			if _, err := raw.ExecContext(ctx, `INSERT INTO report_facts (case_id, measure, day, team_id, agent_id, channel, case_type, bucket, n, secs)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, f.CaseID, f.Measure, f.Day, f.TeamID, f.AgentID, f.Channel, f.Type, f.Bucket, f.N, f.Secs); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatal(err)
		}
		got, err := st.StoredFacts(ctx, 5, 9)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("after 00059: %+v, %v; want %+v", got, err, want)
		}
	})
}
