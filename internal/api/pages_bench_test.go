package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/api"
	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/metrics"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// BenchmarkAPIPages sends kept bench's two page loads over loopback HTTP, one at a time, as a
// line agent with their own token: the inbox (60 open cases, a page of 50) and the case page
// (the case, then its record of 100 entries). cpu_us/op is the process's CPU per request
// (server, HTTP and client), the measure 16 clients on 2 cores are bound by; stmts/op the
// statements a page sends the database:
//
//	go test -run '^$' -bench APIPages -benchtime 2000x -count 3 ./internal/api/
func BenchmarkAPIPages(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) { benchmarkAPIPages(b, backend) })
	}
}

func benchmarkAPIPages(b *testing.B, backend string) {
	st := storetest.Open(b, backend)
	clk := clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	svc := service.New(st, clk, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(api.New(svc, slog.New(slog.DiscardHandler), metrics.New(), "bench").Handler())
	b.Cleanup(srv.Close)
	ctx := context.Background()
	admin, _, err := svc.EnsureAgent(ctx, "admin@example.com", "Ada Admin", desk.RoleAdmin)
	if err != nil {
		b.Fatal(err)
	}
	adminActor := desk.AgentActor(admin)
	agent, err := svc.CreateAgent(ctx, adminActor, desk.NewAgent{Name: "Ann Tamm", Email: "ann@example.ee", Role: string(desk.RoleAgent), Team: "Billing"})
	if err != nil {
		b.Fatal(err)
	}
	token, err := svc.IssueToken(ctx, agent.ID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	var big int64
	for i := range 60 {
		cust, err := svc.CreateCustomer(ctx, adminActor, desk.NewCustomer{Name: fmt.Sprintf("Customer %d", i), Email: fmt.Sprintf("c%d@example.ee", i)})
		if err != nil {
			b.Fatal(err)
		}
		c, err := svc.OpenCase(ctx, adminActor, desk.NewCase{CustomerID: cust.ID, Subject: fmt.Sprintf("Invoice %d charged twice", i),
			Body: "Tere! I was charged twice for order ORD-2026-00417.\nPlease refund one.", Channel: "email", OwnerID: agent.ID})
		if err != nil {
			b.Fatal(err)
		}
		big = c.ID
		clk.Advance(time.Minute)
	}
	for n := 0; n < 100; {
		rec, err := svc.Record(ctx, adminActor, big)
		if err != nil {
			b.Fatal(err)
		}
		if n = len(rec); n >= 100 {
			break
		}
		body := "Checked the invoice again; the refund is queued for the next run."
		if n%2 == 0 {
			_, err = svc.AddMessage(ctx, desk.AgentActor(agent), big, desk.NewMessage{Body: body, Internal: true})
		} else {
			_, err = svc.LogCall(ctx, desk.AgentActor(agent), big, desk.NewCall{Direction: "outbound", At: clk.Now(), DurationS: 60, Summary: body})
		}
		if err != nil {
			b.Fatal(err)
		}
		clk.Advance(time.Minute)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}}
	get := func(path string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("GET %s: %d %v %s", path, resp.StatusCode, err, body)
		}
	}
	pages := []struct {
		name  string
		paths []string
	}{
		{"inbox", []string{fmt.Sprintf("/api/v1/cases?owner_id=%d&status=open,awaiting_confirmation&limit=50", agent.ID)}},
		{"case", []string{fmt.Sprintf("/api/v1/cases/%d", big), fmt.Sprintf("/api/v1/cases/%d/record", big)}},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			took := make([]time.Duration, 0, b.N)
			cpu0, stmts0 := cpuTime(), st.Statements()
			for b.Loop() {
				start := time.Now()
				for _, path := range p.paths {
					get(path)
				}
				took = append(took, time.Since(start))
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(len(took)), "cpu_us/op")
			// Each a round trip on PostgreSQL, where the server's CPU is not in cpu_us.
			b.ReportMetric(float64(st.Statements()-stmts0)/float64(len(took)), "stmts/op")
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50_ms")
		})
	}
}

// cpuTime is the CPU the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
