package service_test

import (
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// "N hours before a promise is due" counts the team's business hours (issue 17: time conditions
// run on business time): a promise due Monday 10:00 is two business hours away on Friday
// after 16:00 (one hour left on Friday, one on Monday morning), though 66 hours of the clock,
// and the rule acts then, once; at Friday 15:55 it is 2h05 away and the rule waits.
func TestAutomationPromiseDueInBusinessHours(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		hours := map[string][]string{"mon": {"09:00-17:00"}, "tue": {"09:00-17:00"}, "wed": {"09:00-17:00"}, "thu": {"09:00-17:00"}, "fri": {"09:00-17:00"}}
		zone := "Europe/Tallinn"
		must(sc.svc.SetTeamSettings(sc.ctx, sc.sys, "Billing", service.TeamSettingsIn{BusinessHours: &hours, Timezone: &zone}))
		sc.clock.Set(sc.at(4, "14:55")) // Friday
		c := sc.openCase(sc.ann, "Refund")
		must(sc.svc.MakePromise(sc.ctx, desk.AgentActor(sc.ann), c.ID, desk.NewPromise{Kind: "update", DueAt: sc.at(7, "10:00"), Words: "I write on Monday by ten."}))
		sc.automation(desk.Automation{Name: "Due soon", When: desk.AutomationWhen{PromiseDueHours: 2},
			Then: []desk.AutomationAction{{Do: desk.DoRemind, Body: "a promise is due within two business hours"}}})
		count := func() int { return len(byAutomation(sc.record(c.ID, sc.sys), "Due soon")) }

		sc.advance(sc.at(4, "15:55").Sub(sc.clock.Now()))
		if n := count(); n != 0 {
			t.Fatalf("at Friday 15:55 (2h05 of business hours before the due time) it acted %d times", n)
		}
		sc.advance(10 * time.Minute) // Friday 16:05: 55 minutes on Friday and one hour on Monday
		if n := count(); n != 1 {
			t.Fatalf("at Friday 16:05 it acted %d times, want once", n)
		}
		sc.advance(sc.at(7, "09:30").Sub(sc.clock.Now())) // the sweeps over the weekend
		if n := count(); n != 1 {
			t.Errorf("by Monday 09:30 it acted %d times on one promise", n)
		}
	})
}
