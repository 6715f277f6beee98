package service_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// automation sets up a rule as the scene's admin.
func (sc *scene) automation(a desk.Automation) desk.Automation {
	sc.t.Helper()
	a.Active = true
	return must(sc.svc.CreateAutomation(sc.ctx, desk.AgentActor(sc.head), a))
}

// byAutomation are the entries of a record an automation wrote.
func byAutomation(rec []desk.Entry, name string) []desk.Entry {
	var out []desk.Entry
	for _, e := range rec {
		if e.Actor.Kind == desk.ActorAutomation && e.Actor.Name == "automation: "+name {
			out = append(out, e)
		}
	}
	return out
}

// An automation is an admin's, and checked: an agent cannot set one up; a rule naming no
// event, or an action without what it needs, is refused with the field.
func TestAutomationsAreAdministered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		rule := desk.Automation{Name: "Tag invoices", Active: true, When: desk.AutomationWhen{Event: "case_opened"},
			Then: []desk.AutomationAction{{Do: desk.DoNote, Body: "An invoice question."}}}
		if _, err := sc.svc.CreateAutomation(sc.ctx, desk.AgentActor(sc.ann), rule); err == nil {
			t.Fatal("an agent set up an automation")
		}
		for field, bad := range map[string]desk.Automation{
			"when":                    {Name: "x", Then: rule.Then},
			"then[0].body":            {Name: "x", When: rule.When, Then: []desk.AutomationAction{{Do: desk.DoNote}}},
			"then[0].canned_reply_id": {Name: "x", When: rule.When, Then: []desk.AutomationAction{{Do: desk.DoReply, CannedReplyID: 99}}},
			"then[0].team":            {Name: "x", When: rule.When, Then: []desk.AutomationAction{{Do: desk.DoAssign, Team: "Nobody"}}},
		} {
			_, err := sc.svc.CreateAutomation(sc.ctx, desk.AgentActor(sc.head), bad)
			if e, ok := desk.AsError(err); !ok || e.Field != field {
				t.Errorf("%s: %v", field, err)
			}
		}
		a := sc.automation(rule)
		if _, err := sc.svc.CreateAutomation(sc.ctx, desk.AgentActor(sc.head), rule); err == nil {
			t.Error("two automations with one name")
		}
		off := false
		a = must(sc.svc.UpdateAutomation(sc.ctx, desk.AgentActor(sc.head), a.ID, service.AutomationPatch{Active: &off}))
		c := sc.openCase(sc.ann, "Invoice twice")
		if got := byAutomation(sc.record(c.ID, sc.sys), "Tag invoices"); len(got) != 0 || a.Active {
			t.Errorf("an automation turned off acted: %v", got)
		}
		if err := sc.svc.DeleteAutomation(sc.ctx, desk.AgentActor(sc.head), a.ID); err != nil {
			t.Fatal(err)
		}
		if l := must(sc.svc.Automations(sc.ctx, desk.AgentActor(sc.head))); len(l) != 0 {
			t.Errorf("after removal: %v", l)
		}
	})
}

