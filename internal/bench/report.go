package bench

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"text/tabwriter"
)

// Targets are the goals at scale M on two cores.
const (
	TargetPageP99ms      = 20
	TargetSearchP99ms    = 50
	TargetIngestPerS     = 2000
	TargetTimerP99ms     = 1000
	TargetOutboxLagP99ms = 1000 // from a reply's commit to the relay's 250, at 500 replies/s (issue 21)
	TargetIdleCPU        = 1
	TargetRSSMB          = 200
)

// PrintTable writes a result as a table for a terminal.
func PrintTable(w io.Writer, r Result) {
	fmt.Fprintf(w, "kept bench: scale %s, seed %d, %s, %d cores; %d customers, %d cases, %d entries generated (database now: %d cases, %d entries)\n",
		r.Scale, r.Seed, r.Backend, r.Cores, r.Customers, r.Cases, r.Entries, r.DBCases, r.DBEntries)
	how := "reused"
	if r.Generated {
		how = "generated now"
	}
	fmt.Fprintf(w, "data set %s (generation took %.0f s); load average %s at start, %s at end\n\n", how, r.GenerationS, r.LoadStart, r.LoadEnd)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "measure\tp50\tp99\trate\ttarget\t\t")
	row := func(name string, p50, p99 float64, rate, target string, ok bool) {
		mark := "ok"
		if !ok {
			mark = "MISSED"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", name, msText(p50), msText(p99), rate, target, mark)
	}
	row("ingest (SMTP, 8 senders)", r.IngestP50, r.IngestP99, fmt.Sprintf("%.0f msg/s", r.IngestPerS), fmt.Sprintf("≥ %d msg/s", TargetIngestPerS), r.IngestPerS >= TargetIngestPerS)
	if r.IntakeRepliesN > 0 {
		fmt.Fprintf(tw, "· outbox lag during ingest (commit → relay 250)\t%s\t%s\t%d replies\t\t\t\n", msText(r.IntakeOutboxP50), msText(r.IntakeOutboxP99), r.IntakeRepliesN)
	}
	fmt.Fprintf(tw, "floor: GET /healthz\t%s\t%s\t%.0f req/s\t\t\t\n", msText(r.FloorP50), msText(r.FloorP99), r.FloorRPS)
	row("inbox", r.InboxP50, r.InboxP99, fmt.Sprintf("%.0f req/s", r.InboxRPS), fmt.Sprintf("p99 ≤ %d ms", TargetPageP99ms), r.InboxP99 <= TargetPageP99ms)
	row("case page (100 entries)", r.CaseP50, r.CaseP99, fmt.Sprintf("%.0f req/s", r.CaseRPS), fmt.Sprintf("p99 ≤ %d ms", TargetPageP99ms), r.CaseP99 <= TargetPageP99ms)
	row("search", r.SearchP50, r.SearchP99, fmt.Sprintf("%.0f req/s", r.SearchRPS), fmt.Sprintf("p99 ≤ %d ms", TargetSearchP99ms), r.SearchP99 <= TargetSearchP99ms)
	row(fmt.Sprintf("timer lag (%d due)", r.TimerN), r.TimerLagP50, r.TimerLagP99, fmt.Sprintf("%d broken", r.TimerBroken), fmt.Sprintf("p99 ≤ %d ms", TargetTimerP99ms), r.TimerLagP99 <= TargetTimerP99ms && r.TimerBroken == r.TimerN)
	row("outbox lag (commit → relay 250)", r.OutboxLagP50, r.OutboxLagP99, fmt.Sprintf("%.0f replies/s", r.RepliesPerS), fmt.Sprintf("p99 ≤ %d ms", TargetOutboxLagP99ms), r.OutboxLagP99 <= TargetOutboxLagP99ms)
	for _, name := range slices.Sorted(maps.Keys(r.Reports)) {
		st := r.Reports[name]
		fmt.Fprintf(tw, "report %s (%d days, max)\t%s\t%s\t%d req\tmax ≤ %d ms\t%s\t\n", name, r.ReportDays, msText(st.P50), msText(st.Max), st.N, TargetReportMs, okText(st.Max <= TargetReportMs))
	}
	idle := fmt.Sprintf("%.2f%% CPU", r.IdleCPU)
	if r.Backend == "postgres" {
		idle += fmt.Sprintf(" (+%.2f%% PG)", r.IdleDBCPU)
	}
	fmt.Fprintf(tw, "idle server\t\t\t%s\t≤ %d%%\t%s\t\n", idle, TargetIdleCPU, okText(r.IdleCPU <= TargetIdleCPU))
	fmt.Fprintf(tw, "RSS after load\t\t\t%.0f MB\t≤ %d MB\t%s\t\n", r.RSSMB, TargetRSSMB, okText(r.RSSMB <= TargetRSSMB))
	tw.Flush()
}

func msText(v float64) string {
	if v == 0 {
		return ""
	}
	return fmt.Sprintf("%.1f ms", v)
}

func okText(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISSED"
}
