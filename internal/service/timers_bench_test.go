package service_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/jobs"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkPromiseBreach measures, with the real clock and the server's timer runner, the lag
// from a promise's due time to its promise_broken entry while a million other promises wait,
// and the CPU an idle runner uses with them pending. Run it once per backend:
//
//	go test -run '^$' -bench PromiseBreach -benchtime 1x -timeout 30m ./internal/service/
//
// KEPT_BENCH_PENDING (default 1,000,000) and KEPT_BENCH_DUE (default 2,000) set the sizes.
func BenchmarkPromiseBreach(b *testing.B) {
	pending, due := envInt("KEPT_BENCH_PENDING", 1_000_000), envInt("KEPT_BENCH_DUE", 2000)
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				benchBreach(b, backend, pending, due)
			}
		})
	}
}

func benchBreach(b *testing.B, backend string, pending, due int) {
	ctx := context.Background()
	cfg := storetest.Config(b, backend)
	st, err := store.Open(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc := service.New(st, clock.System{}, log)
	sys := desk.SystemActor()
	always := map[string][]string{}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		always[d] = []string{"00:00-24:00"}
	}
	const cases = 1000
	var agent desk.Agent
	err = svc.Batch(ctx, func(svc *service.Service) error {
		head := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Head", Email: "head@example.com", Role: "admin", Hours: always}))
		lead := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Lead", Email: "lead@example.com", Role: "lead", ManagerID: head.ID, Hours: always}))
		agent = must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Agent", Email: "agent@example.com", Role: "agent", ManagerID: lead.ID, Hours: always}))
		cu := must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "C", Email: "c@example.com"}))
		for i := 0; i < cases; i++ {
			must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: cu.ID, Subject: "case", Body: "help", Channel: "email", OwnerID: agent.ID}))
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}

	// A million cases, each with a promise due in 30 days and its breach timer, written in bulk
	// behind the service's back: only their presence matters here.
	start := time.Now()
	raw := rawOpen(b, backend, cfg)
	later := time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(time.Microsecond)
	past := time.Now().UTC().Add(-time.Hour).Truncate(time.Microsecond)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < $1)
		 INSERT INTO cases (customer_id, subject, status, owner_id, channel, original_request, created_at, updated_at)
		 SELECT 1, 'Waiting for an update', 'open', $2, 'email', 'Please keep me posted', $3, $3 FROM s`,
			[]any{pending, agent.ID, past}},
		{`INSERT INTO promises (case_id, kind, words, due_at, state, maker_id, owner_id, created_at)
		 SELECT id, 'update', 'An update within the month', $1, 'open', $2, $2, $3 FROM cases WHERE id > $4`,
			[]any{later, agent.ID, past, cases}},
		{`INSERT INTO timers (kind, due_at, case_id, ref_id, payload, created_at)
		 SELECT 'promise_due', due_at, case_id, id, '{}', created_at FROM promises`, nil},
	} {
		if _, err := raw.ExecContext(ctx, q.sql, q.args...); err != nil {
			b.Fatalf("bulk insert: %v", err)
		}
	}
	// A desk that grew to this size has had its statistics gathered (autovacuum does it on
	// PostgreSQL); right after a bulk load they would describe empty tables.
	if _, err := raw.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatalf("analyze: %v", err)
	}
	b.Logf("%s: %d pending promises written in %s", backend, pending, time.Since(start).Round(time.Millisecond))

	// The measured promises fall due over the next 20 s, made through the service.
	first := time.Now().Add(5 * time.Second)
	made := map[int64]time.Time{}
	for i := 0; i < due; i++ {
		at := first.Add(time.Duration(i) * 20 * time.Second / time.Duration(due)).UTC().Truncate(time.Millisecond)
		p := must(svc.MakePromise(ctx, sys, int64(1+i%cases), desk.NewPromise{Kind: "callback", DueAt: at, Words: "I call you back"}))
		made[p.ID] = at
	}
	if time.Now().After(first) {
		b.Logf("warning: making %d promises took past the first due time", due)
	}

	runner := jobs.NewRunner(st, clock.System{}, log, svc.Handlers())
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- runner.Run(rctx) }()
	defer func() { stop(); <-done }()

	// Wait past the last due time, then until every measured promise has broken (at most 30 s).
	time.Sleep(time.Until(first.Add(21 * time.Second)))
	lags := breachLags(b, svc, made, cases)
	for deadline := time.Now().Add(30 * time.Second); len(lags) < len(made) && time.Now().Before(deadline); {
		time.Sleep(2 * time.Second)
		lags = breachLags(b, svc, made, cases)
	}
	if len(lags) < len(made) {
		b.Fatalf("%d of %d promises broke in time", len(lags), len(made))
	}
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	p50, p99 := lags[len(lags)/2], lags[len(lags)*99/100]

	// Idle: nothing due for 30 days; the runner only looks at the next due time once a second.
	idle := 10 * time.Second
	before := cpuTime()
	time.Sleep(idle)
	cpu := float64(cpuTime()-before) / float64(idle) * 100

	b.ReportMetric(float64(p50.Microseconds())/1000, "lag_p50_ms")
	b.ReportMetric(float64(p99.Microseconds())/1000, "lag_p99_ms")
	b.ReportMetric(cpu, "idle_cpu_%")
	b.Logf("%s: %d pending, %d due over 20 s: breach lag p50 %s p99 %s max %s; idle CPU %.2f%% over %s",
		backend, pending, len(made), p50, p99, lags[len(lags)-1], cpu, idle)
}

// breachLags reads each measured promise's promise_broken entry and returns its lag.
func breachLags(b *testing.B, svc *service.Service, made map[int64]time.Time, cases int) []time.Duration {
	ctx := context.Background()
	var lags []time.Duration
	for c := int64(1); c <= int64(cases); c++ {
		rec, err := svc.Record(ctx, desk.SystemActor(), c)
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range rec {
			if e.Kind != desk.KindPromiseBroken {
				continue
			}
			d, ok := desk.DataOf[desk.PromiseBrokenData](e)
			if !ok {
				b.Fatalf("promise_broken data %s does not read", e.Data)
			}
			if at, ok := made[d.PromiseID]; ok {
				lags = append(lags, e.At.Sub(at))
			}
		}
	}
	return lags
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rawOpen opens the benchmark's database directly, for bulk writes.
func rawOpen(b *testing.B, backend string, cfg store.Config) *sql.DB {
	var db *sql.DB
	var err error
	if backend == "sqlite" {
		db, err = sql.Open("sqlite", "file:"+filepath.Join(cfg.DataDir, "kept.db")+"?_time_format=sqlite&_pragma=busy_timeout(10000)")
	} else {
		db, err = sql.Open("pgx", cfg.URL)
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// BenchmarkPromiseBreakRate measures how many promises a second the timer runner breaks when
// many are overdue at once (kept bench makes 1,667 a second fall due): each break marks the
// promise broken, tells the customer (record entry and outbox mail) and escalates the case to
// the owner's manager. The clock is fake, so the runner's own cost is all that is timed:
//
//	go test -run '^$' -bench PromiseBreakRate -benchtime 3x ./internal/service/
//
// KEPT_BENCH_BREAKS (default 1,000) sets how many promises fall due; KEPT_BENCH_OUTBOUND=0
// leaves out the customer's mail.
func BenchmarkPromiseBreakRate(b *testing.B) {
	n := envInt("KEPT_BENCH_BREAKS", 1000)
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			var r breakRun
			for i := 0; i < b.N; i++ {
				x := benchBreakRate(b, backend, n)
				r = breakRun{r.took + x.took, r.cpu + x.cpu, r.allocs + x.allocs, r.bytes + x.bytes, r.stmts + x.stmts}
			}
			took, cpu, allocs, bytes := r.took, r.cpu, r.allocs, r.bytes
			b.ReportMetric(float64(n*b.N)/took.Seconds(), "breaks/s")
			// The process's CPU (not PostgreSQL's): steadier than the rate on a loaded machine.
			b.ReportMetric(float64(cpu.Microseconds())/float64(n*b.N), "cpu_us/break")
			// What the collector has to follow: the process's allocations while breaking.
			b.ReportMetric(float64(allocs)/float64(n*b.N), "allocs/break")
			b.ReportMetric(float64(bytes)/1024/float64(n*b.N), "KiB/break")
			// Statements run (each a round trip on PostgreSQL).
			b.ReportMetric(float64(r.stmts)/float64(n*b.N), "stmts/break")
		})
	}
}

// breakRun is what one run of benchBreakRate measured: how long the runner took to break the
// promises, the CPU the process used meanwhile, the number and bytes of its allocations, and
// the statements the store ran.
type breakRun struct {
	took, cpu     time.Duration
	allocs, bytes uint64
	stmts         int64
}

// benchBreakRate makes n promises on cases of four leads under one head, all due at once,
// each of its own customer, and measures the runner breaking them (breakRun).
func benchBreakRate(b *testing.B, backend string, n int) breakRun {
	b.StopTimer()
	ctx := context.Background()
	st := storetest.Open(b, backend)
	cfg := store.Config{DataDir: st.DataDir(), URL: st.URL()} // for ANALYZE through rawOpen, below
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clk := clock.NewFake(t0)
	// Outbound mail on, as at a desk that mails its customers; KEPT_BENCH_OUTBOUND=0 turns it
	// off, as kept bench runs.
	outbound := os.Getenv("KEPT_BENCH_OUTBOUND") != "0"
	svc := service.New(st, clk, slog.New(slog.DiscardHandler),
		service.WithMail(service.MailConfig{Address: "support@desk.test", Outbound: outbound}))
	sys := desk.SystemActor()
	always := map[string][]string{}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		always[d] = []string{"00:00-24:00"}
	}
	due := t0.Add(30 * time.Minute)
	err := svc.Batch(ctx, func(svc *service.Service) error {
		head := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Head", Email: "head@example.com", Role: "admin", Hours: always}))
		var leads []desk.Agent
		for i := range 4 {
			leads = append(leads, must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: fmt.Sprintf("Lead %d", i), Email: fmt.Sprintf("lead%d@example.com", i),
				Role: "lead", Team: "Leads", ManagerID: head.ID, Hours: always})))
		}
		var customers []desk.Customer
		for i := range n { // a customer each: none reaches the hourly limit of automatic mail
			customers = append(customers, must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: fmt.Sprintf("Customer %d", i), Email: fmt.Sprintf("c%d@example.com", i)})))
		}
		for i := range n {
			c := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: customers[i%len(customers)].ID, Subject: "Waiting for a call back",
				Body: "Please call me back about my order.", Channel: "email", OwnerID: leads[i%len(leads)].ID}))
			must(svc.MakePromise(ctx, desk.AgentActor(leads[i%len(leads)]), c.ID, desk.NewPromise{Kind: "callback", DueAt: due, Words: "I call you back today"}))
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	// Statistics as a grown desk has them (kept bench's data sets are analysed after loading).
	if _, err := rawOpen(b, backend, cfg).ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatalf("analyze: %v", err)
	}
	if err := svc.PrepareMail(ctx); err != nil { // as kept serve does before it starts the runner
		b.Fatal(err)
	}
	// A promise due sooner than the first reminder is reminded halfway: those reminders fire
	// first, untimed, so the timed run is the breaks alone.
	runner := jobs.NewRunner(st, clk, slog.New(slog.DiscardHandler), svc.Handlers())
	clk.Set(due.Add(-time.Minute))
	if _, err := runner.RunDue(ctx); err != nil {
		b.Fatal(err)
	}
	clk.Set(due.Add(time.Minute))
	stopProfile := profileTimed(b)
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	b.StartTimer()
	start, cpu0, stmts0 := time.Now(), cpuTime(), st.Statements()
	fired, err := runner.RunDue(ctx)
	took, cpu, stmts := time.Since(start), cpuTime()-cpu0, st.Statements()-stmts0
	b.StopTimer()
	runtime.ReadMemStats(&m1)
	stopProfile()
	if err != nil {
		b.Fatal(err)
	}
	if fired != n {
		b.Fatalf("%d of %d promises broke", fired, n)
	}
	return breakRun{took, cpu, m1.Mallocs - m0.Mallocs, m1.TotalAlloc - m0.TotalAlloc, stmts}
}

// profileTimed writes a CPU profile of the timed part alone to the file KEPT_BENCH_CPUPROFILE
// names (-cpuprofile also holds the setup, which dwarfs it), a file per run: name.1, name.2, ...
func profileTimed(b *testing.B) (stop func()) {
	name := os.Getenv("KEPT_BENCH_CPUPROFILE")
	if name == "" {
		return func() {}
	}
	profiles++
	f, err := os.Create(fmt.Sprintf("%s.%d", name, profiles))
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	// With an allocation profile before and after, `go tool pprof -sample_index=alloc_space
	// -base name.N.allocs0 name.N.allocs1` shows what the timed part allocated.
	writeAllocs := func(suffix string) {
		runtime.GC() // the profile holds allocations as of the last collection
		a, err := os.Create(fmt.Sprintf("%s.%d.%s", name, profiles, suffix))
		if err != nil {
			b.Fatal(err)
		}
		defer a.Close()
		if err := pprof.Lookup("allocs").WriteTo(a, 0); err != nil {
			b.Fatal(err)
		}
	}
	writeAllocs("allocs0")
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		writeAllocs("allocs1")
	}
}

var profiles int // runs profiled so far, for profileTimed's file names
