package service_test

import (
	"context"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// countingService is a service that counts the reads it opens on the store.
func countingService(t *testing.T, backend string) (*service.Service, *clock.Fake, *atomic.Int64) {
	t.Helper()
	var reads atomic.Int64
	clk := clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	svc := service.New(storetest.Open(t, backend), clk, slog.New(slog.DiscardHandler), service.WithReads(func() { reads.Add(1) }))
	return svc, clk, &reads
}

// readsOf is how many reads fn opened.
func readsOf(reads *atomic.Int64, fn func()) int64 {
	before := reads.Load()
	fn()
	return reads.Load() - before
}

// TestCasePageReadsOnce checks that the case page is one read holding everything the page
// shows — the case, its record as the reader may see it, its promises with names, who could
// take it over, the customer with their cases, documents and canned replies, whether offers are
// blocked and the estimate for the promise just made — and that a partner's user gets only what
// they may see.
func TestCasePageReadsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		svc, clk, reads := countingService(t, backend)
		sys := desk.SystemActor()
		mona := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Mona Manager", Email: "mona@example.ee", Role: "manager", Team: "Care"}))
		ann := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann Tamm", Email: "ann@example.ee", Role: "agent", Team: "Care", ManagerID: mona.ID}))
		gone := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Gus Gone", Email: "gus@example.ee", Role: "agent", Team: "Sales"}))
		firm := must(svc.CreatePartner(ctx, sys, "HP Service"))
		tech := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Tom Tech", Email: "tom@hp.example", Role: "partner", PartnerID: firm.ID}))
		asAnn := desk.AgentActor(ann)
		mari := must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"}))
		old := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: mari.ID, Subject: "Old invoice", Body: "Wrong sum", Channel: "email", OwnerID: gone.ID}))
		must(svc.Resolve(ctx, desk.AgentActor(gone), old.ID, "Corrected"))
		must(svc.Confirm(ctx, desk.CustomerActor(mari), old.ID, desk.Confirmation{Confirmed: true}))
		must(svc.SetAgentActive(ctx, sys, gone.ID, false))
		c := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: mari.ID, Subject: "Router broken", Body: "It blinks red", Channel: "web", OwnerID: ann.ID}))
		must(svc.AddMessage(ctx, asAnn, c.ID, desk.NewMessage{Body: "Supplier issue, do not tell", Internal: true}))
		kept := must(svc.MakePromise(ctx, asAnn, c.ID, desk.NewPromise{Kind: "callback", DueAt: clk.Now().Add(2 * time.Hour), Words: "I will call at noon"}))
		must(svc.KeepPromise(ctx, asAnn, kept.ID, "called"))
		open := must(svc.MakePromise(ctx, desk.AgentActor(mona), c.ID, desk.NewPromise{Kind: "update", DueAt: clk.Now().Add(48 * time.Hour),
			Words: "You hear from us by Wednesday", OwnerID: ann.ID}))
		doc := must(svc.AddDocument(ctx, sys, service.DocumentIn{CustomerID: mari.ID, CaseID: c.ID, Kind: "receipt", Filename: "receipt.pdf",
			ContentType: "application/pdf", Content: []byte("%PDF-1.4 receipt")}))
		canned := must(svc.CreateCannedReply(ctx, sys, "Thanks", "Thank you for writing.", false))
		must(svc.AssignPartner(ctx, sys, c.ID, firm.ID, 0))

		var p service.CasePage
		if n := readsOf(reads, func() { p = must(svc.CasePage(ctx, asAnn, service.CasePageQuery{CaseID: c.ID, EstimateFor: open.ID})) }); n != 1 {
			t.Errorf("the case page took %d reads, want 1", n)
		}
		if p.Case.ID != c.ID || p.Case.Owner.Name != "Ann Tamm" || p.Case.Partner == nil || p.Case.Partner.Name != "HP Service" {
			t.Errorf("case = %+v", p.Case)
		}
		if len(p.Record) == 0 || p.Record[0].Kind != desk.KindMessageIn || !slices.ContainsFunc(p.Record, func(e desk.Entry) bool { return e.Internal }) {
			t.Errorf("Ann's record lacks the request or her note: %+v", p.Record)
		}
		if len(p.Promises) != 2 || p.Promises[0].ID != kept.ID || p.Promises[1].ID != open.ID ||
			p.Promises[1].Maker.Name != "Mona Manager" || p.Promises[1].Owner.Name != "Ann Tamm" {
			t.Errorf("promises = %+v, want the kept one then the open one, made by Mona for Ann", p.Promises)
		}
		var colleagues []string
		for _, a := range p.Colleagues {
			colleagues = append(colleagues, a.Name)
		}
		if !slices.Equal(colleagues, []string{"Mona Manager", "Ann Tamm"}) {
			t.Errorf("colleagues = %v, want the active agents who may own cases (not Gus, gone; not Tom, a partner's)", colleagues)
		}
		if p.Customer == nil || p.Customer.Name != "Mari Mets" || len(p.Customer.Cases) != 2 {
			t.Fatalf("customer = %+v, want Mari with her two cases", p.Customer)
		}
		if p.Owners[old.OwnerID].Name != "Gus Gone" || p.Owners[old.OwnerID].Team != "Sales" {
			t.Errorf("the old case's owner = %+v, want Gus of Sales (inactive, still named)", p.Owners[old.OwnerID])
		}
		if !slices.Equal(p.OfferBlockedBy, []string{c.Ref}) {
			t.Errorf("offers blocked by %v, want the open case only (%s; %s is closed)", p.OfferBlockedBy, c.Ref, old.Ref)
		}
		if len(p.Documents) != 1 || p.Documents[0].ID != doc.ID {
			t.Errorf("documents = %+v", p.Documents)
		}
		if len(p.Canned) != 1 || p.Canned[0].ID != canned.ID {
			t.Errorf("canned replies = %+v", p.Canned)
		}
		if p.Estimate == nil || p.Estimate.PromiseID != open.ID || !p.Estimate.DueAt.Equal(open.DueAt) || p.Estimate.Estimate != nil {
			t.Errorf("estimate = %+v, want one for the open promise (no history yet)", p.Estimate)
		}
		if p := must(svc.CasePage(ctx, asAnn, service.CasePageQuery{CaseID: c.ID, EstimateFor: kept.ID})); p.Estimate != nil {
			t.Errorf("an estimate for a kept promise: %+v", p.Estimate)
		}

		// Tom, of the partner the case is handed to, reads the public record and the open
		// promise, and nothing of the customer's file.
		asTom := desk.AgentActor(tech)
		tp := must(svc.CasePage(ctx, asTom, service.CasePageQuery{CaseID: c.ID, EstimateFor: open.ID}))
		if slices.ContainsFunc(tp.Record, func(e desk.Entry) bool { return e.Internal }) {
			t.Error("a partner's user reads the internal note")
		}
		if len(tp.Promises) != 1 || tp.Promises[0].ID != open.ID || tp.Promises[0].Maker.Name != "" {
			t.Errorf("the partner's promises = %+v, want the open one without names", tp.Promises)
		}
		if tp.Customer != nil || tp.Documents != nil || tp.Canned != nil || tp.Colleagues != nil || tp.Estimate != nil || tp.OfferBlockedBy != nil {
			t.Errorf("a partner's user reads the desk's side: %+v", tp)
		}
		// Nobody else's customer reads it.
		ivo := must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Ivo", Email: "ivo@example.hr"}))
		if _, err := svc.CasePage(ctx, desk.CustomerActor(ivo), service.CasePageQuery{CaseID: c.ID}); !isNotFound(err) {
			t.Errorf("another customer reads the case page: %v, want not found", err)
		}
	})
}

