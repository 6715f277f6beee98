package service_test

import (
	"context"
	"fmt"
	"strings"
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

// TestImportMapsTicketTypes (issue 19): a source's ticket type maps to a case type of the desk,
// so the imported history counts for that type's cases. Five solved "incident" tickets mapped
// to the desk's "Repair" give a Repair case an estimate from them, and their cases are Repair
// cases; five "question" tickets, unmapped and with no such type at the desk, stay untyped (the
// Repair case's estimate does not count them). A mapping to a type the desk lacks is refused
// before anything is written.
func TestImportMapsTicketTypes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		svc, clk := newService(t, backend)
		sys := desk.SystemActor()
		ann := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann", Email: "ann@example.ee", Role: "agent"}))
		must(svc.CreateCaseType(ctx, sys, desk.NewCaseType{Name: "Repair"}))
		mari := must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari", Email: "mari@example.ee"}))
		c := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: mari.ID, Subject: "Broken", Body: "It broke", Channel: "web", OwnerID: ann.ID, Type: "Repair"}))

		bad := service.ImportOptions{Source: "zendesk", File: "tickets.json", Types: map[string]string{"incident": "Fixing"}}
		if _, err := svc.CheckImport(ctx, sys, bad); err == nil || !strings.Contains(err.Error(), `"Fixing"`) {
			t.Fatalf("a mapping to a type the desk lacks: %v, want refused naming it", err)
		}

		// "question" left mapped to itself, as the written mapping file has it: no such type, none.
		opt := service.ImportOptions{Source: "zendesk", File: "tickets.json", Types: map[string]string{"incident": "Repair", "question": "question"}}
		if _, err := svc.CheckImport(ctx, sys, opt); err != nil {
			t.Fatal(err)
		}
		agent := service.ImportPerson{SourceID: "1", Name: "Old Agent", Email: "agent@old.example", Agent: true}
		var cases []service.ImportCase
		for i := range 10 {
			opened := time.Date(2025, 3, 1+i, 9, 0, 0, 0, time.UTC)
			cust := service.ImportPerson{SourceID: fmt.Sprint(100 + i), Name: fmt.Sprintf("Customer %d", i), Email: fmt.Sprintf("c%d@example.com", i)}
			typ, took := "incident", 3*time.Hour
			if i >= 5 {
				typ, took = "question", time.Hour // quicker: counted for Repair, they would move its median
			}
			cases = append(cases, service.ImportCase{SourceID: fmt.Sprint(9000 + i), Requester: cust, Assignee: agent, Subject: "Order late",
				Status: "solved", Type: typ, CreatedAt: opened, Entries: []service.ImportEntry{
					{At: opened, Author: cust, Public: true, Body: "Where is my order?"},
					{At: opened.Add(took), Author: agent, Public: false, Body: "Solved."},
				}})
		}
		if n := must(svc.ImportCases(ctx, sys, opt, cases)); n.Cases != 10 {
			t.Fatalf("imported %+v", n)
		}
		fix := must(svc.PromiseEstimate(ctx, desk.AgentActor(ann), c.ID, "fix", clk.Now().Add(5*time.Hour)))
		if fix == nil || fix.Samples != 5 || fix.MedianS != 3*3600 {
			t.Fatalf("a Repair case's fix estimate: %+v, want the 5 incidents' 3 hours", fix)
		}
		types := map[string]int{}
		for _, id := range []int64{c.ID + 1, c.ID + 5, c.ID + 6, c.ID + 10} {
			types[must(svc.Case(ctx, sys, id)).Type]++
		}
		if types["Repair"] != 2 || types[""] != 2 {
			t.Errorf("the imported cases' types: %v, want the incidents Repair and the questions none", types)
		}
	})
}
