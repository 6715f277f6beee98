package bench

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// BenchmarkReportsOnData runs every report as the head of care over the last 30 days (KEPT_BENCH_REPORT_DAYS) of a data
// set kept bench generated (KEPT_BENCH_DATA, the SQLite data folder; KEPT_BENCH_SCALE, S when
// unset), for the whole desk and for one team, each report with the period before it as the
// reports page asks. The target is under 300 ms a report at scale M. Skipped without data.
//
//	KEPT_BENCH_DATA=/tmp/kept-bench/m-sqlite KEPT_BENCH_SCALE=M go test -run '^$' -bench ReportsOnData -benchtime 3x ./internal/bench/
func BenchmarkReportsOnData(b *testing.B) {
	e := onData(b, Options{})
	ctx, svc, g := context.Background(), e.svc, e.g
	head := desk.AgentActor(g.ppl.head)
	// Whole days to tomorrow's UTC midnight, as the bench's reports phase and the reports page
	// ask (the page from midnight in the reader's zone).
	to := time.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	days := 30
	if d, err := strconv.Atoi(os.Getenv("KEPT_BENCH_REPORT_DAYS")); err == nil && d > 0 {
		days = d
	}
	for _, scope := range []string{"", teams[0]} {
		for _, name := range service.ReportNames {
			label := name
			if scope != "" {
				label += "/team"
			}
			b.Run(label, func(b *testing.B) {
				for range b.N {
					q := service.ReportQuery{Name: name, From: to.AddDate(0, 0, -days), To: to, Team: scope}
					if _, err := svc.RunReport(ctx, head, q); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
