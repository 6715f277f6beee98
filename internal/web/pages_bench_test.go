package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/api"
	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/metrics"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
	"github.com/keptdesk/kept/internal/web"
)

// BenchmarkPages renders each page server-side, in process, with the demo data set (1,000
// cases), signed in as the demo's head of care or as a customer, and reports p50 and p99, and
// cpu_us/op, the process's CPU per page (PostgreSQL's own is not in it): what a shared machine
// measures more steadily than time.
//
//	go test -run '^$' -bench Pages -benchtime 200x ./internal/web/
func BenchmarkPages(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) { benchmarkPages(b, backend) })
	}
}

func benchmarkPages(b *testing.B, backend string) {
	st := storetest.Open(b, backend)
	clk := clock.NewFake(time.Now())
	log := slog.New(slog.DiscardHandler)
	m := metrics.New()
	svc := service.New(st, clk, log)
	w, err := web.New(svc, log, m, web.Options{Zone: time.UTC})
	if err != nil {
		b.Fatal(err)
	}
	h := w.Handler(api.New(svc, log, m, "bench").DrawsRecords(web.DrawRecord).Handler())
	dd := seedDemo(b, &testDesk{Svc: svc, Clock: clk, URL: "http://desk.test"})
	ctx := context.Background()
	agent, err := svc.SignIn(ctx, dd.HeadEmail, dd.HeadPassword)
	if err != nil {
		b.Fatal(err)
	}
	link, err := url.Parse(dd.portalLink(b))
	if err != nil {
		b.Fatal(err)
	}
	customer, err := svc.UsePortalLink(ctx, link.Query().Get("token"))
	if err != nil {
		b.Fatal(err)
	}
	pages := []struct{ name, path, token string }{
		{"inbox", "/inbox", agent.Token},
		{"team_inbox", "/inbox?view=team", agent.Token},
		{"case", "/cases/" + itoa(dd.CaseID), agent.Token},
		{"search", "/search?q=order", agent.Token},
		{"availability", "/availability", agent.Token},
		{"team", "/team", agent.Token},
		{"portal", "/portal", customer.Token},
		{"portal_case", "/portal/cases/" + itoa(dd.CustomerCaseID), customer.Token},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			took := make([]time.Duration, 0, b.N)
			cpu0 := cpuTime()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, p.path, nil)
				req.AddCookie(&http.Cookie{Name: "kept_session", Value: p.token})
				rec := httptest.NewRecorder()
				start := time.Now()
				h.ServeHTTP(rec, req)
				took = append(took, time.Since(start))
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "</html>") {
					b.Fatalf("%s: status %d", p.path, rec.Code)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(len(took)), "cpu_us/op")
			slices.Sort(took)
			ms := func(q float64) float64 { return float64(took[int(q*float64(len(took)-1))].Microseconds()) / 1000 }
			b.ReportMetric(ms(0.5), "p50_ms")
			b.ReportMetric(ms(0.99), "p99_ms")
		})
	}
}

// cpuTime is the CPU the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
