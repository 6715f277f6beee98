package bench

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/service"
)

// TargetReportMs is the goal for each report: a quarter's report over a million cases
// answers in under 300 ms on two cores (issue 18).
const TargetReportMs = 300

// DefaultReportDays is the period each report is timed over when none is given: a quarter.
const DefaultReportDays = 90

// ReportStats are one report's times: each scope (the whole desk, then each team) asked
// Runs times, one request at a time, as the head of care.
type ReportStats struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50_ms"`
	Max float64 `json:"max_ms"`
}

// reports times every report (service.ReportNames) through the API over the last ReportDays
// days of the generated desk (to the day after it was generated), for the whole desk and for
// each team, with the period before (every report reads both). One request at a time: a
// manager opening the reports page, not a load test.
func (e *env) reports(ctx context.Context, r *Result) error {
	days := e.o.ReportDays
	if days <= 0 {
		days = DefaultReportDays
	}
	runs := max(e.o.ReportRuns, 1)
	end := e.g.now.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	from := end.AddDate(0, 0, -days)
	scopes := append([]string{""}, teams...)
	fmt.Fprintf(e.say, "reports: each of %d reports over %d days (%s to %s, and the period before) for the whole desk and each of %d teams, %d time(s), "+
		"one request at a time: GET /api/v1/reports/{name}?from=…&to=…[&team=…] as the head of care; target each under %d ms\n",
		len(service.ReportNames), days, from.Format(time.DateOnly), end.Format(time.DateOnly), len(teams), runs, TargetReportMs)
	r.ReportDays = days
	r.Reports = map[string]ReportStats{}
	for _, name := range service.ReportNames {
		var took []time.Duration
		for range runs {
			for _, team := range scopes {
				if err := ctx.Err(); err != nil {
					return err
				}
				q := url.Values{"from": {from.Format(time.RFC3339)}, "to": {end.Format(time.RFC3339)}}
				if team != "" {
					q.Set("team", team)
				}
				began := time.Now()
				body, err := e.get(e.head, "/api/v1/reports/"+name+"?"+q.Encode())
				if err != nil {
					return err
				}
				took = append(took, time.Since(began))
				if !strings.Contains(string(body), `"rows"`) {
					return fmt.Errorf("report %s: no rows in %.200s", name, body)
				}
			}
		}
		st := ReportStats{N: len(took), P50: pct(took, 50), Max: ms(slices.Max(took))}
		r.Reports[name] = st
		r.ReportsMax = max(r.ReportsMax, st.Max)
		fmt.Fprintf(e.say, "  %-20s p50 %7.1f ms  max %7.1f ms  (%d requests)\n", name, st.P50, st.Max, st.N)
	}
	return nil
}
