package service_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/jobs"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestInbox checks the inbox's order (what falls due next first) and who sees which inbox.
func TestInbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		asAnn := desk.AgentActor(sc.ann)
		waiting := sc.openCase(sc.ann, "Router blinks red") // the customer waits: response target in 24 h
		sc.advance(time.Minute)
		promised := sc.openCase(sc.ann, "Invoice twice")
		must(sc.svc.MakePromise(sc.ctx, asAnn, promised.ID, desk.NewPromise{Kind: "callback", DueAt: sc.at(0, "15:00"), Words: "I will call you at 15:00"}))
		bobs := sc.openCase(sc.bob, "Parcel lost")

		inbox := must(sc.svc.Inbox(sc.ctx, asAnn, service.InboxQuery{}))
		if len(inbox) != 2 || inbox[0].CaseID != promised.ID || inbox[1].CaseID != waiting.ID {
			t.Fatalf("Ann's inbox = %+v, want the promised case, then the waiting one", inbox)
		}
		p, w := inbox[0], inbox[1]
		if p.NextDueKind != "promise" || p.NextDue == nil || !p.NextDue.Equal(sc.at(0, "15:00")) || p.Overdue || p.Escalated ||
			p.CustomerName != sc.mari.Name || p.Ref != promised.Ref || p.Status != desk.StatusOpen || p.OwnerID != sc.ann.ID {
			t.Errorf("promised row = %+v", p)
		}
		if w.NextDueKind != "response" || w.NextDue == nil || !w.NextDue.Equal(monday.Add(24*time.Hour)) {
			t.Errorf("waiting row = %+v", w)
		}
		sc.clock.Advance(6 * time.Hour) // past 15:00, the breach timer not yet run
		if got := must(sc.svc.Inbox(sc.ctx, asAnn, service.InboxQuery{})); !got[0].Overdue || got[1].Overdue {
			t.Errorf("after 15:00: %+v", got)
		}
		team := must(sc.svc.Inbox(sc.ctx, asAnn, service.InboxQuery{Team: "Billing"}))
		if len(team) != 3 || team[2].CaseID != bobs.ID {
			t.Errorf("Billing's inbox = %+v, want Ann's two, then Bob's", team)
		}
		if got := must(sc.svc.Inbox(sc.ctx, asAnn, service.InboxQuery{OwnerID: sc.bob.ID})); len(got) != 1 || got[0].CaseID != bobs.ID {
			t.Errorf("Bob's inbox as Ann = %+v", got)
		}
		if _, err := sc.svc.Inbox(sc.ctx, asAnn, service.InboxQuery{Team: "Nope"}); err == nil {
			t.Error("an unknown team was accepted")
		}
		if got := must(sc.svc.Inbox(sc.ctx, desk.CustomerActor(sc.mari), service.InboxQuery{OwnerID: sc.ann.ID})); len(got) != 0 {
			t.Errorf("the customer sees an inbox: %+v", got)
		}
		hp := must(sc.svc.CreatePartner(sc.ctx, sc.sys, "HP hardware service"))
		tech := desk.AgentActor(must(sc.svc.CreateAgent(sc.ctx, sc.sys, desk.NewAgent{Name: "Tom Tech", Email: "tom@hp.example.com", Role: "partner", PartnerID: hp.ID})))
		if got := must(sc.svc.Inbox(sc.ctx, tech, service.InboxQuery{OwnerID: sc.ann.ID})); len(got) != 0 {
			t.Errorf("a partner sees cases not handed to them: %+v", got)
		}
		must(sc.svc.AssignPartner(sc.ctx, asAnn, waiting.ID, hp.ID, 0))
		if got := must(sc.svc.Inbox(sc.ctx, tech, service.InboxQuery{})); len(got) != 1 || got[0].CaseID != waiting.ID {
			t.Errorf("the partner's inbox = %+v, want the handed case", got)
		}
	})
}

// TestTimerEvents checks that what timers append is reported like what commands append: the
// response target's escalation reaches the events callback once its transaction commits.
func TestTimerEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		clk := clock.NewFake(monday)
		st := storetest.Open(t, backend)
		var mu sync.Mutex
		var events []service.Event
		svc := service.New(st, clk, slog.New(slog.DiscardHandler), service.WithEvents(func(e service.Event) {
			mu.Lock()
			events = append(events, e)
			mu.Unlock()
		}))
		runner := jobs.NewRunner(st, clk, slog.New(slog.DiscardHandler), svc.Handlers())
		sys := desk.SystemActor()
		must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann", Email: "ann@example.ee", Role: "agent"}))
		cu := must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari", Email: "mari@example.ee"}))
		c := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: cu.ID, Subject: "Router", Body: "It blinks red.", Channel: "email"}))
		mu.Lock()
		events = nil
		mu.Unlock()
		clk.Advance(25 * time.Hour)
		if _, err := runner.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		entries := 0
		for _, e := range events {
			if e.CaseID == c.ID {
				entries += e.Entries
			}
		}
		if entries == 0 {
			t.Errorf("the escalation's entries were not reported: %+v", events)
		}
	})
}
