package service_test

import (
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// remindersOf are the bodies of an agent's promise reminders.
func remindersOf(sc *scene, a desk.Agent) []string {
	sc.t.Helper()
	var out []string
	for _, n := range must(sc.svc.Notifications(sc.ctx, desk.AgentActor(a))) {
		if n.Kind == "promise_reminder" {
			out = append(out, n.Body)
		}
	}
	return out
}

// A promise due sooner than the first reminder would come is still reminded, halfway to its
// due time, and the reminder says "1 minute", never "1 minutes" (issue 15, finding 11).
func TestShortPromiseIsReminded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend) // Monday 10:00 in Tallinn; reminders 24 h and 1 h before
		c := sc.openCase(sc.ann, "Call me back")
		asAnn := desk.AgentActor(sc.ann)
		must(sc.svc.MakePromise(sc.ctx, asAnn, c.ID, desk.NewPromise{Kind: "callback", DueAt: sc.at(0, "10:30"), Words: "I call you at 10:30."}))
		sc.advance(14 * time.Minute)
		if got := remindersOf(sc, sc.ann); len(got) != 0 {
			t.Fatalf("reminded too early: %q", got)
		}
		sc.advance(time.Minute)
		got := remindersOf(sc, sc.ann)
		if len(got) != 1 || !strings.Contains(got[0], `"I call you at 10:30." is due Mon 23 Nov 10:30 EET (in 15 minutes)`) {
			t.Fatalf("the reminder of a promise due in 30 minutes: %q", got)
		}
		must(sc.svc.MakePromise(sc.ctx, asAnn, c.ID, desk.NewPromise{Kind: "callback", DueAt: sc.at(0, "10:17"), Words: "I call you in two minutes."}))
		sc.advance(time.Minute)
		got = remindersOf(sc, sc.ann)
		if len(got) != 2 || !strings.Contains(strings.Join(got, "\n"), "(in 1 minute)") {
			t.Fatalf("the reminder of a promise due in 2 minutes: %q", got)
		}
	})
}

// A customer's reply on a case handed over notifies its new owner (issue 15, finding 11: it
// notified nobody).
func TestReplyOnHandedOverCaseNotifiesNewOwner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		c := sc.openCase(sc.ann, "Refund")
		asAnn := desk.AgentActor(sc.ann)
		must(sc.svc.AddMessage(sc.ctx, asAnn, c.ID, desk.NewMessage{Body: "We are on it."}))
		sc.advance(time.Hour)
		must(sc.svc.HandOver(sc.ctx, asAnn, c.ID, desk.Handover{ToAgentID: sc.lead.ID, Briefing: "The refund needs your approval."}))
		must(sc.svc.AddMessage(sc.ctx, desk.CustomerActor(sc.mari), c.ID, desk.NewMessage{Body: "Any news about my refund?\nMari"}))
		found := false
		for _, n := range must(sc.svc.Notifications(sc.ctx, desk.AgentActor(sc.lead))) {
			found = found || (n.Kind == "customer_message" && n.CaseID == c.ID && strings.Contains(n.Body, "Any news about my refund?"))
		}
		if !found {
			t.Fatalf("Lea was not told of the customer's reply: %+v", must(sc.svc.Notifications(sc.ctx, desk.AgentActor(sc.lead))))
		}
		// The first owner of a case watches it in the inbox: no notice for each message.
		d := sc.openCase(sc.ann, "Another")
		must(sc.svc.AddMessage(sc.ctx, desk.CustomerActor(sc.mari), d.ID, desk.NewMessage{Body: "More details."}))
		for _, n := range must(sc.svc.Notifications(sc.ctx, asAnn)) {
			if n.Kind == "customer_message" {
				t.Fatalf("Ann was notified of a message on her own case: %+v", n)
			}
		}
	})
}

// The team view counts the slips and resolutions of the team's cases, whoever made them, as
// GET /api/v1/slips counts a team's slips (issue 15, finding 11: a colleague of another team
// slipped a Billing promise, the slips said Billing 1 and the team page "no promise moved").
// A lead reads their own team's view, whichever team they ask for.
func TestTeamViewCountsTheTeamsCases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		week := map[string][]string{"mon": {"09:00-17:00"}, "tue": {"09:00-17:00"}, "wed": {"09:00-17:00"}}
		ott := must(sc.svc.CreateAgent(sc.ctx, sc.sys, desk.NewAgent{Name: "Ott Other", Email: "ott@example.ee", Role: "agent", Team: "Repairs",
			ManagerID: sc.head.ID, Timezone: "Europe/Tallinn", Hours: week}))
		c := sc.openCase(sc.ann, "Broken router") // a Billing case
		asOtt := desk.AgentActor(ott)
		p := must(sc.svc.MakePromise(sc.ctx, asOtt, c.ID, desk.NewPromise{Kind: "fix", DueAt: sc.at(0, "15:00"), Words: "The router is fixed by 15:00.", OwnerID: ott.ID}))
		must(sc.svc.SlipPromise(sc.ctx, asOtt, p.ID, desk.Slip{DueAt: sc.at(1, "15:00"), Reason: "The part is late", Message: "Sorry: the part comes tomorrow."}))
		// An admin of another team may settle it (the permission table): her resolution counts
		// for Billing too.
		ada := must(sc.svc.CreateAgent(sc.ctx, sc.sys, desk.NewAgent{Name: "Ada Admin", Email: "ada@example.ee", Role: "admin", Team: "Repairs",
			Timezone: "Europe/Tallinn", Hours: week}))
		must(sc.svc.Resolve(sc.ctx, desk.AgentActor(ada), c.ID, "A new router is on its way."))
		must(sc.svc.Confirm(sc.ctx, desk.CustomerActor(sc.mari), c.ID, desk.Confirmation{Confirmed: true}))

		counts := must(sc.svc.SlipCounts(sc.ctx, sc.sys, monday.AddDate(0, 0, -1)))
		if len(counts["teams"]) != 1 || counts["teams"][0].Name != "Billing" || counts["teams"][0].Slips != 1 {
			t.Fatalf("slips per team: %+v", counts["teams"])
		}
		v := must(sc.svc.TeamView(sc.ctx, desk.AgentActor(sc.head), service.TeamQuery{Team: "Billing"}))
		if len(v.Slips) != 1 || v.Slips[0].Name != "Ott Other" || v.Slips[0].Slips != 1 {
			t.Errorf("the Billing view's slips: %+v", v.Slips)
		}
		if len(v.Outcomes) != 1 || v.Outcomes[0].Name != "Ada Admin" || v.Outcomes[0].Confirmed != 1 {
			t.Errorf("the Billing view's resolutions: %+v", v.Outcomes)
		}
		if v := must(sc.svc.TeamView(sc.ctx, desk.AgentActor(sc.head), service.TeamQuery{Team: "Repairs"})); len(v.Slips) != 0 || len(v.Outcomes) != 0 {
			t.Errorf("the Repairs view counts Billing's cases: %+v %+v", v.Slips, v.Outcomes)
		}

		lead := must(sc.svc.TeamView(sc.ctx, desk.AgentActor(sc.lead), service.TeamQuery{Team: "Repairs"}))
		if lead.Team != "Billing" || len(lead.Teams) != 1 || len(lead.Slips) != 1 {
			t.Errorf("the lead's view: team %q of %v, slips %+v", lead.Team, lead.Teams, lead.Slips)
		}
		if _, err := sc.svc.TeamView(sc.ctx, desk.AgentActor(sc.ann), service.TeamQuery{}); err == nil {
			t.Error("an agent read the team view")
		}
	})
}
