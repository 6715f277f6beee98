package bench

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/api"
	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/metrics"
	"github.com/keptdesk/kept/internal/service"
)

// BenchmarkCasePageOnData is kept bench's case page (the case, then its record of 100 entries,
// a random one of the data set's such cases) one request at a time over loopback HTTP, with no
// record kept, with the default bound and with a large one (issue 21). Each first reads
// warm pages untimed, so the kept records are those a desk would have after a while of the same
// reads. cpu_us/op is the process's CPU per page (server, HTTP and client).
//
//	KEPT_BENCH_DATA=/tmp/copy-of-m KEPT_BENCH_SCALE=M go test -run '^$' -bench CasePageOnData -benchtime 2000x ./internal/bench/
func BenchmarkCasePageOnData(b *testing.B) {
	e := onData(b, Options{Clients: 1})
	var long []int64
	for k := 7; k < e.g.scale.Cases; k += 100 {
		long = append(long, e.g.plan(k).id)
	}
	log := slog.New(slog.DiscardHandler)
	for _, bound := range []int64{0, service.DefaultRecordCacheBytes, 1 << 30} {
		b.Run(fmt.Sprintf("kept_%dMiB", bound>>20), func(b *testing.B) {
			svc := service.New(e.st, clock.System{}, log, service.WithRecordCache(bound))
			srv := httptest.NewServer(api.New(svc, log, metrics.New(), "bench").Handler())
			defer srv.Close()
			token, err := svc.IssueToken(b.Context(), e.g.ppl.head.ID, "bench")
			if err != nil {
				b.Fatal(err)
			}
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2, DisableCompression: true}}
			get := func(path string) {
				req, _ := http.NewRequest("GET", srv.URL+path, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				buf := make([]byte, 64<<10)
				for {
					if _, err := resp.Body.Read(buf); err != nil {
						break
					}
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("GET %s: %d", path, resp.StatusCode)
				}
			}
			rnd := rand.New(rand.NewPCG(1, 2))
			page := func() {
				id := long[rnd.IntN(len(long))]
				get(fmt.Sprintf("/api/v1/cases/%d", id))
				get(fmt.Sprintf("/api/v1/cases/%d/record", id))
			}
			for range 2000 {
				page()
			}
			took := make([]time.Duration, 0, b.N)
			cpu0 := cpuTime()
			for b.Loop() {
				start := time.Now()
				page()
				took = append(took, time.Since(start))
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(len(took)), "cpu_us/op")
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50_ms")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99_ms")
		})
	}
}

// cpuTime is the CPU the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