// An automation cannot do what the desk's rules refuse people: a case that climbed to the lead
// is not handed down to the least busy agent (no customer agreement), and an offer is not sent
// while the customer has a case open. Each refusal is on the record, by the automation, and
// the case stays where it was.
func TestAutomationIsHeldToTheRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		sc.clock.Set(sc.at(0, "10:00"))
		c := sc.openCase(sc.ann, "Router")
		must(sc.svc.Escalate(sc.ctx, desk.AgentActor(sc.ann), c.ID, "needs the lead"))
		if v := must(sc.svc.Case(sc.ctx, sc.sys, c.ID)); v.Owner.ID != sc.lead.ID {
			t.Fatalf("after the escalation the owner is %v", v.Owner)
		}
		offer := must(sc.svc.CreateCannedReply(sc.ctx, sc.sys, "Upgrade", "Try our premium plan, {{customer.first_name}}!", true))
		sc.automation(desk.Automation{Name: "Balance", When: desk.AutomationWhen{Event: "message_in"},
			Then: []desk.AutomationAction{{Do: desk.DoAssign}, {Do: desk.DoReply, CannedReplyID: offer.ID}}})
		must(sc.svc.AddMessage(sc.ctx, desk.CustomerActor(sc.mari), c.ID, desk.NewMessage{Body: "Any news?"}))

		v := must(sc.svc.Case(sc.ctx, sc.sys, c.ID))
		if v.Owner.ID != sc.lead.ID {
			t.Errorf("the automation handed the case down to %v", v.Owner)
		}
		notes := byAutomation(sc.record(c.ID, sc.sys), "Balance")
		if len(notes) != 2 || !notes[0].Internal || !strings.Contains(notes[0].Body, "could not assign") ||
			!strings.Contains(notes[1].Body, "could not reply") || !strings.Contains(notes[1].Body, "no offers") {
			t.Fatalf("the refusals on the record: %+v", notes)
		}
		for _, e := range sc.record(c.ID, sc.sys) {
			if e.Kind == desk.KindMessageOut && strings.Contains(e.Body, "premium") {
				t.Error("the offer was sent")
			}
		}
	})
}

// A time condition: "idle 2 business hours" fires when the case has been quiet for two of its
// team's working hours, not two hours of the clock: a case quiet from Friday 16:00 is idle on
// Monday at 10:00 (the team works 9 to 17 on weekdays), not on Friday evening. It acts once per
// quiet spell, from the timers, on an injected clock.
func TestAutomationIdleBusinessHours(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		hours := map[string][]string{"mon": {"09:00-17:00"}, "tue": {"09:00-17:00"}, "wed": {"09:00-17:00"}, "thu": {"09:00-17:00"}, "fri": {"09:00-17:00"}}
		zone := "Europe/Tallinn"
		must(sc.svc.SetTeamSettings(sc.ctx, sc.sys, "Billing", service.TeamSettingsIn{BusinessHours: &hours, Timezone: &zone}))
		friday := sc.at(4, "16:00")
		sc.clock.Set(friday)
		c := sc.openCase(sc.ann, "Router")
		sc.automation(desk.Automation{Name: "Nudge", When: desk.AutomationWhen{IdleHours: 2},
			Then: []desk.AutomationAction{{Do: desk.DoRemind, Body: "nobody has touched this"}}})
		notes := func() int { return len(byAutomation(sc.record(c.ID, sc.sys), "Nudge")) }
		sc.advance(3 * time.Hour) // Friday 19:00: three hours of the clock, one of business
		if n := notes(); n != 0 {
			t.Fatalf("fired on Friday evening (%d)", n)
		}
		sc.advance(sc.at(7, "09:55").Sub(sc.clock.Now())) // Monday 09:55
		if n := notes(); n != 0 {
			t.Fatalf("fired at Monday 09:55, one business hour and 55 minutes (%d)", n)
		}
		sc.advance(5 * time.Minute) // Monday 10:00
		if n := notes(); n != 1 {
			t.Fatalf("at Monday 10:00 the automation acted %d times, want once", n)
		}
		inbox := must(sc.svc.Notifications(sc.ctx, desk.AgentActor(sc.ann)))
		if len(inbox) == 0 || !strings.Contains(inbox[0].Body, "nobody has touched this") || !strings.Contains(inbox[0].Body, "Nudge") {
			t.Errorf("the owner was not reminded: %+v", inbox)
		}
		// Its own note is news on the case: the next quiet spell counts from it, and it acts
		// once per spell.
		sc.advance(time.Hour)
		if n := notes(); n != 1 {
			t.Errorf("an hour later it acted %d times", n)
		}
		sc.advance(65 * time.Minute) // Monday 12:05: two business hours after its note
		if n := notes(); n != 2 {
			t.Errorf("after the next quiet spell it acted %d times, want twice in all", n)
		}
	})
}

