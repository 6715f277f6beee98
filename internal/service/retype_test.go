package service_test

import (
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// An automation sets a case's type and team and then assigns it within its new team (issue 17:
// set team, set type, assign within the team to someone available), each through the labels
// and hand-over commands people use, on the record as the automation. A rule naming a type or
// team the desk does not have is refused when saved; a case following its type's steps keeps
// its type, and the refusal is on its record.
func TestAutomationSetsTypeAndTeam(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		sc.clock.Set(sc.at(0, "10:00"))
		week := map[string][]string{"mon": {"09:00-17:00"}, "tue": {"09:00-17:00"}, "wed": {"09:00-17:00"}, "thu": {"09:00-17:00"}, "fri": {"09:00-17:00"}}
		rita := must(sc.svc.CreateAgent(sc.ctx, sc.sys, desk.NewAgent{Name: "Rita Rand", Email: "rita@example.ee", Role: "agent", Team: "Returns",
			ManagerID: sc.lead.ID, Timezone: "Europe/Tallinn", Hours: week}))
		must(sc.svc.CreateCaseType(sc.ctx, sc.sys, desk.NewCaseType{Name: "Return"}))
		must(sc.svc.CreateCaseType(sc.ctx, sc.sys, desk.NewCaseType{Name: "Repair", Steps: []desk.Step{{Name: "Diagnose", Explanation: "We look at it."}, {Name: "Fix", Explanation: "We fix it."}}}))

		for _, bad := range []desk.AutomationAction{{Do: desk.DoSetType, Type: "Refund"}, {Do: desk.DoSetTeam, Team: "Nobody"}, {Do: desk.DoSetType}} {
			_, err := sc.svc.CreateAutomation(sc.ctx, desk.AgentActor(sc.head), desk.Automation{Name: "Bad", When: desk.AutomationWhen{Event: "message_in"}, Then: []desk.AutomationAction{bad}})
			if e, ok := desk.AsError(err); !ok || !strings.HasPrefix(e.Field, "then[0].") {
				t.Errorf("%+v saved: %v", bad, err)
			}
		}
		sc.automation(desk.Automation{Name: "Returns", When: desk.AutomationWhen{Event: "message_in"}, If: desk.AutomationIf{Words: []string{"send it back"}},
			Then: []desk.AutomationAction{{Do: desk.DoSetType, Type: "Return"}, {Do: desk.DoSetTeam, Team: "Returns"}, {Do: desk.DoAssign}}})

		c := sc.openCase(sc.ann, "Kettle")
		must(sc.svc.AddMessage(sc.ctx, desk.AgentActor(sc.ann), c.ID, desk.NewMessage{Body: "What is wrong with it?"}))
		must(sc.svc.AddMessage(sc.ctx, desk.CustomerActor(sc.mari), c.ID, desk.NewMessage{Body: "It leaks. I want to send it back."}))
		v := must(sc.svc.Case(sc.ctx, sc.sys, c.ID))
		if v.Type != "Return" || v.Owner.ID != rita.ID {
			t.Fatalf("after the rule: type %q, owner %v; want Return and %s", v.Type, v.Owner, rita.Name)
		}
		mine := byAutomation(sc.record(c.ID, sc.sys), "Returns")
		if len(mine) < 3 || mine[0].Kind != desk.KindTypeChanged || mine[0].Body != "Type: none → Return" || !mine[0].Internal ||
			mine[1].Kind != desk.KindTeamChanged || mine[1].Body != "Team: Billing → Returns" || mine[2].Kind != desk.KindHandover {
			t.Fatalf("on the record as the automation: %v", kindsOf(mine))
		}
		// The desk's views of the case see its new team: its inbox is Returns'.
		inbox := must(sc.svc.Inbox(sc.ctx, desk.AgentActor(sc.head), service.InboxQuery{Team: "Returns"}))
		if !strings.Contains(strings.Join(refsOf(inbox), " "), v.Ref) {
			t.Errorf("the Returns inbox does not list %s: %v", v.Ref, refsOf(inbox))
		}

		// A case that follows the steps of its type keeps its type; the refusal is on the record.
		p := must(sc.svc.OpenCase(sc.ctx, sc.sys, desk.NewCase{CustomerID: sc.mari.ID, Subject: "Toaster", Body: "It sparks.", Channel: "email", OwnerID: sc.ann.ID, Type: "Repair"}))
		must(sc.svc.AddMessage(sc.ctx, desk.AgentActor(sc.ann), p.ID, desk.NewMessage{Body: "We will look at it."}))
		must(sc.svc.AddMessage(sc.ctx, desk.CustomerActor(sc.mari), p.ID, desk.NewMessage{Body: "Or I send it back."}))
		pv := must(sc.svc.Case(sc.ctx, sc.sys, p.ID))
		notes := byAutomation(sc.record(p.ID, sc.sys), "Returns")
		if pv.Type != "Repair" || len(notes) == 0 || !strings.Contains(notes[0].Body, "could not set_type") || !strings.Contains(notes[0].Body, "not changed midway") {
			t.Errorf("a case in its type's steps: type %q, the automation wrote %+v", pv.Type, notes)
		}
	})
}

func refsOf(items []service.InboxItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Ref
	}
	return out
}
