// Package bench measures a whole desk on this machine: it generates a deterministic data set
// through the store's bulk path (or reuses one of the same scale and seed), then runs the real
// server's parts in this process — the SMTP listener, the JSON API over loopback HTTP and the
// timer runner, on the system clock — and measures mail intake, the inbox, the case page,
// search, timer lag, idle CPU and memory. kept bench is its command.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/api"
	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/jobs"
	"github.com/keptdesk/kept/internal/mailnet"
	"github.com/keptdesk/kept/internal/metrics"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
)

// Options say what to generate and how long to measure.
type Options struct {
	Config        store.Config
	Scale         string
	Seed          uint64
	Duration      time.Duration // each HTTP measure, and mail intake
	Senders       int           // concurrent SMTP senders
	PerSession    int           // messages a sender delivers over one SMTP session (0: DefaultPerSession)
	Clients       int           // concurrent HTTP clients
	ReplyRate     int           // replies a second in the replies measure (0: as fast as the clients can)
	IntakeReplies int           // replies a second, each mailed, made during mail intake (0: none)
	TimerPromises int           // promises falling due in the timer measure
	TimerWindow   time.Duration // …over this long
	TimerWait     time.Duration // how long after the last due time to wait for breaks (0: 10 windows, at least 2 min)
	Idle          time.Duration // how long idle CPU is measured
	ReportDays    int           // the period each report is timed over, in days (0: DefaultReportDays)
	ReportRuns    int           // how many times each report and scope is asked (0: once)
	ProfileDir    string        // when set, a CPU profile per phase is written here
	GenerateOnly  bool          // stop once the data set is there (to generate several at once)
	MemoryLimit   int64         // the Go runtime's soft memory limit while measuring, as kept serve sets it (0: left as it is)
	Version       string
	Log           *slog.Logger // the server's log (warnings and errors)
	Say           io.Writer    // where each measure's method and progress lines go
	Progress      Progress     // generation progress (nil: none)
}

// Result is what a run measured. Latencies are milliseconds.
type Result struct {
	Scale            string                 `json:"scale"`
	Seed             uint64                 `json:"seed"`
	Backend          string                 `json:"backend"`
	Cores            int                    `json:"cores"`
	Customers        int64                  `json:"customers"`
	Cases            int64                  `json:"cases"`
	Entries          int64                  `json:"entries"`
	Promises         int64                  `json:"promises"`
	DBCases          int64                  `json:"db_cases"`
	DBEntries        int64                  `json:"db_entries"`
	Generated        bool                   `json:"generated"`
	GenerationS      float64                `json:"generation_s"`
	EarlierRuns      int                    `json:"earlier_runs"`
	LoadStart        string                 `json:"load_avg_start"`
	LoadEnd          string                 `json:"load_avg_end"`
	IngestMsgs       int                    `json:"ingest_msgs"`
	IngestPerS       float64                `json:"ingest_msgs_per_s"`
	IngestP50        float64                `json:"ingest_p50_ms"`
	IngestP99        float64                `json:"ingest_p99_ms"`
	FloorP50         float64                `json:"floor_p50_ms"`
	FloorP99         float64                `json:"floor_p99_ms"`
	FloorRPS         float64                `json:"floor_req_per_s"`
	InboxP50         float64                `json:"inbox_p50_ms"`
	InboxP99         float64                `json:"inbox_p99_ms"`
	InboxRPS         float64                `json:"inbox_req_per_s"`
	CaseP50          float64                `json:"case_p50_ms"`
	CaseP99          float64                `json:"case_p99_ms"`
	CaseRPS          float64                `json:"case_req_per_s"`
	SearchP50        float64                `json:"search_p50_ms"`
	SearchP99        float64                `json:"search_p99_ms"`
	SearchRPS        float64                `json:"search_req_per_s"`
	SearchKinds      map[string]KindStats   `json:"search_by_kind"`
	ReportDays       int                    `json:"report_days"`
	Reports          map[string]ReportStats `json:"reports"`
	ReportsMax       float64                `json:"reports_max_ms"`
	TimerN           int                    `json:"timer_promises"`
	TimerBroken      int                    `json:"timer_broken"`
	TimerLagP50      float64                `json:"timer_lag_p50_ms"`
	TimerLagP99      float64                `json:"timer_lag_p99_ms"`
	TimerLagMax      float64                `json:"timer_lag_max_ms"`
	TimerBreaksPerS  float64                `json:"timer_breaks_per_s"`
	TimerRecordedP99 float64                `json:"timer_recorded_lag_p99_ms"`
	RepliesN         int                    `json:"replies"`
	RepliesPerS      float64                `json:"replies_per_s"`
	OutboxLagP50     float64                `json:"outbox_lag_p50_ms"`
	OutboxLagP99     float64                `json:"outbox_lag_p99_ms"`
	OutboxCatchUpS   float64                `json:"outbox_catch_up_s"`
	IntakeRepliesN   int                    `json:"intake_replies"`
	IntakeOutboxP50  float64                `json:"intake_outbox_lag_p50_ms"`
	IntakeOutboxP99  float64                `json:"intake_outbox_lag_p99_ms"`
	IdleCPU          float64                `json:"idle_cpu_pct"`
	IdleDBCPU        float64                `json:"idle_db_cpu_pct"`
	RSSMB            float64                `json:"rss_mb"`
	HeapMB           float64                `json:"go_heap_mb"`
	TotalSeconds     float64                `json:"total_s"`
}

