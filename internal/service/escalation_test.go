package service_test

import (
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// An escalation goes to the first person up the ladder who is at work: with the lead on leave,
// a broken promise goes past her to the head of care, and the record tells the desk why (issue
// 15, finding 3: before, the case went to the lead on leave).
func TestEscalationPassesOverSomeoneAway(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		c := sc.openCase(sc.ann, "Call me back")
		must(sc.svc.AddAbsence(sc.ctx, desk.AgentActor(sc.lead), sc.lead.ID, desk.NewAbsence{Kind: "sick", From: sc.clock.Now(), To: sc.at(3, "09:00")}, nil))
		must(sc.svc.MakePromise(sc.ctx, desk.AgentActor(sc.ann), c.ID, desk.NewPromise{Kind: "callback", DueAt: sc.at(0, "11:00"), Words: "I call you at 11"}))
		sc.advance(sc.at(0, "11:01").Sub(sc.clock.Now()))
		got := must(sc.svc.Case(sc.ctx, sc.sys, c.ID))
		if got.OwnerID != sc.head.ID || got.Rung != 1 {
			t.Fatalf("after the break the case is with %s at rung %d, want the head of care (the lead is sick)", got.Owner.Name, got.Rung)
		}
		note := lastOf(sc.record(c.ID, sc.sys), desk.KindNote)
		if note == nil || !note.Internal || !strings.Contains(note.Body, "Lea Lead is not at work until Thu 26 Nov 09:00") || !strings.Contains(note.Body, "goes up to Hele Head") {
			t.Errorf("the record's note: %+v", note)
		}
	})
}

// When nobody up the ladder is at work (a Saturday), the escalation waits for the first of them
// to be back (Monday 09:00), and the record says so; if the customer is answered meanwhile, it
// does not happen at all.
func TestEscalationWaitsForSomeoneAtWork(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		target := time.Hour
		must(sc.svc.SetTeamSettings(sc.ctx, sc.sys, "Billing", serviceTarget(target)))
		sc.clock.Set(sc.at(5, "10:00")) // Saturday 28 November
		waits := sc.openCase(sc.ann, "Charged twice")
		answered := sc.openCase(sc.ann, "Invoice address")
		sc.advance(sc.at(5, "11:01").Sub(sc.clock.Now())) // the response targets fall due
		for _, c := range []int64{waits.ID, answered.ID} {
			if got := must(sc.svc.Case(sc.ctx, sc.sys, c)); got.Rung != 0 {
				t.Fatalf("escalated on a Saturday to %s, who is off", got.Owner.Name)
			}
			note := lastOf(sc.record(c, sc.sys), desk.KindNote)
			if note == nil || !strings.Contains(note.Body, "nobody up the ladder is at work") || !strings.Contains(note.Body, "Mon 30 Nov 09:00") {
				t.Errorf("case %d: the record's note %+v", c, note)
			}
		}
		must(sc.svc.AddMessage(sc.ctx, desk.AgentActor(sc.ann), answered.ID, desk.NewMessage{Body: "We changed the address on the invoice."}))
		sc.advance(sc.at(7, "09:01").Sub(sc.clock.Now())) // Monday: the lead is at work
		if got := must(sc.svc.Case(sc.ctx, sc.sys, waits.ID)); got.Rung != 1 || got.OwnerID != sc.lead.ID {
			t.Errorf("on Monday the waiting escalation left the case with %s at rung %d, want the lead", got.Owner.Name, got.Rung)
		}
		if got := must(sc.svc.Case(sc.ctx, sc.sys, answered.ID)); got.Rung != 0 {
			t.Errorf("a customer answered meanwhile was escalated on Monday")
		}
	})
}
