package bench

import (
	"context"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/mailnet"
	"github.com/keptdesk/kept/internal/service"
)

// BenchmarkIngestOnData sends the mail kept bench's ingest phase sends (half new cases, half
// replies by ref, 8 senders over SMTP on loopback) to a data set kept bench generated, so
// intake is profiled against an index and tables of that size. KEPT_BENCH_DATA names the
// SQLite data folder (use a copy: every run adds cases to it), KEPT_BENCH_SCALE its scale
// (S when unset); skipped without them. KEPT_BENCH_PER_SESSION is how many messages a sender
// delivers over one SMTP session (DefaultPerSession when unset; 1 as before issue 21).
//
//	cp -r /tmp/kept-bench/s-sqlite /tmp/s-copy
//	KEPT_BENCH_DATA=/tmp/s-copy go test -run '^$' -bench IngestOnData -benchtime 4000x ./internal/bench/
func BenchmarkIngestOnData(b *testing.B) {
	e := onData(b, Options{Senders: 8}, service.WithMail(service.MailConfig{Address: "support@bench.kept.test"}))
	ctx, log, svc, o := context.Background(), slog.New(slog.DiscardHandler), e.svc, e.o
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
	e.smtpAddr = ln.Addr().String()

	stamp := time.Now().UnixNano()
	jobs := make(chan int64)
	var wg sync.WaitGroup
	var failed sync.Map
	b.ResetTimer()
	start := time.Now()
	perSession, _ := strconv.Atoi(os.Getenv("KEPT_BENCH_PER_SESSION"))
	for range o.Senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sender := newSMTPSender(e.smtpAddr, perSession)
			defer sender.close()
			for i := range jobs {
				from, raw := e.mail(i, stamp)
				if err := sender.send(from, "support@bench.kept.test", raw); err != nil {
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
	// Timed to the last word indexed (searchqueue.go): the indexing is intake's work too.
	if err := svc.FlushSearch(ctx); err != nil {
		b.Fatal(err)
	}
	took := time.Since(start)
	b.StopTimer()
	failed.Range(func(k, v any) bool { b.Fatalf("message %v: %v", k, v); return false })
	b.ReportMetric(float64(b.N)/took.Seconds(), "msgs/s")
}
