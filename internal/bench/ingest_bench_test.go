package bench

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/smtp"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/mailnet"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
)

// BenchmarkIngestOnData sends the mail kept bench's ingest phase sends (half new cases, half
// replies by ref, 8 senders over SMTP on loopback) to a data set kept bench generated, so
// intake is profiled against an index and tables of that size. KEPT_BENCH_DATA names the
// SQLite data folder (use a copy: every run adds cases to it), KEPT_BENCH_SCALE its scale
// (S when unset); skipped without them.
//
//	cp -r /tmp/kept-bench/s-sqlite /tmp/s-copy
//	KEPT_BENCH_DATA=/tmp/s-copy go test -run '^$' -bench IngestOnData -benchtime 4000x ./internal/bench/
func BenchmarkIngestOnData(b *testing.B) {
	dir := os.Getenv("KEPT_BENCH_DATA")
	if dir == "" {
		b.Skip("KEPT_BENCH_DATA names no data set")
	}
	scale := os.Getenv("KEPT_BENCH_SCALE")
	if scale == "" {
		scale = "S"
	}
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	st, err := store.Open(ctx, store.Config{DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx, log); err != nil {
		b.Fatal(err)
	}
	svc := service.New(st, clock.System{}, log, service.WithMail(service.MailConfig{Address: "support@bench.kept.test"}))
	o := Options{Scale: scale, Seed: 1, Senders: 8, Say: io.Discard, Progress: func(string, int, int) {}}
	g, _, err := prepare(ctx, st, svc, Scales[scale], o, &profiler{})
	if err != nil {
		b.Fatal(err)
	}
	if err := svc.PrepareMail(ctx); err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := mailnet.NewServer(mailnet.ServerConfig{Domain: "bench.kept.test"}, svc, log)
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	e := &env{g: g, svc: svc, st: st, smtpAddr: ln.Addr().String(), o: o}

	stamp := time.Now().UnixNano()
	jobs := make(chan int64)
	var wg sync.WaitGroup
	var failed sync.Map
	b.ResetTimer()
	start := time.Now()
	for range o.Senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				from, raw := e.mail(i, stamp)
				if err := smtp.SendMail(e.smtpAddr, nil, from, []string{"support@bench.kept.test"}, raw); err != nil {
					failed.Store(i, err)
				}
			}
		}()
	}
	for i := range int64(b.N) {
		jobs <- i + 1
	}
	close(jobs)
	wg.Wait()
	took := time.Since(start)
	b.StopTimer()
	failed.Range(func(k, v any) bool { b.Fatalf("message %v: %v", k, v); return false })
	b.ReportMetric(float64(b.N)/took.Seconds(), "msgs/s")
}