// Loops are cut: an automation that adds a note on every note does not start on its own note;
// the record says so once; a person's next note starts it again (a new event).
func TestAutomationLoopIsCut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		c := sc.openCase(sc.ann, "Router")
		sc.automation(desk.Automation{Name: "Echo", When: desk.AutomationWhen{Event: "note"},
			Then: []desk.AutomationAction{{Do: desk.DoNote, Body: "Echo."}}})
		// A second rule answers the first: A → B → A is cut as well.
		sc.automation(desk.Automation{Name: "Answer", When: desk.AutomationWhen{Event: "note"}, If: desk.AutomationIf{Words: []string{"echo"}},
			Then: []desk.AutomationAction{{Do: desk.DoNote, Body: "Answering the echo."}}})
		must(sc.svc.AddMessage(sc.ctx, desk.AgentActor(sc.ann), c.ID, desk.NewMessage{Body: "Checked the line.", Internal: true}))
		rec := sc.record(c.ID, sc.sys)
		echo, answer := byAutomation(rec, "Echo"), byAutomation(rec, "Answer")
		var cuts []desk.Entry
		for _, e := range rec {
			if e.Actor.Kind == desk.ActorSystem && strings.Contains(e.Body, "loop is cut") {
				cuts = append(cuts, e)
			}
		}
		if len(echo) != 1 || len(answer) != 1 {
			t.Fatalf("Echo wrote %d notes and Answer %d, want one each", len(echo), len(answer))
		}
		if len(cuts) != 2 || !strings.Contains(cuts[0].Body, "Echo") && !strings.Contains(cuts[1].Body, "Echo") {
			t.Fatalf("the record says of the loop: %+v", cuts)
		}
		must(sc.svc.AddMessage(sc.ctx, desk.AgentActor(sc.ann), c.ID, desk.NewMessage{Body: "Called the customer.", Internal: true}))
		rec = sc.record(c.ID, sc.sys)
		if n := len(byAutomation(rec, "Echo")); n != 2 {
			t.Errorf("after a second note Echo wrote %d in all, want 2", n)
		}
		n := 0
		for _, e := range rec {
			if strings.Contains(e.Body, "loop is cut") {
				n++
			}
		}
		if n != 2 {
			t.Errorf("the loop is said %d times, want once per rule", n)
		}
	})
}

