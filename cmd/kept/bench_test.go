package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestBench runs kept bench at the tiny scale on both databases with short measures: the
// JSON carries every measure with sane values, the generated records verify, and a second
// run reuses the data set. It asserts no timings: CI machines vary.
func TestBench(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		cfg := storetest.Config(t, backend)
		dbArgs := []string{"--data", cfg.DataDir}
		if backend == "postgres" {
			dbArgs = []string{"--db", cfg.URL}
		}
		args := append([]string{"bench", "--scale", "XS", "--json", "--duration", "1s", "--senders", "2", "--clients", "4",
			"--timer-promises", "100", "--timer-window", "1s", "--idle", "1s", "--report-runs", "1"}, dbArgs...)
		run := func(extra ...string) map[string]any {
			t.Helper()
			code, out, errOut := kept(t, "", append(args, extra...)...)
			if code != 0 {
				t.Fatalf("kept bench: exit %d\n%s%s", code, out, errOut)
			}
			for _, method := range []string{"load average at start", "ingest: 2 concurrent senders", "outbox during intake:", "floor: 4 concurrent clients", "inbox: 4 concurrent clients", "case page:", "search:", "reports: each of", "  decisions_by_rung ", "timers: 100 promises", "replies: 4 concurrent clients", "idle CPU:", "RSS"} {
				if !strings.Contains(errOut, method) {
					t.Errorf("stderr does not describe %q:\n%s", method, errOut)
				}
			}
			var res map[string]any
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("not one JSON object: %v\n%s", err, out)
			}
			return res
		}
		res := run()
		num := func(k string) float64 {
			v, ok := res[k].(float64)
			if !ok {
				t.Errorf("%s missing or not a number: %v", k, res[k])
			}
			return v
		}
		if res["scale"] != "XS" || res["backend"] != backend || res["generated"] != true {
			t.Errorf("scale %v, backend %v, generated %v", res["scale"], res["backend"], res["generated"])
		}
		if num("cases") != 600 || num("customers") != 100 || num("entries") < 600*3 || num("promises") <= 0 {
			t.Errorf("data set: %v cases, %v customers, %v entries, %v promises", res["cases"], res["customers"], res["entries"], res["promises"])
		}
		for _, k := range []string{"ingest_msgs_per_s", "ingest_p99_ms", "floor_p99_ms", "inbox_p50_ms", "inbox_p99_ms", "inbox_req_per_s", "case_p99_ms", "case_req_per_s",
			"search_p99_ms", "search_req_per_s", "timer_lag_p99_ms", "rss_mb", "generation_s",
			"replies", "replies_per_s", "outbox_lag_p50_ms", "outbox_lag_p99_ms", "intake_replies", "intake_outbox_lag_p50_ms", "intake_outbox_lag_p99_ms"} {
			if v := num(k); v <= 0 {
				t.Errorf("%s = %v, want > 0", k, v)
			}
		}
		// Every report is timed, for the whole desk and each of the 4 teams, over a quarter.
		reps, _ := res["reports"].(map[string]any)
		if len(reps) != len(service.ReportNames) || num("report_days") != 90 || num("reports_max_ms") <= 0 {
			t.Errorf("reports: %d of %d timed over %v days, max %v", len(reps), len(service.ReportNames), res["report_days"], res["reports_max_ms"])
		}
		for _, name := range service.ReportNames {
			st, _ := reps[name].(map[string]any)
			if st["n"] != 5.0 || st["p50_ms"].(float64) <= 0 || st["max_ms"].(float64) < st["p50_ms"].(float64) {
				t.Errorf("report %s: %v", name, st)
			}
		}
		if num("timer_broken") != 100 || num("timer_promises") != 100 {
			t.Errorf("timers: %v of %v broken", res["timer_broken"], res["timer_promises"])
		}
		if v := num("idle_cpu_pct"); v < 0 || v > 100 {
			t.Errorf("idle_cpu_pct = %v", v)
		}
		if num("db_cases") < 600+100 || num("db_entries") <= num("entries") {
			t.Errorf("database after the run: %v cases, %v entries", res["db_cases"], res["db_entries"])
		}
		if code, out, errOut := kept(t, "", append([]string{"verify"}, dbArgs...)...); code != 0 || !strings.Contains(out, "every hash chain holds") {
			t.Fatalf("kept verify after bench: exit %d\n%s%s", code, out, errOut)
		}
		// The report roll-ups after a run are what a rebuild works out from the tables: the
		// timer cases written through the bulk path included, even those that never fall due.
		live := strings.Join(rollupSums(t, cfg), "\n")
		if code, out, errOut := kept(t, "", append([]string{"reports", "rebuild"}, dbArgs...)...); code != 0 {
			t.Fatalf("kept reports rebuild: exit %d\n%s%s", code, out, errOut)
		}
		if rebuilt := strings.Join(rollupSums(t, cfg), "\n"); rebuilt != live {
			t.Errorf("the roll-ups after kept bench differ from a rebuild:\n%s", lineDiff(live, rebuilt))
		}
		if backend == "sqlite" {
			res = run("--duration", "300ms", "--timer-window", "300ms", "--idle", "300ms")
			if res["generated"] != false || num("earlier_runs") != 1 || num("cases") != 600 {
				t.Errorf("second run: generated %v, earlier_runs %v, cases %v; want the data set reused", res["generated"], res["earlier_runs"], res["cases"])
			}
			code, _, errOut := kept(t, "", append([]string{"bench", "--scale", "XS", "--seed", "2", "--json"}, dbArgs...)...)
			if code != 1 || !strings.Contains(errOut, "seed 1") {
				t.Errorf("another seed on the same database: exit %d, %s", code, errOut)
			}
		}
	})
}

// lineDiff lists the lines only in a (-) and only in b (+).
func lineDiff(a, b string) string {
	count := map[string]int{}
	for _, l := range strings.Split(a, "\n") {
		count[l]++
	}
	for _, l := range strings.Split(b, "\n") {
		count[l]--
	}
	var out []string
	for l, n := range count {
		for ; n > 0; n-- {
			out = append(out, "- "+l)
		}
		for ; n < 0; n++ {
			out = append(out, "+ "+l)
		}
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}