// KindStats are the latencies of one kind of request.
type KindStats struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50_ms"`
	P99 float64 `json:"p99_ms"`
}

// Run generates (or reuses) the data set and measures it.
func Run(ctx context.Context, o Options) (Result, error) {
	began := time.Now()
	sc, ok := Scales[strings.ToUpper(o.Scale)]
	if !ok {
		return Result{}, fmt.Errorf("unknown scale %q (use XS, S or M)", o.Scale)
	}
	if o.Say == nil {
		o.Say = io.Discard
	}
	if o.Progress == nil {
		o.Progress = func(string, int, int) {}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	res := Result{Scale: sc.Name, Seed: o.Seed, Cores: runtime.NumCPU(), LoadStart: loadAvg()}
	fmt.Fprintf(o.Say, "load average at start: %s (%d cores)\n", res.LoadStart, res.Cores)

	st, err := store.Open(ctx, o.Config)
	if err != nil {
		return res, err
	}
	defer st.Close()
	if err := st.Migrate(ctx, o.Log); err != nil {
		return res, err
	}
	res.Backend = st.Backend()
	prof := profiler{dir: o.ProfileDir}

	// Timers wake the runner as in kept serve; set once the runner exists.
	var runner *jobs.Runner
	m := metrics.New()
	svc := service.New(st, clock.System{}, o.Log, service.WithEvents(func(e service.Event) {
		m.Committed(e.CaseOpened, e.Entries)
		if e.Timers && runner != nil {
			runner.Wake()
		}
	}), service.WithMail(service.MailConfig{Address: "support@bench.kept.test"}))

	g, marker, err := prepare(ctx, st, svc, sc, o, &prof)
	if err != nil {
		return res, err
	}
	res.Generated = marker.Runs == 0 && marker.GeneratedAt.After(began)
	res.GenerationS, res.EarlierRuns = marker.GenSeconds, marker.Runs
	res.Customers, res.Cases, res.Entries, res.Promises = marker.Customers, marker.Cases, marker.Entries, marker.Promises
	if o.GenerateOnly {
		res.LoadEnd = loadAvg()
		res.TotalSeconds = time.Since(began).Seconds()
		return res, nil
	}
	marker.Runs++
	if err := saveMarker(ctx, st, marker); err != nil {
		return res, err
	}
	// What generating left on the heap is not the server's.
	runtime.GC()
	debug.FreeOSMemory()
	if o.MemoryLimit > 0 {
		// Set only now: generating may hold more, and is not what the RSS target is about.
		debug.SetMemoryLimit(o.MemoryLimit)
	}

	// The server, as kept serve runs it: timers, the API on loopback HTTP, SMTP on loopback.
	if err := svc.PrepareMail(ctx); err != nil {
		return res, err
	}
	runner = svc.Timers(o.Log)
	rctx, stopRunner := context.WithCancel(ctx)
	runnerDone := make(chan error, 1)
	go func() { runnerDone <- runner.Run(rctx) }()
	defer func() { stopRunner(); <-runnerDone }()

	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	hs := &http.Server{Handler: api.New(svc, o.Log, m, o.Version).Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(hl) }()
	defer hs.Close()
	sl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	// All senders are on loopback: one client address, allowed as many sessions as they open.
	smtpd := mailnet.NewServer(mailnet.ServerConfig{Domain: "bench.kept.test", MaxSessions: max(mailnet.DefaultMaxSessions, 2*o.Senders),
		MaxPerClient: max(mailnet.DefaultMaxPerClient, 2*o.Senders)}, svc, o.Log)
	go func() { _ = smtpd.Serve(sl) }()
	defer func() { _ = smtpd.Close() }()
	env := &env{g: g, svc: svc, st: st, runner: runner, httpURL: "http://" + hl.Addr().String(), smtpAddr: sl.Addr().String(), o: o, say: o.Say, runNo: marker.Runs}
	if err := env.tokens(ctx); err != nil {
		return res, err
	}

	steps := []struct {
		name string
		run  func(context.Context, *Result) error
	}{
		{"ingest", env.ingest},
		{"floor", env.floor},
		{"inbox", env.inbox},
		{"case", env.casePage},
		{"search", env.search},
		{"reports", env.reports},
		{"timers", env.timers},
		{"replies", env.replies},
	}
	for _, s := range steps {
		if err := prof.start(s.name); err != nil {
			return res, err
		}
		err := s.run(ctx, &res)
		prof.stop()
		if err != nil {
			return res, fmt.Errorf("%s: %w", s.name, err)
		}
		// Which phase grows the memory: what the Go runtime holds, and the rest (SQLite's
		// caches and statements under modernc, which allocates outside the Go heap).
		fmt.Fprintf(o.Say, "  RSS %.0f MB after %s (Go runtime %.0f MB)\n", rssMB(), s.name, goSysMB())
	}
	if err := env.idle(ctx, &res); err != nil {
		return res, err
	}
	res.RSSMB, res.HeapMB = rssMB(), heapMB()
	fmt.Fprintf(o.Say, "memory: RSS %.0f MB after the measures (/proc/self/status VmRSS: server and load generator in one process; Go heap %.0f MB)\n", res.RSSMB, res.HeapMB)
	counts, err := st.Count(ctx)
	if err != nil {
		return res, err
	}
	res.DBCases, res.DBEntries = counts.Cases, counts.Entries
	res.LoadEnd = loadAvg()
	fmt.Fprintf(o.Say, "load average at end: %s\n", res.LoadEnd)
	res.TotalSeconds = time.Since(began).Seconds()
	return res, nil
}

// prepare reuses the data set the database holds for this scale and seed, or generates it
// into an empty database. A database holding anything else is refused: bench never adds
// generated customers to a real desk.
func prepare(ctx context.Context, st *store.Store, svc *service.Service, sc Scale, o Options, prof *profiler) (*Generator, Marker, error) {
	raw, err := st.BenchMarker(ctx)
	if err != nil {
		return nil, Marker{}, err
	}
	if raw != "" {
		var mk Marker
		if err := json.Unmarshal([]byte(raw), &mk); err != nil {
			return nil, mk, fmt.Errorf("read the bench marker: %w", err)
		}
		if mk.Scale != sc.Name || mk.Seed != o.Seed {
			return nil, mk, fmt.Errorf("this database holds the bench data set of scale %s, seed %d (not scale %s, seed %d); use another --data or --db",
				mk.Scale, mk.Seed, sc.Name, o.Seed)
		}
		g := newGenerator(mk.Seed, sc, mk.GeneratedAt)
		g.ids = store.BulkIDs{Customer: mk.FirstCust, Case: mk.FirstCase}
		if err := g.loadPeople(ctx, svc); err != nil {
			return nil, mk, err
		}
		fmt.Fprintf(o.Say, "reusing the scale %s data set (seed %d) generated %s in %.0f s", mk.Scale, mk.Seed, mk.GeneratedAt.Format(time.RFC3339), mk.GenSeconds)
		if mk.Runs > 0 {
			fmt.Fprintf(o.Say, "; measured %d time(s) since, each run adding mail and timer cases", mk.Runs)
		}
		fmt.Fprintln(o.Say)
		return g, mk, nil
	}
	counts, err := st.Count(ctx)
	if err != nil {
		return nil, Marker{}, err
	}
	if counts.Cases > 0 || counts.Customers > 0 {
		return nil, Marker{}, errors.New("the database holds a desk that kept bench did not generate; give bench an empty --data folder or --db database")
	}
	began := time.Now()
	g := newGenerator(o.Seed, sc, began)
	fmt.Fprintf(o.Say, "generating scale %s (seed %d): %d customers, %d cases, about %d entries, through the bulk path\n",
		sc.Name, o.Seed, sc.Customers, sc.Cases, sc.Cases*10)
	if err := prof.start("generate"); err != nil {
		return nil, Marker{}, err
	}
	defer prof.stop()
	if err := g.createPeople(ctx, svc); err != nil {
		return nil, Marker{}, fmt.Errorf("create agents: %w", err)
	}
	if err := g.loadPeople(ctx, svc); err != nil {
		return nil, Marker{}, err
	}
	if g.ids, err = st.NextIDs(ctx); err != nil {
		return nil, Marker{}, err
	}
	entries, promises, err := g.generate(ctx, st, o.Progress)
	if err != nil {
		return nil, Marker{}, fmt.Errorf("generate: %w", err)
	}
	// The bulk path writes the tables only: the report roll-ups are worked out from them once,
	// as `kept reports rebuild` does.
	rollBegan := time.Now()
	if err := st.RebuildRollups(ctx, func(done, total int) {
		if o.Progress != nil {
			o.Progress("report roll-ups", done, total)
		}
	}); err != nil {
		return nil, Marker{}, fmt.Errorf("generate: report roll-ups: %w", err)
	}
	fmt.Fprintf(o.Say, "report roll-ups rebuilt in %.1f s\n", time.Since(rollBegan).Seconds())
	mk := Marker{Scale: sc.Name, Seed: o.Seed, Customers: int64(sc.Customers), Cases: int64(sc.Cases), Entries: entries, Promises: promises,
		FirstCase: g.ids.Case, FirstCust: g.ids.Customer, GeneratedAt: g.now, GenSeconds: time.Since(began).Seconds()}
	fmt.Fprintf(o.Say, "generated %d cases and %d entries in %.1f s\n", mk.Cases, mk.Entries, mk.GenSeconds)
	return g, mk, saveMarker(ctx, st, mk)
}

func saveMarker(ctx context.Context, st *store.Store, mk Marker) error {
	b, err := json.Marshal(mk)
	if err != nil {
		return err
	}
	return st.SetBenchMarker(ctx, string(b))
}

// profiler writes one CPU profile per phase when a folder is given.
type profiler struct {
	dir string
	f   *os.File
}

func (p *profiler) start(name string) error {
	if p.dir == "" {
		return nil
	}
	if err := os.MkdirAll(p.dir, 0o750); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(p.dir, name+".pprof"))
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return err
	}
	p.f = f
	return nil
}

func (p *profiler) stop() {
	if p.f == nil {
		return
	}
	pprof.StopCPUProfile()
	p.f.Close()
	p.f = nil
}