// The other time conditions: "a promise due within 2 hours" reminds the owner once per
// promise when it comes within 2 hours of its due time; "waiting on the customer 3 days" acts
// on a case the desk answered and the customer left for three days, not on one whose customer
// waits for the desk.
func TestAutomationPromiseDueAndWaiting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		always := map[string][]string{}
		must(sc.svc.SetTeamSettings(sc.ctx, sc.sys, "Billing", service.TeamSettingsIn{BusinessHours: &always}))
		sc.clock.Set(sc.at(0, "10:00"))
		promised := sc.openCase(sc.ann, "Refund")
		must(sc.svc.MakePromise(sc.ctx, desk.AgentActor(sc.ann), promised.ID, desk.NewPromise{Kind: "update", DueAt: sc.at(0, "16:00"), Words: "I write by four."}))
		answered := sc.openCase(sc.ann, "Router")
		must(sc.svc.AddMessage(sc.ctx, desk.AgentActor(sc.ann), answered.ID, desk.NewMessage{Body: "Please restart it and tell us."}))
		waiting := sc.openCase(sc.ann, "Kettle") // the customer waits for the desk
		// Set waiting on the customer by the desk (issue 16), though nobody answered in writing.
		snoozed := sc.openCase(sc.ann, "Meter reading")
		must(sc.svc.SetWaiting(sc.ctx, desk.AgentActor(sc.ann), snoozed.ID, service.WaitingIn{}))
		sc.automation(desk.Automation{Name: "Due soon", When: desk.AutomationWhen{PromiseDueHours: 2},
			Then: []desk.AutomationAction{{Do: desk.DoNote, Body: "A promise is due soon."}}})
		sc.automation(desk.Automation{Name: "Chase", When: desk.AutomationWhen{WaitingDays: 3},
			Then: []desk.AutomationAction{{Do: desk.DoNote, Body: "The customer has been quiet for three days."}}})
		count := func(id int64, name string) int { return len(byAutomation(sc.record(id, sc.sys), name)) }
		sc.advance(sc.at(0, "13:55").Sub(sc.clock.Now()))
		if n := count(promised.ID, "Due soon"); n != 0 {
			t.Fatalf("at 13:55 (2h05 before the due time) it acted %d times", n)
		}
		sc.advance(10 * time.Minute) // 14:05
		if n := count(promised.ID, "Due soon"); n != 1 {
			t.Fatalf("at 14:05 it acted %d times, want once", n)
		}
		sc.advance(30 * time.Minute)
		if n := count(promised.ID, "Due soon"); n != 1 {
			t.Errorf("it acted %d times on one promise", n)
		}
		sc.advance(3 * 24 * time.Hour)
		if n := count(answered.ID, "Chase"); n != 1 {
			t.Errorf("on the answered case Chase acted %d times, want once", n)
		}
		if n := count(waiting.ID, "Chase"); n != 0 {
			t.Errorf("on a case waiting for the desk Chase acted %d times", n)
		}
		if n := count(snoozed.ID, "Chase"); n != 1 {
			t.Errorf("on a case set waiting on the customer Chase acted %d times, want once", n)
		}
	})
}

// Issue 22: a routing rule links new cases about an outage to the open incident, through the
// command people use (the entry, the incident's open promise on the case); once the incident
// is resolved the rule links nothing and says so on the record. A rule naming no incident is
// refused when it is saved.
func TestAutomationLinksIncident(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		lea := desk.AgentActor(sc.lead)
		inc := must(sc.svc.CreateIncident(sc.ctx, lea, desk.NewIncident{Title: "Fibre outage"}))
		first := sc.openCase(sc.bob, "No internet")
		must(sc.svc.LinkCases(sc.ctx, lea, inc.ID, []int64{first.ID}))
		must(sc.svc.PromiseIncident(sc.ctx, lea, inc.ID, desk.NewPromise{Kind: "fix", DueAt: sc.at(0, "16:00"), Words: "Fixed by 16:00."}))
		link := desk.AutomationAction{Do: desk.DoLinkIncident, IncidentID: inc.ID}
		when := desk.AutomationWhen{Event: "case_opened"}
		for field, bad := range map[string]desk.AutomationAction{
			"then[0].incident_id": {Do: desk.DoLinkIncident},
		} {
			_, err := sc.svc.CreateAutomation(sc.ctx, desk.AgentActor(sc.head), desk.Automation{Name: "x", When: when, Then: []desk.AutomationAction{bad}})
			if e, ok := desk.AsError(err); !ok || e.Field != field {
				t.Errorf("%s: %v", field, err)
			}
		}
		_, err := sc.svc.CreateAutomation(sc.ctx, desk.AgentActor(sc.head), desk.Automation{Name: "x", When: when,
			Then: []desk.AutomationAction{{Do: desk.DoLinkIncident, IncidentID: inc.ID + 99}}})
		if e, ok := desk.AsError(err); !ok || e.Field != "then[0].incident_id" {
			t.Errorf("a rule naming no incident was saved: %v", err)
		}
		sc.automation(desk.Automation{Name: "Outages", When: when, If: desk.AutomationIf{Words: []string{"outage"}}, Then: []desk.AutomationAction{link}})

		c := sc.openCase(sc.ann, "Internet outage since noon")
		other := sc.openCase(sc.ann, "Invoice twice")
		rec := sc.record(c.ID, sc.sys)
		got := byAutomation(rec, "Outages")
		if len(got) == 0 || got[0].Kind != desk.KindIncidentLinked {
			t.Fatalf("the rule's entries: %+v", got)
		}
		if !hasKind(got, desk.KindPromiseMade) {
			t.Error("the linked case has not the incident's open promise")
		}
		if hasKind(sc.record(other.ID, sc.sys), desk.KindIncidentLinked) {
			t.Error("a case without the words was linked")
		}
		v := must(sc.svc.Incident(sc.ctx, lea, inc.ID))
		if len(v.Cases) != 2 || v.Cases[1].ID != c.ID {
			t.Errorf("the incident's cases: %+v", v.Cases)
		}

		must(sc.svc.ResolveIncident(sc.ctx, lea, inc.ID, "The cable is repaired."))
		late := sc.openCase(sc.ann, "Another outage?")
		rec = sc.record(late.ID, sc.sys)
		if hasKind(rec, desk.KindIncidentLinked) {
			t.Error("a resolved incident got a case by the rule")
		}
		got = byAutomation(rec, "Outages")
		if len(got) != 1 || !strings.Contains(got[0].Body, "resolved") || !got[0].Internal {
			t.Errorf("the refusal on the record: %+v", got)
		}
		if v := must(sc.svc.Incident(sc.ctx, lea, inc.ID)); len(v.Cases) != 2 {
			t.Errorf("after the fix the incident has %d cases", len(v.Cases))
		}
	})
}

