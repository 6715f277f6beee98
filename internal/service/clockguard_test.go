package service_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// Issue 20, finding 7: timers followed the wall clock, so a clock set forward broke promises
// early and mailed their customers. A jump forward of more than a minute now holds every timer
// and tells the admins; the promise breaks only once an admin confirms the clock is right.
// A clock that comes back by itself lets the timers run again without anyone's word.
func TestClockJumpHoldsTheTimers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		c := sc.openCase(sc.ann, "Call me back")
		p := must(sc.svc.MakePromise(sc.ctx, desk.AgentActor(sc.ann), c.ID, desk.NewPromise{Kind: "callback", DueAt: sc.clock.Now().Add(2 * time.Hour), Words: "I call you in two hours"}))
		runner := sc.svc.Timers(slog.New(slog.DiscardHandler))
		sc.clock.Jump(3 * time.Hour) // someone sets the server's clock three hours ahead
		if n := must(runner.RunDue(sc.ctx)); n != 0 {
			t.Fatalf("%d timers fired after the clock jumped forward", n)
		}
		if got := must(sc.svc.Promises(sc.ctx, sc.sys, service.PromiseList{CaseID: c.ID})); got[0].State != desk.PromiseOpen {
			t.Fatalf("the promise is %s after the clock jumped", got[0].State)
		}
		notes := must(sc.svc.Notifications(sc.ctx, desk.AgentActor(sc.head)))
		if len(notes) == 0 || notes[0].Kind != "clock_jumped" || !strings.Contains(notes[0].Body, "3h0m0s forward") {
			t.Fatalf("the admin was not told: %+v", notes)
		}
		// How far, for each reader to read in their own language (not Go's "3h0m0s").
		if a := notes[0].Args; len(a) != 1 || a[0].Kind != desk.ArgDuration || a[0].Number != 3*3600 {
			t.Errorf("the jump's arguments: %+v", a)
		}
		if st := must(sc.svc.Clock(desk.AgentActor(sc.ann))); !st.Held || st.DriftS != 3*3600 {
			t.Errorf("clock state %+v", st)
		}
		if _, err := sc.svc.ConfirmClock(desk.AgentActor(sc.ann)); err == nil {
			t.Fatal("an agent confirmed the clock")
		}
		must(sc.svc.ConfirmClock(desk.AgentActor(sc.head)))
		if n := must(runner.RunDue(sc.ctx)); n == 0 {
			t.Fatal("nothing fired after the admin confirmed the clock")
		}
		if got := must(sc.svc.Promises(sc.ctx, sc.sys, service.PromiseList{CaseID: c.ID})); got[0].ID != p.ID || got[0].State != desk.PromiseBroken {
			t.Fatalf("after the confirmation the promise is %s", got[0].State)
		}

		// A jump that is undone needs no one: the timers run again once the clock is back.
		sc.clock.Jump(2 * time.Hour)
		if n := must(runner.RunDue(sc.ctx)); n != 0 {
			t.Fatalf("%d timers fired after the second jump", n)
		}
		sc.clock.Jump(-2 * time.Hour)
		if st := must(sc.svc.Clock(desk.AgentActor(sc.ann))); st.Held {
			t.Errorf("still held with the clock back: %+v", st)
		}
	})
}
