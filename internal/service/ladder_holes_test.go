package service_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// ladderScene is the stories' desk with more people around the ladder: Olev, a Billing agent
// without a manager_id; Rein, the lead of Repairs; Sirje, a second Billing lead, off sick.
type ladderScene struct {
	*scene
	olev, rein, sirje desk.Agent
}

func newLadderScene(t *testing.T, backend string) *ladderScene {
	t.Helper()
	sc := &ladderScene{scene: newScene(t, backend)}
	add := func(name, email, role, team string, manager int64) desk.Agent {
		return must(sc.svc.CreateAgent(sc.ctx, sc.sys, desk.NewAgent{Name: name, Email: email, Role: role, Team: team, ManagerID: manager,
			Timezone: "Europe/Tallinn"}))
	}
	sc.olev = add("Olev Ots", "olev@example.ee", "agent", "Billing", 0)
	sc.rein = add("Rein Remont", "rein@example.ee", "lead", "Repairs", sc.head.ID)
	sc.sirje = add("Sirje Saar", "sirje@example.ee", "lead", "Billing", sc.head.ID)
	must(sc.svc.AddAbsence(sc.ctx, sc.sys, sc.sirje.ID, desk.NewAbsence{Kind: "sick", From: monday, To: monday.Add(72 * time.Hour)}, nil))
	return sc
}

// escalated is a case of Ann's that the customer asked to go up: it is with Lea, at rung 1.
func (sc *ladderScene) escalated(subject string) int64 {
	sc.t.Helper()
	c := sc.openCase(sc.ann, subject)
	v := must(sc.svc.Escalate(sc.ctx, desk.CustomerActor(sc.mari), c.ID, "I want someone more senior"))
	if v.Rung != 1 || v.OwnerID != sc.lead.ID {
		sc.t.Fatalf("after escalation: rung %d owner %d", v.Rung, v.OwnerID)
	}
	return c.ID
}

// Issue 13, finding 5, first hole: an agent without a manager_id counted as the top of the
// ladder, so a case escalated to a lead could be handed to them. Failed before the ladder
// went by rank: the hand-over to Olev went through.
func TestLadderAgentWithoutManagerIsAtTheBottom(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newLadderScene(t, backend)
		id := sc.escalated("Double charge")
		_, err := sc.svc.HandOver(sc.ctx, desk.AgentActor(sc.lead), id, desk.Handover{ToAgentID: sc.olev.ID, Briefing: "Olev has time"})
		e := conflict(t, err, "downward_reassignment")
		if got := must(sc.svc.Case(sc.ctx, sc.sys, id)); got.OwnerID != sc.lead.ID {
			t.Fatalf("the refused hand-over moved the case to %d", got.OwnerID)
		}
		// The refusal lists who could take it: present colleagues at the rung or above.
		allowed, _ := e.Details["allowed"].([]map[string]any)
		var ids []int64
		for _, a := range allowed {
			id, _ := a["id"].(int64)
			if name, _ := a["name"].(string); name == "" {
				t.Errorf("allowed %v: a colleague without a name", a)
			}
			ids = append(ids, id)
		}
		for _, c := range []struct {
			who  desk.Agent
			want bool
		}{{sc.head, true}, {sc.rein, true}, {sc.ann, false}, {sc.bob, false}, {sc.olev, false}, {sc.sirje, false}, {sc.lead, false}} {
			if slices.Contains(ids, c.who.ID) != c.want {
				t.Errorf("allowed %v: %s listed = %v, want %v", allowed, c.who.Name, !c.want, c.want)
			}
		}
		ask, _ := e.Details["ask_customer"].(map[string]any)
		if ask["path"] != fmt.Sprintf("/api/v1/cases/%d/agreement-requests", id) {
			t.Errorf("how to ask the customer: %v", e.Details["ask_customer"])
		}
		// Sideways, to the lead of another team, needs no one's agreement.
		if v := must(sc.svc.HandOver(sc.ctx, desk.AgentActor(sc.lead), id, desk.Handover{ToAgentID: sc.rein.ID, Briefing: "A repair after all"})); v.OwnerID != sc.rein.ID {
			t.Errorf("sideways hand-over: owner %d", v.OwnerID)
		}
	})
}

// Issue 13, finding 5, second hole: any message of the customer's, even the original
// complaint, was taken as their agreement to a downward move. Failed before: the hand-over
// naming the complaint went through.
func TestLadderCustomerMessageIsNoAgreement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newLadderScene(t, backend)
		id := sc.escalated("Faulty laptop")
		complaint := sc.record(id, sc.sys)[0]
		if complaint.Kind != desk.KindMessageIn || complaint.Actor.Kind != desk.ActorCustomer {
			t.Fatalf("the record starts with %s by %s, not the customer's complaint", complaint.Kind, complaint.Actor.Kind)
		}
		fine := must(sc.svc.AddMessage(sc.ctx, desk.CustomerActor(sc.mari), id, desk.NewMessage{Body: "Fine, Ann may handle it again."}))
		for _, cited := range []int64{complaint.ID, fine.ID} {
			_, err := sc.svc.HandOver(sc.ctx, desk.AgentActor(sc.lead), id, desk.Handover{ToAgentID: sc.ann.ID, Briefing: "Back to you", AgreementID: cited})
			conflict(t, err, "downward_reassignment")
		}
		if got := must(sc.svc.Case(sc.ctx, sc.sys, id)); got.OwnerID != sc.lead.ID {
			t.Fatalf("a customer's message moved the case down to %d", got.OwnerID)
		}
	})
}