// TestTeamViewManagersOnly checks that the team view is the service's to refuse: a plain
// agent, a partner's user and a customer get 403 (forbidden) before anything is read; a
// manager gets the whole view of a team in one read, a lead their own team's only (issue 15).
func TestTeamViewManagersOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		svc, clk, reads := countingService(t, backend)
		sys := desk.SystemActor()
		mona := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Mona Manager", Email: "mona@example.ee", Role: "manager", Team: "Care"}))
		lea := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Lea Lead", Email: "lea@example.ee", Role: "lead", Team: "Care", ManagerID: mona.ID}))
		ann := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann Tamm", Email: "ann@example.ee", Role: "agent", Team: "Care", ManagerID: lea.ID}))
		sam := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Sam Sales", Email: "sam@example.ee", Role: "agent", Team: "Sales"}))
		firm := must(svc.CreatePartner(ctx, sys, "HP Service"))
		tech := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Tom Tech", Email: "tom@hp.example", Role: "partner", PartnerID: firm.ID}))
		mari := must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"}))

		for _, who := range []desk.Actor{desk.AgentActor(ann), desk.AgentActor(tech), desk.CustomerActor(mari)} {
			var err error
			if n := readsOf(reads, func() { _, err = svc.TeamView(ctx, who, service.TeamQuery{}) }); n != 0 {
				t.Errorf("%s (%s): the refused team view read %d times", who.Name, who.Role, n)
			}
			if e, ok := desk.AsError(err); !ok || e.Kind != desk.KindForbidden {
				t.Errorf("%s (%s) reads the team view: %v, want forbidden", who.Name, who.Role, err)
			}
		}

		// Ann slips a promise and resolves a case the customer confirms; Sam, in Sales, slips one too.
		asAnn := desk.AgentActor(ann)
		c := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: mari.ID, Subject: "Router broken", Body: "It blinks", Channel: "web", OwnerID: ann.ID}))
		p := must(svc.MakePromise(ctx, asAnn, c.ID, desk.NewPromise{Kind: "callback", DueAt: clk.Now().Add(2 * time.Hour), Words: "I will call at noon"}))
		must(svc.SlipPromise(ctx, asAnn, p.ID, desk.Slip{DueAt: clk.Now().Add(4 * time.Hour), Reason: "in a meeting", Message: "Sorry, at two instead."}))
		done := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: mari.ID, Subject: "Old bill", Body: "Wrong sum", Channel: "web", OwnerID: ann.ID}))
		must(svc.Resolve(ctx, asAnn, done.ID, "Corrected"))
		must(svc.Confirm(ctx, desk.CustomerActor(mari), done.ID, desk.Confirmation{Confirmed: true}))
		must(svc.Escalate(ctx, asAnn, c.ID, "the customer asks for a manager"))
		sc := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: mari.ID, Subject: "Offer", Body: "Price?", Channel: "web", OwnerID: sam.ID}))
		sp := must(svc.MakePromise(ctx, desk.AgentActor(sam), sc.ID, desk.NewPromise{Kind: "update", DueAt: clk.Now().Add(3 * time.Hour), Words: "Price by three"}))
		must(svc.SlipPromise(ctx, desk.AgentActor(sam), sp.ID, desk.Slip{DueAt: clk.Now().Add(5 * time.Hour), Reason: "waiting", Message: "At five."}))

		var v service.TeamView
		if n := readsOf(reads, func() { v = must(svc.TeamView(ctx, desk.AgentActor(mona), service.TeamQuery{})) }); n != 1 {
			t.Errorf("the team view took %d reads, want 1", n)
		}
		if v.Team != "Care" || !slices.Equal(v.Teams, []string{"Care", "Sales"}) {
			t.Errorf("team %q of %v, want Mona's own (Care) of Care and Sales", v.Team, v.Teams)
		}
		var names []string
		for _, a := range v.Agents {
			names = append(names, a.Name)
		}
		if !slices.Equal(names, []string{"Mona Manager", "Lea Lead", "Ann Tamm"}) {
			t.Errorf("agents = %v, want Care's", names)
		}
		if len(v.Promises) != 1 || v.Promises[0].ID != p.ID || v.Promises[0].Maker.Name != "Ann Tamm" || v.Promises[0].Slips != 1 {
			t.Errorf("promises = %+v, want Ann's, slipped once", v.Promises)
		}
		if len(v.Escalated) != 1 || v.Escalated[0].ID != c.ID || v.Escalated[0].Customer != "Mari Mets" || v.Escalated[0].NextDue == nil {
			t.Errorf("escalated = %+v, want Ann's case with its customer and next due time", v.Escalated)
		}
		if len(v.Slips) != 1 || v.Slips[0].ID != ann.ID || v.Slips[0].Slips != 1 {
			t.Errorf("slips = %+v, want Ann's one (not Sam's, of Sales)", v.Slips)
		}
		if len(v.Outcomes) != 1 || v.Outcomes[0] != (service.AgentOutcomes{AgentID: ann.ID, Name: "Ann Tamm", Confirmed: 1}) {
			t.Errorf("outcomes = %+v, want Ann's one confirmed", v.Outcomes)
		}
		if !v.Now.Equal(clk.Now()) || !v.Since.Equal(clk.Now().Add(-service.TeamWindow)) {
			t.Errorf("now %v since %v", v.Now, v.Since)
		}

		if lv := must(svc.TeamView(ctx, desk.AgentActor(lea), service.TeamQuery{Team: "Sales"})); lv.Team != "Care" ||
			!slices.Equal(lv.Teams, []string{"Care"}) || len(lv.Slips) != 1 || lv.Slips[0].ID != ann.ID {
			t.Errorf("the lead's view: team %q of %v, slips %+v; want Care's only", lv.Team, lv.Teams, lv.Slips)
		}

		sales := must(svc.TeamView(ctx, desk.AgentActor(mona), service.TeamQuery{Team: "Sales"}))
		if sales.Team != "Sales" || len(sales.Promises) != 1 || sales.Promises[0].ID != sp.ID || len(sales.Slips) != 1 || sales.Slips[0].ID != sam.ID ||
			len(sales.Escalated) != 0 || len(sales.Outcomes) != 0 {
			t.Errorf("Sales' view = %+v", sales)
		}
		if v := must(svc.TeamView(ctx, desk.AgentActor(mona), service.TeamQuery{Team: "Nobody"})); v.Team != "Care" {
			t.Errorf("an unknown team shows %q, want Mona's own", v.Team)
		}
	})
}

