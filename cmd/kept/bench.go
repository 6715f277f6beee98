package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/bench"
)

// benchCmd generates (or reuses) a desk of the chosen scale and measures it; see BENCHMARKS.md.
func benchCmd(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("bench", stderr)
	cfg := dbFlags(fs)
	scale := fs.String("scale", "S", "data set size: S (100k cases, 1M entries) or M (1M cases, 10M entries); XS for tests")
	seed := fs.Uint64("seed", 1, "seed of the generated data set; a later run with the same scale and seed reuses it")
	asJSON := fs.Bool("json", false, "print one JSON object instead of a table")
	duration := fs.Duration("duration", 20*time.Second, "how long each HTTP measure and mail intake runs")
	senders := fs.Int("senders", 8, "concurrent SMTP senders")
	clients := fs.Int("clients", 16, "concurrent HTTP clients")
	replyRate := fs.Int("reply-rate", 0, "replies a second in all in the replies measure (0: as fast as the clients can)")
	intakeReplies := fs.Int("intake-replies", 100, "replies a second, each mailed, made during mail intake for the outbox's lag (0: none)")
	timerN := fs.Int("timer-promises", 100_000, "promises falling due in the timer measure")
	timerWindow := fs.Duration("timer-window", time.Minute, "…over this long")
	timerWait := fs.Duration("timer-wait", 0, "how long after the last due time to wait for the breaks, and for the runner to catch up before idle (0: ten windows, at least 2m; then 10m)")
	idle := fs.Duration("idle", 30*time.Second, "how long the idle server's CPU is measured")
	reportDays := fs.Int("report-days", bench.DefaultReportDays, "the period each report is timed over, in days (at most 400)")
	reportRuns := fs.Int("report-runs", 3, "how many times each report is asked for the whole desk and each team")
	genOnly := fs.Bool("generate-only", false, "generate (or find) the data set and stop, without measuring")
	profiles := fs.String("cpuprofile", "", "folder to write a CPU profile per phase into (generate, ingest, inbox, case, search, reports, timers)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *duration <= 0 || *senders <= 0 || *clients <= 0 || *timerN <= 0 || *timerWindow <= 0 || *idle <= 0 || *reportRuns <= 0 || *reportDays <= 0 || *reportDays > 400 || *replyRate < 0 || *intakeReplies < 0 {
		return fmt.Errorf("%w: durations and counts must be positive", errUsage)
	}
	if _, ok := bench.Scales[strings.ToUpper(*scale)]; !ok {
		return fmt.Errorf("%w: --scale %q: use S or M (or XS)", errUsage, *scale)
	}
	// The server's warnings and errors go to stderr; its info lines (one per broken promise)
	// would drown the measures' own lines.
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg.Log = log
	opts := bench.Options{Config: *cfg, Scale: *scale, Seed: *seed, Duration: *duration, Senders: *senders, Clients: *clients, ReplyRate: *replyRate, IntakeReplies: *intakeReplies,
		TimerPromises: *timerN, TimerWindow: *timerWindow, TimerWait: *timerWait, Idle: *idle, ReportDays: *reportDays, ReportRuns: *reportRuns, ProfileDir: *profiles, GenerateOnly: *genOnly, Version: version, Log: log, Say: stderr,
		Progress: benchProgress(stderr), MemoryLimit: serveMemoryLimit(os.Getenv)}
	res, err := bench.Run(ctx, opts)
	if err != nil {
		return err
	}
	if *genOnly && !*asJSON {
		fmt.Fprintf(stdout, "data set of scale %s, seed %d: %d customers, %d cases, %d entries (generated in %.0f s)\n",
			res.Scale, res.Seed, res.Customers, res.Cases, res.Entries, res.GenerationS)
		return nil
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	bench.PrintTable(stdout, res)
	return nil
}

// benchProgress draws a progress bar on a terminal (nothing otherwise).
func benchProgress(w io.Writer) bench.Progress {
	if !isTerminal(w) {
		return nil
	}
	start := time.Now()
	return func(phase string, done, total int) {
		if total == 0 {
			fmt.Fprintf(w, "\r%-80s\rbuilding indexes and statistics…", "")
			return
		}
		const width = 40
		n := done * width / total
		fmt.Fprintf(w, "\r%-10s [%s%s] %d/%d %s", phase, strings.Repeat("#", n), strings.Repeat(".", width-n), done, total, time.Since(start).Round(time.Second))
		if done == total {
			fmt.Fprintln(w)
		}
	}
}
