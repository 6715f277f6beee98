package service_test

import (
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// A slip restates the promise for its new time, and every view shows the words the customer is
// promised now, while the record keeps the earlier words too (issue 15, finding 6: after a slip
// the case, the manager's list and the portal still said the first time).
func TestSlipRestatesTheWords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		c := sc.openCase(sc.ann, "Refund for the double charge")
		asAnn, asMari := desk.AgentActor(sc.ann), desk.CustomerActor(sc.mari)
		// Mari reads times in Tallinn (the owner's zone: she has none of her own).
		p := must(sc.svc.MakePromise(sc.ctx, asAnn, c.ID, desk.NewPromise{Kind: "callback", DueAt: sc.at(0, "16:45"),
			Words: "I will call you on Monday at 16:45 about the refund."}))

		// Without new words the desk rewrites the time it finds in them.
		must(sc.svc.SlipPromise(sc.ctx, asAnn, p.ID, desk.Slip{DueAt: sc.at(1, "10:00"), Reason: "The bank answers tomorrow",
			Message: "Sorry: the bank answers only tomorrow, so I call you then."}))
		want := "I will call you on Tuesday at 10:00 about the refund."
		checkWords := func(want string) {
			t.Helper()
			if got := must(sc.svc.Promise(sc.ctx, asAnn, p.ID)); got.Words != want {
				t.Errorf("the promise says %q, want %q", got.Words, want)
			}
			if got := must(sc.svc.Promises(sc.ctx, desk.AgentActor(sc.lead), service.PromiseList{State: desk.PromiseOpen, Team: "Billing"})); len(got) != 1 || got[0].Words != want {
				t.Errorf("the manager's list says %+v, want %q", got, want)
			}
			if got := must(sc.svc.PortalCase(sc.ctx, asMari, c.ID)); len(got.Case.Promises) != 1 || got.Case.Promises[0].Words != want {
				t.Errorf("the portal's case says %+v, want %q", got.Case.Promises, want)
			}
			if got := must(sc.svc.PortalCases(sc.ctx, asMari, 10)); len(got) != 1 || len(got[0].OpenPromises) != 1 || got[0].OpenPromises[0].Words != want {
				t.Errorf("the portal's list says %+v, want %q", got, want)
			}
		}
		checkWords(want)
		slip := lastOf(sc.record(c.ID, asAnn), desk.KindPromiseSlipped)
		d, _ := desk.DataOf[desk.PromiseSlippedData](*slip)
		if d.Words != want || d.EarlierWords != "I will call you on Monday at 16:45 about the refund." || slip.Body != want {
			t.Fatalf("the slip's record: body %q, data %+v", slip.Body, d)
		}

		// Words given with the slip are the promise from then on.
		again := "I will call you on Wednesday morning, at 09:30, with the bank's answer."
		must(sc.svc.SlipPromise(sc.ctx, asAnn, p.ID, desk.Slip{DueAt: sc.at(2, "09:30"), Reason: "The bank needs another day",
			Message: "Sorry again: the bank needs one more day.", Words: again}))
		checkWords(again)
		d, _ = desk.DataOf[desk.PromiseSlippedData](*lastOf(sc.record(c.ID, asAnn), desk.KindPromiseSlipped))
		if d.Words != again || d.EarlierWords != want {
			t.Fatalf("the second slip's record: %+v", d)
		}
	})
}
