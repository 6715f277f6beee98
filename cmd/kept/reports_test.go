package main

import (
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestReportsRebuild empties the report roll-ups of a desk with a case behind its back, and
// `kept reports rebuild` gives back the sums the commands had kept (both databases).
func TestReportsRebuild(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		cfg, dbArgs, _ := migratedDesk(t, backend)
		ctx := context.Background()
		func() {
			st, err := store.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			svc := service.New(st, clock.System{}, slog.New(slog.DiscardHandler))
			sys := desk.SystemActor()
			agents, err := svc.Agents(ctx, sys)
			if err != nil || len(agents) == 0 {
				t.Fatalf("agents: %v %v", agents, err)
			}
			cust, err := svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari Maasikas", Email: "mari@example.ee"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: cust.ID, Subject: "Invoice", Body: "Twice charged", Channel: "email", OwnerID: agents[0].ID}); err != nil {
				t.Fatal(err)
			}
		}()
		live := rollupSums(t, cfg)
		if !strings.Contains(strings.Join(live, "\n"), " opened ") {
			t.Fatalf("the live roll-ups have no opened case:\n%s", strings.Join(live, "\n"))
		}
		driver, dsn := "pgx", cfg.URL
		if backend == "sqlite" {
			driver, dsn = "sqlite", filepath.Join(cfg.DataDir, "kept.db")
		}
		db, err := sql.Open(driver, dsn)
		if err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"report_case_facts", "report_days", "report_agent_days", "report_rollups_ready"} {
			if _, err := db.ExecContext(ctx, "DELETE FROM "+table); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
		if got := rollupSums(t, cfg); len(got) != 0 {
			t.Fatalf("roll-ups left after emptying them: %v", got)
		}
		code, out, errOut := kept(t, "", append([]string{"reports", "rebuild"}, dbArgs...)...)
		if code != 0 || !strings.Contains(out, "rebuilt the report roll-ups of 1 cases") {
			t.Fatalf("kept reports rebuild: exit %d\n%s%s", code, out, errOut)
		}
		if got := rollupSums(t, cfg); strings.Join(got, "\n") != strings.Join(live, "\n") {
			t.Errorf("rebuilt roll-ups:\n%s\nwant the live ones:\n%s", strings.Join(got, "\n"), strings.Join(live, "\n"))
		}
		if code, _, errOut := kept(t, "", append([]string{"reports"}, dbArgs...)...); code != 2 || !strings.Contains(errOut, "kept reports rebuild") {
			t.Errorf("kept reports without rebuild: exit %d %q, want 2 and the usage", code, errOut)
		}

		// As an upgrade that rolls up more leaves a desk: kept serve rebuilds them by itself.
		db, err = sql.Open(driver, dsn)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{`DELETE FROM report_rollups_ready`, `DELETE FROM report_days`} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		ready := func() bool {
			var n int
			if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM report_rollups_ready`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n > 0
		}
		srv := startServer(t, dbArgs)
		for deadline := time.Now().Add(30 * time.Second); !ready(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("kept serve did not rebuild the report roll-ups within 30 s")
			}
		}
		db.Close()
		srv.stop(t)
		if !strings.Contains(srv.stderr.String(), "report roll-ups rebuilt") {
			t.Errorf("kept serve did not log the rebuild:\n%s", srv.stderr)
		}
		if got := rollupSums(t, cfg); strings.Join(got, "\n") != strings.Join(live, "\n") {
			t.Errorf("roll-ups rebuilt by kept serve:\n%s\nwant the live ones:\n%s", strings.Join(got, "\n"), strings.Join(live, "\n"))
		}
	})
}

// rollupSums are the desk's report roll-ups, a sum a line.
func rollupSums(t *testing.T, cfg store.Config) []string {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var out []string
	if err := st.Read(ctx, func(tx *store.Tx) (err error) { out, err = tx.RollupSums(ctx); return err }); err != nil {
		t.Fatal(err)
	}
	return out
}
