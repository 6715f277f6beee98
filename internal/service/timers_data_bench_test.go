package service_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/jobs"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
)

// BenchmarkPromiseBreakRateOnData is BenchmarkPromiseBreakRate on a copy of a generated data
// set (kept bench --data), whose tables and indexes are a grown desk's size: KEPT_BENCH_DATA
// names the folder of a SQLite copy, which the benchmark changes (copy it again for each run).
// Promises of the newest open cases fall due at once, before any of the set's own timers:
//
//	cp -r /tmp/kept-bench/s-sqlite /tmp/s-copy
//	KEPT_BENCH_DATA=/tmp/s-copy go test -run '^$' -bench PromiseBreakRateOnData -benchtime 1x ./internal/service/
func BenchmarkPromiseBreakRateOnData(b *testing.B) {
	dir := os.Getenv("KEPT_BENCH_DATA")
	if dir == "" {
		b.Skip("KEPT_BENCH_DATA names no copy of a data set")
	}
	n := envInt("KEPT_BENCH_BREAKS", 2000)
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	raw := rawOpen(b, "sqlite", store.Config{DataDir: dir})
	due := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) // before the set's own timers
	now := due.Add(-time.Hour)
	payload := fmt.Sprintf(`{"due_at":%q}`, due.Format(time.RFC3339Nano))
	rows, err := raw.QueryContext(ctx, `SELECT id, owner_id, case_type FROM cases WHERE status = 'open' ORDER BY id DESC LIMIT $1`, n*b.N)
	if err != nil {
		b.Fatal(err)
	}
	type open struct {
		id, owner int64
		typ       string
	}
	var cases []open
	for rows.Next() {
		var c open
		if err := rows.Scan(&c.id, &c.owner, &c.typ); err != nil {
			b.Fatal(err)
		}
		cases = append(cases, c)
	}
	rows.Close()
	if len(cases) < n*b.N {
		b.Fatalf("%d open cases, want %d", len(cases), n*b.N)
	}
	var took, cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		tx, err := raw.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range cases[i*n : (i+1)*n] {
			var pid int64
			err := tx.QueryRowContext(ctx, `INSERT INTO promises (case_id, kind, words, place, due_at, state, maker_id, owner_id, slips, case_type, created_at)
				VALUES ($1, 'callback', 'I call you back', '', $2, 'open', $3, $3, 0, $4, $5) RETURNING id`, c.id, due, c.owner, c.typ, now).Scan(&pid)
			if err == nil {
				_, err = tx.ExecContext(ctx, `INSERT INTO timers (kind, due_at, case_id, ref_id, key, payload, created_at) VALUES ('promise_due', $1, $2, $3, $4, $5, $6)`,
					due, c.id, pid, fmt.Sprintf("promise_due:%d", pid), payload, now)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		clk := clock.NewFake(due.Add(time.Minute))
		svc := service.New(st, clk, slog.New(slog.DiscardHandler))
		runner := jobs.NewRunner(st, clk, slog.New(slog.DiscardHandler), svc.Handlers())
		b.StartTimer()
		start, cpu0 := time.Now(), cpuTime()
		fired, err := runner.RunDue(ctx)
		took, cpu = took+time.Since(start), cpu+cpuTime()-cpu0
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if fired != n {
			b.Fatalf("%d of %d promises broke", fired, n)
		}
	}
	b.ReportMetric(float64(n*b.N)/took.Seconds(), "breaks/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(n*b.N), "cpu_us/break")
}
