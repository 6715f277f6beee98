package service_test

import (
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
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