// Routing on references found (issue 16): a rule on a reference kind acts on a case whose mail
// names one of that kind (an invoice number after its word, in Estonian here; a parcel's S10
// code), not on one that only speaks of an invoice; a kind the desk does not find is refused.
func TestAutomationOnReferencesFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		if _, err := sc.svc.CreateAutomation(sc.ctx, desk.AgentActor(sc.head), desk.Automation{Name: "x", When: desk.AutomationWhen{Event: "case_opened"},
			If: desk.AutomationIf{Refs: []string{"iban"}}, Then: []desk.AutomationAction{{Do: desk.DoNote, Body: "x"}}}); !isInvalid(err, "if.refs") {
			t.Fatalf("a rule on an unknown reference kind: %v", err)
		}
		sc.automation(desk.Automation{Name: "Invoices by number", When: desk.AutomationWhen{Event: "case_opened"},
			If:   desk.AutomationIf{Refs: []string{"invoice", "tracking"}},
			Then: []desk.AutomationAction{{Do: desk.DoSetPriority, Priority: desk.PriorityHigh}, {Do: desk.DoAddTags, Tags: []string{"reference"}}}})
		open := func(subject, body string) service.CaseView {
			c := must(sc.svc.OpenCase(sc.ctx, sc.sys, desk.NewCase{CustomerID: sc.mari.ID, Subject: subject, Body: body, Channel: "email", OwnerID: sc.ann.ID}))
			return must(sc.svc.Case(sc.ctx, sc.sys, c.ID))
		}
		for _, tc := range []struct {
			subject, body string
			routed        bool
		}{
			{"Topelt arve", "Tere! Arve nr 2026-1187 tuli kaks korda.", true},
			{"Where is my parcel?", "The code is RR123456785EE.", true},
			{"Topelt arve", "Tere! Novembri arve tuli kaks korda.", false},
			{"Order", "My order 99312 is late.", false},
		} {
			c := open(tc.subject, tc.body)
			routed := c.Priority == desk.PriorityHigh && slices.Contains(c.Tags, "reference")
			if routed != tc.routed {
				t.Errorf("%q: priority %s, tags %v; want the rule to act: %v", tc.body, c.Priority, c.Tags, tc.routed)
			}
			if got := len(byAutomation(sc.record(c.ID, sc.sys), "Invoices by number")) > 0; got != tc.routed {
				t.Errorf("%q: the rule on the record: %v, want %v", tc.body, got, tc.routed)
			}
		}
	})
}
