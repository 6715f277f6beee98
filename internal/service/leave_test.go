package service_test

import (
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// The head of care can take leave: nobody stands above her, so the cases at her rung go to the
// deputy she names for the leave, and come back when it ends. The customer is told the truth
// about when the deputy takes over: the hand-over moves the case now, and says so (issue 15,
// finding 10: she could not take leave at all; a leave starting next week moved the cases at
// once and told the customer "from" its first day).
func TestHeadOfCareHandsToADeputyForHerLeave(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		c := sc.openCase(sc.ann, "Refund refused twice")
		must(sc.svc.Escalate(sc.ctx, desk.AgentActor(sc.ann), c.ID, "The customer asks for a manager."))
		must(sc.svc.Escalate(sc.ctx, desk.AgentActor(sc.lead), c.ID, "Only the head of care may grant this refund."))
		if v := must(sc.svc.Case(sc.ctx, sc.sys, c.ID)); v.OwnerID != sc.head.ID || v.Rung != 2 {
			t.Fatalf("before the leave: owner %d rung %d", v.OwnerID, v.Rung)
		}
		asHead := desk.AgentActor(sc.head)
		leave := desk.NewAbsence{Kind: "leave", From: sc.at(2, "09:00"), To: sc.at(4, "17:00")}
		// Lea is below the case's rung: a plain hand-over to her is refused without the
		// customer's agreement ...
		if _, err := sc.svc.HandOver(sc.ctx, asHead, c.ID, desk.Handover{ToAgentID: sc.lead.ID, Briefing: "x"}); err == nil {
			t.Fatal("the head handed an escalated case down for good without the customer's agreement")
		}
		// ... but as the deputy of the head's leave she takes it.
		v := must(sc.svc.AddAbsence(sc.ctx, asHead, sc.head.ID, leave, []service.CaseHandover{{CaseID: c.ID, ToAgentID: sc.lead.ID,
			Briefing: "Decide the refund by Thursday; the customer waits for it."}}))
		if len(v.HandedOver) != 1 {
			t.Fatalf("handed over %v", v.HandedOver)
		}
		rec := sc.record(c.ID, sc.sys)
		h := lastOf(rec, desk.KindHandover)
		d, _ := desk.DataOf[desk.HandoverData](*h)
		if !d.Deputy || d.To != sc.lead.ID || d.BelowRung {
			t.Fatalf("the hand-over's data: %+v", d)
		}
		intro := lastOf(rec, desk.KindIntroduction)
		if want := "Lea Lead (team lead, Billing) looks after your case from Mon 23 Nov 10:00 EET until Fri 27 Nov 17:00 EET."; intro.Body != want {
			t.Errorf("the customer reads %q, want %q (the case moves now)", intro.Body, want)
		}
		if got := must(sc.svc.Case(sc.ctx, sc.sys, c.ID)); got.OwnerID != sc.lead.ID || got.Rung != 2 {
			t.Fatalf("during the leave: owner %d rung %d", got.OwnerID, got.Rung)
		}
		// A deputy is only for an absence: the same hand-over without one is still refused.
		_, err := sc.svc.HandOver(sc.ctx, desk.AgentActor(sc.lead), c.ID, desk.Handover{ToAgentID: sc.ann.ID, Briefing: "x"})
		if e, ok := desk.AsError(err); !ok || e.Code != "downward_reassignment" {
			t.Errorf("the deputy handed the case further down: %v", err)
		}
	})
}

// An agent's hand-over drafts are theirs (and their managers'): a colleague neither reads nor
// writes them; a draft replaces the one of its kind and key.
func TestHandoverDraftsAreTheAgents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		asAnn := desk.AgentActor(sc.ann)
		must(0, sc.svc.SaveHandoverDrafts(sc.ctx, asAnn, sc.ann.ID, []desk.HandoverDraft{
			{Kind: service.DraftGroup, Key: "customer:1", ToAgentID: sc.bob.ID, Text: "First"},
			{Kind: service.DraftCase, Key: "7", Text: "Call her"}}))
		must(0, sc.svc.SaveHandoverDrafts(sc.ctx, asAnn, sc.ann.ID, []desk.HandoverDraft{{Kind: service.DraftGroup, Key: "customer:1", ToAgentID: sc.bob.ID, Text: " Second "}}))
		if ds := must(sc.svc.HandoverDrafts(sc.ctx, desk.AgentActor(sc.head), sc.ann.ID)); len(ds) != 2 {
			t.Errorf("the head of care reads %d of Ann's drafts, want 2", len(ds))
		}
		if _, err := sc.svc.HandoverDrafts(sc.ctx, desk.AgentActor(sc.bob), sc.ann.ID); err == nil {
			t.Error("Bob read Ann's drafts")
		}
		if err := sc.svc.SaveHandoverDrafts(sc.ctx, desk.AgentActor(sc.bob), sc.ann.ID, nil); err == nil {
			t.Error("Bob wrote Ann's drafts")
		}
		got := must(sc.svc.HandoverDrafts(sc.ctx, asAnn, sc.ann.ID))
		if len(got) != 2 || got[1].Kind != service.DraftGroup || got[1].Text != "Second" || got[0].Text != "Call her" {
			t.Fatalf("drafts %+v", got)
		}
	})
}
