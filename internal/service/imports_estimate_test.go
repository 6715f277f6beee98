package service_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestEstimateFromImportedHistory (story 16, issue 19): a desk that has kept no promise yet but
// imported its history from another desk estimates from that history. Five imported tickets,
// each answered an hour after the customer wrote and solved three hours after it was opened,
// give an agent about to promise a fix "3 hours (median)", and an update "1 hour"; a fix
// promised in two hours is warned about. Before, the estimate read only the desk's own kept
// promises, and said nothing.
func TestEstimateFromImportedHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		svc, clk := newService(t, backend)
		sys := desk.SystemActor()
		ann := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann", Email: "ann@example.ee", Role: "agent"}))
		asAnn := desk.AgentActor(ann)
		mari := must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari", Email: "mari@example.ee"}))
		c := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: mari.ID, Subject: "Broken", Body: "It broke", Channel: "web", OwnerID: ann.ID}))
		for _, kind := range []string{"fix", "update"} {
			if e := must(svc.PromiseEstimate(ctx, asAnn, c.ID, kind, clk.Now().Add(5*time.Hour))); e != nil {
				t.Fatalf("%s without any history: %+v", kind, e)
			}
		}

		opt := service.ImportOptions{Source: "zendesk", File: "tickets.json"}
		agent := service.ImportPerson{SourceID: "1", Name: "Old Agent", Email: "agent@old.example", Agent: true}
		var cases []service.ImportCase
		for i := range 5 {
			opened := time.Date(2025, 3, 1+i, 9, 0, 0, 0, time.UTC)
			cust := service.ImportPerson{SourceID: fmt.Sprint(100 + i), Name: fmt.Sprintf("Customer %d", i), Email: fmt.Sprintf("c%d@example.com", i)}
			cases = append(cases, service.ImportCase{SourceID: fmt.Sprint(9000 + i), Requester: cust, Assignee: agent, Subject: "Order late",
				Status: "solved", CreatedAt: opened, Entries: []service.ImportEntry{
					{At: opened, Author: cust, Public: true, Body: "Where is my order?"},
					{At: opened.Add(time.Hour), Author: agent, Public: true, Body: "It is on its way."},
					{At: opened.Add(3 * time.Hour), Author: agent, Public: false, Body: "Delivered, solved."},
				}})
		}
		// One still open: no fix to count, but its answer is an update.
		cases[4].Status = "open"
		n := must(svc.ImportCases(ctx, sys, opt, cases))
		if n.Cases != 5 {
			t.Fatalf("imported %+v", n)
		}

		fix := must(svc.PromiseEstimate(ctx, asAnn, c.ID, "fix", clk.Now().Add(5*time.Hour)))
		if fix != nil {
			t.Fatalf("a fix estimate from 4 solved tickets (fewer than %d): %+v", desk.MinEstimateSamples, fix)
		}
		// A fifth solved ticket makes enough history.
		more := cases[3]
		more.SourceID, more.CreatedAt = "9005", more.CreatedAt.AddDate(0, 0, 7)
		for i := range more.Entries {
			more.Entries[i].At = more.Entries[i].At.AddDate(0, 0, 7)
		}
		must(svc.ImportCases(ctx, sys, opt, []service.ImportCase{more}))

		fix = must(svc.PromiseEstimate(ctx, asAnn, c.ID, "fix", clk.Now().Add(5*time.Hour)))
		if fix == nil || fix.Samples != 5 || fix.MedianS != 3*3600 || fix.P90S != 3*3600 || fix.Warning != "" {
			t.Fatalf("fix estimate from the imported history: %+v, want 5 samples of 3 hours", fix)
		}
		update := must(svc.PromiseEstimate(ctx, asAnn, c.ID, "update", clk.Now().Add(5*time.Hour)))
		if update == nil || update.Samples != 6 || update.MedianS != 3600 {
			t.Fatalf("update estimate from the imported history: %+v, want 6 samples of 1 hour", update)
		}
		if e := must(svc.PromiseEstimate(ctx, asAnn, c.ID, "fix", clk.Now().Add(2*time.Hour))); e == nil || e.Warning == "" {
			t.Fatalf("a fix due sooner than the imported tickets took was not warned about: %+v", e)
		}
		// Making the promise shows the same estimate.
		p := must(svc.MakePromise(ctx, asAnn, c.ID, desk.NewPromise{Kind: "fix", DueAt: clk.Now().Add(5 * time.Hour), Words: "Fixed by tonight"}))
		if p.Estimate == nil || p.Estimate.Samples != 5 || p.Estimate.MedianS != 3*3600 {
			t.Fatalf("the promise made shows %+v", p.Estimate)
		}
		// A second run of the same import adds no history.
		must(svc.ImportCases(ctx, sys, opt, cases))
		if e := must(svc.PromiseEstimate(ctx, asAnn, c.ID, "fix", clk.Now().Add(5*time.Hour))); e == nil || e.Samples != 5 {
			t.Fatalf("after importing again: %+v", e)
		}
	})
}
