package store_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestMigrateSaysWhatIsPending: an operator starting a new version sees which migrations are
// about to run before they run (one can hold the start for minutes on a large desk), and
// nothing when there are none.
func TestMigrateSaysWhatIsPending(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		files, err := os.ReadDir("migrations/" + backend)
		if err != nil {
			t.Fatal(err)
		}
		st := storetest.Unmigrated(t, backend)
		var out bytes.Buffer
		log := slog.New(slog.NewTextHandler(&out, nil))
		if err := st.Migrate(ctx, log); err != nil {
			t.Fatal(err)
		}
		first := out.String()
		want := fmt.Sprintf("pending=%d first=%s last=%s", len(files), files[0].Name(), files[len(files)-1].Name())
		if !strings.Contains(first, "applying migrations") || !strings.Contains(first, want) {
			t.Errorf("first start logged:\n%s\nwant a line saying %q", first, want)
		}
		if i, j := strings.Index(first, "applying migrations"), strings.Index(first, "migration applied"); i < 0 || j < i {
			t.Errorf("the pending migrations were not announced before the first was applied:\n%s", first)
		}
		out.Reset()
		if err := st.Migrate(ctx, log); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out.String(), "applying migrations") {
			t.Errorf("a migrated desk announced migrations:\n%s", out.String())
		}
	})
}

// TestMigrateWarnsOfStaleStatistics: a PostgreSQL desk with autovacuum off is told at each start
// that its planner's statistics will go stale (a desk that had never escalated a case read all
// its escalations for every batch of broken promises); one with it on, and SQLite, are not.
func TestMigrateWarnsOfStaleStatistics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		st := storetest.Unmigrated(t, backend)
		var out bytes.Buffer
		if err := st.Migrate(ctx, slog.New(slog.NewTextHandler(&out, nil))); err != nil {
			t.Fatal(err)
		}
		off := false
		if backend == "postgres" {
			var setting string
			if err := storetest.Raw(t, st).QueryRowContext(ctx, `SHOW autovacuum`).Scan(&setting); err != nil {
				t.Fatal(err)
			}
			off = setting == "off"
		}
		warned := strings.Contains(out.String(), "autovacuum is off")
		if warned != off {
			t.Errorf("autovacuum off: %v; the start logged:\n%s", off, out.String())
		}
	})
}
