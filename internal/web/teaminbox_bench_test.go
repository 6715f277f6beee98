package web_test

import (
	"context"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/api"
	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/metrics"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
	"github.com/keptdesk/kept/internal/web"
)

// BenchmarkTeamInbox5000: the inbox of a team with 5,000 open cases (issue 16: "pages and
// filters in under 50 ms server time"), served in process and rendered, signed in as one of
// the team's ten agents: the team's first page (200 cases by what falls due next), filtered
// by priority, by tag and by owner (the agent's own 500), and the fifth page (cursor paging).
// Each case was opened through the service (in one batch), with its response clock running.
//
//	go test -run '^$' -bench TeamInbox5000 -benchtime 50x ./internal/web/
func BenchmarkTeamInbox5000(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) { benchmarkTeamInbox(b, backend) })
	}
}

var olderLink = regexp.MustCompile(`href="([^"]*)" rel="next" id="inbox-older"`)

func benchmarkTeamInbox(b *testing.B, backend string) {
	st := storetest.Open(b, backend)
	clk := clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	log := slog.New(slog.DiscardHandler)
	m := metrics.New()
	svc := service.New(st, clk, log)
	w, err := web.New(svc, log, m, web.Options{Zone: time.UTC})
	if err != nil {
		b.Fatal(err)
	}
	h := w.Handler(api.New(svc, log, m, "bench").DrawsRecords(web.DrawRecord).Handler())
	ctx, sys := context.Background(), desk.SystemActor()
	var agents []desk.Agent
	err = svc.Batch(ctx, func(svc *service.Service) error {
		for i := range 10 {
			a, err := svc.CreateAgent(ctx, sys, desk.NewAgent{Name: fmt.Sprint("Billing agent ", i), Email: fmt.Sprintf("billing%d@desk.test", i), Role: "agent", Team: "Billing"})
			if err != nil {
				return err
			}
			agents = append(agents, a)
		}
		high := "high"
		for i := range 5000 {
			clk.Advance(time.Second)
			cu, err := svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: fmt.Sprint("Customer ", i), Email: fmt.Sprintf("c%d@example.com", i)})
			if err != nil {
				return err
			}
			c, err := svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: cu.ID, Subject: fmt.Sprintf("Invoice %d charged twice", i), Body: "Please refund one.",
				Channel: "email", OwnerID: agents[i%len(agents)].ID})
			if err != nil {
				return err
			}
			var in service.LabelsIn
			if i%10 == 3 {
				in.Priority = &high
			}
			if i%7 == 2 {
				in.Tags = []string{"vip"}
			}
			if in.Priority != nil || in.Tags != nil {
				if _, err := svc.SetLabels(ctx, sys, c.ID, in); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := svc.SetPassword(ctx, agents[0].ID, "a long bench password"); err != nil {
		b.Fatal(err)
	}
	sess, err := svc.SignIn(ctx, agents[0].Email, "a long bench password")
	if err != nil {
		b.Fatal(err)
	}
	serve := func(path string) string {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.AddCookie(&http.Cookie{Name: "kept_session", Value: sess.Token})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "</html>") {
			b.Fatalf("%s: status %d", path, rec.Code)
		}
		return rec.Body.String()
	}
	fifth := "/inbox?scope=team"
	for range 4 {
		next := olderLink.FindStringSubmatch(serve(fifth))
		if next == nil {
			b.Fatalf("%s has no next page", fifth)
		}
		fifth = html.UnescapeString(next[1])
	}
	pages := []struct{ name, path string }{
		{"first_page", "/inbox?scope=team"},
		{"priority_high", "/inbox?scope=team&priority=high"},
		{"tag_vip", "/inbox?scope=team&tag=vip"},
		{"owner_mine", "/inbox"},
		{"fifth_page", fifth},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			took := make([]time.Duration, 0, b.N)
			cpu0 := cpuTime()
			for b.Loop() {
				start := time.Now()
				serve(p.path)
				took = append(took, time.Since(start))
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(len(took)), "cpu_us/op") // PostgreSQL's own CPU is not in it
			slices.Sort(took)
			ms := func(q float64) float64 { return float64(took[int(q*float64(len(took)-1))].Microseconds()) / 1000 }
			b.ReportMetric(ms(0.5), "p50_ms")
			b.ReportMetric(ms(0.99), "p99_ms")
		})
	}
}
