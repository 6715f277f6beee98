package service_test

import (
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// introductionsOf are the bodies of the introductions of an agent on a record.
func introductionsOf(rec []desk.Entry, agentID int64) []string {
	var out []string
	for _, e := range rec {
		if e.Kind == desk.KindIntroduction && e.Actor.ID == agentID {
			out = append(out, e.Body)
		}
	}
	return out
}

// A promise given to a colleague new to the case introduces them to the customer with what
// they will do and by when; a hand-over moves only the old owner's promises, and introduces the
// new owner with the promises they take over (issue 15, finding 5: the colleague was never
// introduced, and the hand-over moved their promise to the new owner without a word).
func TestPromiseKeepersAreIntroduced(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		c := sc.openCase(sc.ann, "Transfer to the wrong account")
		asAnn := desk.AgentActor(sc.ann)
		bobs := must(sc.svc.MakePromise(sc.ctx, asAnn, c.ID, desk.NewPromise{Kind: "update", DueAt: sc.at(1, "11:00"),
			Words: "Bob will send you the bank's confirmation of the transfer.", OwnerID: sc.bob.ID}))
		anns := must(sc.svc.MakePromise(sc.ctx, asAnn, c.ID, desk.NewPromise{Kind: "callback", DueAt: sc.at(1, "15:00"),
			Words: "I will call you once the money is back."}))
		rec := sc.record(c.ID, asAnn)
		bob := introductionsOf(rec, sc.bob.ID)
		if len(bob) != 1 || !strings.Contains(bob[0], "Bob Kask (agent, Billing) has joined your case.") ||
			!strings.Contains(bob[0], "Bob Kask will keep our promise to you: “Bob will send you the bank's confirmation of the transfer.” (due Tue 24 Nov 11:00 EET).") {
			t.Fatalf("Bob's introductions: %q", bob)
		}
		if v := must(sc.svc.Case(sc.ctx, asAnn, c.ID)); !hasParticipant(v, sc.bob.ID) {
			t.Fatalf("Bob is not a participant: %+v", v.Participants)
		}

		must(sc.svc.HandOver(sc.ctx, asAnn, c.ID, desk.Handover{ToAgentID: sc.lead.ID, Briefing: "Bob has the bank; the call is yours."}))
		if p := must(sc.svc.Promise(sc.ctx, asAnn, bobs.ID)); p.OwnerID != sc.bob.ID {
			t.Errorf("the hand-over took Bob's promise to %s", p.Owner.Name)
		}
		if p := must(sc.svc.Promise(sc.ctx, asAnn, anns.ID)); p.OwnerID != sc.lead.ID {
			t.Errorf("Ann's promise stayed with %s after her hand-over", p.Owner.Name)
		}
		lea := introductionsOf(sc.record(c.ID, asAnn), sc.lead.ID)
		if len(lea) != 1 || !strings.Contains(lea[0], "Lea Lead will keep our promise to you: “I will call you once the money is back.” (due Tue 24 Nov 15:00 EET).") ||
			strings.Contains(lea[0], "bank's confirmation") {
			t.Fatalf("Lea's introduction: %q", lea)
		}
	})
}

// Looking at a case makes nobody a participant: acting does (issue 15, finding 11: the head
// of care was introduced to the customer on every case she opened through the API).
func TestViewingMakesNoParticipant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		c := sc.openCase(sc.ann, "Refund")
		asHead := desk.AgentActor(sc.head)
		before := len(sc.record(c.ID, asHead))
		must(sc.svc.Case(sc.ctx, asHead, c.ID))
		must(sc.svc.CasePage(sc.ctx, asHead, service.CasePageQuery{CaseID: c.ID}))
		must(sc.svc.Promises(sc.ctx, asHead, service.PromiseList{CaseID: c.ID}))
		rec := sc.record(c.ID, asHead)
		if v := must(sc.svc.Case(sc.ctx, asHead, c.ID)); hasParticipant(v, sc.head.ID) || len(rec) != before {
			t.Fatalf("after looking: participants %+v, record %v", v.Participants, kindsOf(rec))
		}
		// Acting does: her note makes her one (an internal note introduces nobody to the customer
		// beyond the participant list).
		must(sc.svc.AddMessage(sc.ctx, asHead, c.ID, desk.NewMessage{Body: "Refund approved.", Internal: true}))
		if v := must(sc.svc.Case(sc.ctx, asHead, c.ID)); !hasParticipant(v, sc.head.ID) {
			t.Fatalf("after her note: participants %+v", v.Participants)
		}
	})
}

func hasParticipant(v service.CaseView, agentID int64) bool {
	for _, p := range v.Participants {
		if p.Kind == desk.ActorAgent && p.PersonID == agentID {
			return true
		}
	}
	return false
}
