package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestPromiseEstimate checks what the case page shows while an agent chooses a due time:
// nothing until enough promises were kept, then how long they took, with a warning for a due
// time sooner than most were kept in; and nothing at all about a case the actor may not see.
func TestPromiseEstimate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		svc, clk := newService(t, backend)
		sys := desk.SystemActor()
		ann := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann", Email: "ann@example.ee", Role: "agent"}))
		asAnn := desk.AgentActor(ann)
		mari := must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari", Email: "mari@example.ee"}))
		open := func() int64 {
			return must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: mari.ID, Subject: "Call me", Body: "Please call", Channel: "web", OwnerID: ann.ID})).ID
		}
		first := open()
		due := clk.Now().Add(3 * time.Hour)
		if e, err := svc.PromiseEstimate(ctx, asAnn, first, "callback", due); err != nil || e != nil {
			t.Fatalf("without history: %+v, %v", e, err)
		}
		// Five call-backs kept, each two hours after it was made.
		for range desk.MinEstimateSamples {
			p := must(svc.MakePromise(ctx, asAnn, open(), desk.NewPromise{Kind: "callback", DueAt: clk.Now().Add(4 * time.Hour), Words: "I will call"}))
			clk.Advance(2 * time.Hour)
			must(svc.KeepPromise(ctx, asAnn, p.ID, ""))
			clk.Set(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
		}
		e := must(svc.PromiseEstimate(ctx, asAnn, first, "callback", clk.Now().Add(3*time.Hour)))
		if e == nil || e.Samples != 5 || e.MedianS != 7200 || e.P90S != 7200 || e.Warning != "" {
			t.Fatalf("estimate for a due time in 3 h: %+v", e)
		}
		if e := must(svc.PromiseEstimate(ctx, asAnn, first, "callback", clk.Now().Add(time.Hour))); e == nil || e.Warning == "" {
			t.Fatalf("a due time sooner than such promises took gave no warning: %+v", e)
		}
		if e := must(svc.PromiseEstimate(ctx, asAnn, first, "fix", clk.Now().Add(time.Hour))); e != nil {
			t.Fatalf("another kind borrowed the call-backs' history: %+v", e)
		}
		if _, err := svc.PromiseEstimate(ctx, asAnn, first, "callback", clk.Now().Add(-time.Hour)); err == nil {
			t.Fatal("an estimate for a past due time")
		}
		if _, err := svc.PromiseEstimate(ctx, desk.CustomerActor(mari), 999999, "callback", due); !isNotFound(err) {
			t.Fatalf("a case nobody may see: %v, want not found", err)
		}
	})
}