// TestInboxPageReadsOnce checks the inbox page: one read with the cases, their owners' names
// and the reader's team; the team's cases for someone in no team are none, said so.
func TestInboxPageReadsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		svc, _, reads := countingService(t, backend)
		sys := desk.SystemActor()
		ann := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann Tamm", Email: "ann@example.ee", Role: "agent", Team: "Care"}))
		bea := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Bea Berg", Email: "bea@example.ee", Role: "agent", Team: "Care"}))
		loner := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Lone Ly", Email: "lone@example.ee", Role: "agent"}))
		mari := must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"}))
		mine := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: mari.ID, Subject: "Mine", Body: "x", Channel: "web", OwnerID: ann.ID}))
		beas := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: mari.ID, Subject: "Bea's", Body: "y", Channel: "web", OwnerID: bea.ID}))
		must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: mari.ID, Subject: "Lone's", Body: "z", Channel: "web", OwnerID: loner.ID}))

		asAnn := desk.AgentActor(ann)
		var v service.InboxView
		if n := readsOf(reads, func() { v = must(svc.InboxPage(ctx, asAnn, service.InboxQuery{OwnerID: ann.ID})) }); n != 1 {
			t.Errorf("the inbox took %d reads, want 1", n)
		}
		if len(v.Items) != 1 || v.Items[0].CaseID != mine.ID || v.Team != "Care" || v.NoTeam || v.Owners[ann.ID] != "Ann Tamm" {
			t.Errorf("Ann's inbox = %+v", v)
		}
		if n := readsOf(reads, func() { v = must(svc.InboxPage(ctx, asAnn, service.InboxQuery{MyTeam: true})) }); n != 1 {
			t.Errorf("the team's inbox took %d reads, want 1", n)
		}
		var ids []int64
		for _, it := range v.Items {
			ids = append(ids, it.CaseID)
		}
		slices.Sort(ids)
		if !slices.Equal(ids, []int64{mine.ID, beas.ID}) || v.Owners[bea.ID] != "Bea Berg" {
			t.Errorf("Care's inbox = %v with owners %v, want Ann's and Bea's cases, named", ids, v.Owners)
		}
		if v := must(svc.InboxPage(ctx, desk.AgentActor(loner), service.InboxQuery{MyTeam: true})); !v.NoTeam || len(v.Items) != 0 {
			t.Errorf("the team inbox of someone in no team = %+v, want none, said so", v)
		}
		if v := must(svc.InboxPage(ctx, desk.CustomerActor(mari), service.InboxQuery{})); len(v.Items) != 0 {
			t.Errorf("a customer's inbox = %+v", v.Items)
		}
	})
}
