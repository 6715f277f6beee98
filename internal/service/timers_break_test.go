package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// A break that escalates to a manager cancels, with the case's response target, the promise's
// reminders still pending (one retrying after a failure may fall due after the promise), and
// leaves the case's other timers alone.
func TestBreakCancelsRemindersAndResponseTarget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		c := sc.openCase(sc.ann, "Call me back")
		due := sc.at(0, "11:00")
		p := must(sc.svc.MakePromise(sc.ctx, desk.AgentActor(sc.ann), c.ID, desk.NewPromise{Kind: "callback", DueAt: due, Words: "I call you back at 11"}))
		kinds := func() string {
			tms := storetest.Read(t, sc.svc.Store(), func(ctx context.Context, tx *store.Tx) ([]store.Timer, error) { return tx.PendingTimers(ctx, c.ID) })
			var ks []string
			for _, tm := range tms {
				ks = append(ks, tm.Kind)
			}
			return strings.Join(ks, ",")
		}
		// A reminder due after the promise, as one retried after failures would be, and a
		// timer of another kind on the case.
		err := sc.svc.Store().Write(sc.ctx, func(tx *store.Tx) error {
			for _, tm := range []store.Timer{
				{Kind: "promise_reminder", DueAt: due.Add(time.Hour), CaseID: c.ID, RefID: p.ID},
				{Kind: "handover_return", DueAt: due.Add(2 * time.Hour), CaseID: c.ID, RefID: c.ID, Payload: []byte(`{}`)},
			} {
				if _, err := tx.AddTimer(sc.ctx, tm, sc.clock.Now()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := kinds(); !strings.Contains(got, "response_due") || !strings.Contains(got, "promise_due") || !strings.Contains(got, "promise_reminder") {
			t.Fatalf("before the break: %s", got)
		}
		sc.advance(due.Sub(sc.clock.Now()) + time.Second)
		if got := must(sc.svc.Case(sc.ctx, sc.sys, c.ID)); got.Rung != 1 || got.OwnerID != sc.lead.ID {
			t.Fatalf("after the break: rung %d owner %d", got.Rung, got.OwnerID)
		}
		if got := kinds(); got != "handover_return" {
			t.Errorf("pending after the break: %s, want only handover_return", got)
		}
	})
}
