package service_test

import (
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// A written promise and a slip's message to the customer answer them, as a reply does: a
// customer who writes "thanks" after either is not escalated as ignored, and their response
// clock restarts from their new message (issue 15, finding 1: before, a written promise did not
// count, and "thanks" escalated the case as the customer's second unanswered contact).
func TestWrittenPromiseAndSlipAnswer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		c := sc.openCase(sc.ann, "Refund for the double charge") // the customer waits: one contact
		asAnn, asMari := desk.AgentActor(sc.ann), desk.CustomerActor(sc.mari)
		p := must(sc.svc.MakePromise(sc.ctx, asAnn, c.ID, desk.NewPromise{Kind: "update", DueAt: sc.at(1, "11:00"), Words: "I write to you tomorrow at 11 about the refund"}))
		if _, ok := pendingTimer(sc, c.ID, "response_due"); ok {
			t.Error("the response clock still runs after a written promise")
		}
		must(sc.svc.AddMessage(sc.ctx, asMari, c.ID, desk.NewMessage{Body: "Thanks!"}))
		if got := must(sc.svc.Case(sc.ctx, sc.sys, c.ID)); got.Rung != 0 {
			t.Fatalf("after a written promise, the customer's thanks escalated the case to rung %d", got.Rung)
		}
		if _, ok := pendingTimer(sc, c.ID, "response_due"); !ok {
			t.Error("the customer's new message started no response clock")
		}
		must(sc.svc.SlipPromise(sc.ctx, asAnn, p.ID, desk.Slip{DueAt: sc.at(1, "15:00"), Reason: "The bank answers after lunch",
			Message: "I am sorry: the bank answers only after lunch, so I write to you at 15:00."}))
		must(sc.svc.AddMessage(sc.ctx, asMari, c.ID, desk.NewMessage{Body: "OK, thank you."}))
		if got := must(sc.svc.Case(sc.ctx, sc.sys, c.ID)); got.Rung != 0 {
			t.Fatalf("after a slip's message, the customer's answer escalated the case to rung %d", got.Rung)
		}
		sc.advance(time.Minute)
	})
}
