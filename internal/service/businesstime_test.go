package service_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// billingWorksOfficeHours gives the scene's team (Billing) business hours Monday to Friday
// 09:00-17:00 in Tallinn, with holidays and targets.
func billingWorksOfficeHours(sc *scene, holidays []string, set service.TeamSettingsIn) desk.TeamSettings {
	sc.t.Helper()
	zone := "Europe/Tallinn"
	hours := map[string][]string{"mon": {"09:00-17:00"}, "tue": {"09:00-17:00"}, "wed": {"09:00-17:00"}, "thu": {"09:00-17:00"}, "fri": {"09:00-17:00"}}
	set.Timezone, set.BusinessHours, set.Holidays = &zone, &hours, holidays
	return must(sc.svc.SetTeamSettings(sc.ctx, sc.sys, "Billing", set))
}

func pendingTimer(sc *scene, caseID int64, kind string) (time.Time, bool) {
	sc.t.Helper()
	tms := storetest.Read(sc.t, sc.st, func(ctx context.Context, tx *store.Tx) ([]store.Timer, error) { return tx.PendingTimers(ctx, caseID) })
	for _, tm := range tms {
		if tm.Kind == kind {
			return tm.DueAt, true
		}
	}
	return time.Time{}, false
}

// A team's response target counts its business hours, not the wall clock: a customer who writes
// on Friday at 16:30 to a team that answers within an hour, closed at the weekend and on the
// Monday after (a holiday), is due an answer on Tuesday at 09:30 — and nothing escalates to a
// manager over the weekend. (Before, the target fell due on Friday at 17:30 and the case went
// up the ladder on a Saturday.)
func TestResponseTargetCountsBusinessHours(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		target := time.Hour
		billingWorksOfficeHours(sc, []string{"2026-11-30"}, service.TeamSettingsIn{ResponseTarget: &target})
		sc.clock.Set(sc.at(4, "16:30")) // Friday 27 November
		c := sc.openCase(sc.ann, "Charged twice")
		due, ok := pendingTimer(sc, c.ID, "response_due")
		if want := sc.at(8, "09:30"); !ok || !due.Equal(want) {
			t.Fatalf("the response target falls due %s (pending %v), want Tuesday %s", due.In(sc.tallinn), ok, want)
		}
		sc.advance(sc.at(5, "12:00").Sub(sc.clock.Now())) // Saturday noon
		sc.advance(sc.at(8, "09:29").Sub(sc.clock.Now()))
		if got := must(sc.svc.Case(sc.ctx, sc.sys, c.ID)); got.Rung != 0 {
			t.Fatalf("escalated before the business-time target: rung %d, owner %s", got.Rung, got.Owner.Name)
		}
		sc.advance(2 * time.Minute)
		if got := must(sc.svc.Case(sc.ctx, sc.sys, c.ID)); got.Rung != 1 || got.OwnerID != sc.lead.ID {
			t.Errorf("after the target: rung %d, owner %s; want the lead at rung 1", got.Rung, got.Owner.Name)
		}
	})
}

// A team's resolution target escalates a case its team has not resolved in that much business
// time, with the reason in the customer's words; a case resolved in time is left alone.
func TestResolutionTarget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		resolve := 8 * time.Hour // one business day
		billingWorksOfficeHours(sc, nil, service.TeamSettingsIn{ResolutionTarget: &resolve})
		sc.clock.Set(sc.at(4, "16:00")) // Friday
		late := sc.openCase(sc.ann, "Router keeps dropping")
		kept := sc.openCase(sc.ann, "Invoice address")
		due, ok := pendingTimer(sc, late.ID, "resolution_due")
		if want := sc.at(7, "16:00"); !ok || !due.Equal(want) {
			t.Fatalf("the resolution target falls due %s (pending %v), want Monday %s", due.In(sc.tallinn), ok, want)
		}
		sc.advance(sc.at(7, "10:00").Sub(sc.clock.Now()))
		must(sc.svc.Resolve(sc.ctx, desk.AgentActor(sc.ann), kept.ID, "We corrected the address on the invoice."))
		sc.advance(sc.at(7, "16:01").Sub(sc.clock.Now()))
		if got := must(sc.svc.Case(sc.ctx, sc.sys, kept.ID)); got.Rung != 0 {
			t.Errorf("a case resolved in time escalated: rung %d", got.Rung)
		}
		got := must(sc.svc.Case(sc.ctx, sc.sys, late.ID))
		if got.Rung != 1 {
			t.Fatalf("a case past its resolution target: rung %d, want 1", got.Rung)
		}
		esc := lastOf(sc.record(late.ID, sc.sys), desk.KindEscalated)
		var data struct {
			Trigger string `json:"trigger"`
		}
		if esc == nil || json.Unmarshal(esc.Data, &data) != nil || data.Trigger != desk.TriggerResolution {
			t.Errorf("the escalation: %+v", esc)
		}
	})
}

// Team calendars are checked when set, and an address goes to one team only.
func TestTeamCalendarRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		bad := "Mars/Olympus"
		if _, err := sc.svc.SetTeamSettings(sc.ctx, sc.sys, "Billing", service.TeamSettingsIn{Timezone: &bad}); !isInvalid(err, "timezone") {
			t.Errorf("an unknown zone: %v", err)
		}
		if _, err := sc.svc.SetTeamSettings(sc.ctx, sc.sys, "Billing", service.TeamSettingsIn{Holidays: []string{"24.12."}}); !isInvalid(err, "holidays") {
			t.Errorf("a holiday that is no date: %v", err)
		}
		hours := map[string][]string{"mon": {"17:00-09:00"}}
		if _, err := sc.svc.SetTeamSettings(sc.ctx, sc.sys, "Billing", service.TeamSettingsIn{BusinessHours: &hours}); !isInvalid(err, "business_hours.mon[0]") {
			t.Errorf("hours that end before they start: %v", err)
		}
		must(sc.svc.SetTeamSettings(sc.ctx, sc.sys, "Billing", service.TeamSettingsIn{Addresses: []string{"Billing@Desk.example"}}))
		_, err := sc.svc.SetTeamSettings(sc.ctx, sc.sys, "Repairs", service.TeamSettingsIn{Addresses: []string{"billing@desk.example"}})
		if e, ok := desk.AsError(err); !ok || e.Code != "address_taken" {
			t.Errorf("an address another team has: %v", err)
		}
		teams := must(sc.svc.Teams(sc.ctx, sc.sys)) // the refused call made no team Repairs
		if len(teams) != 1 || teams[0].Name != "Billing" || len(teams[0].Addresses) != 1 || teams[0].Addresses[0] != "billing@desk.example" {
			t.Errorf("teams: %+v", teams)
		}
	})
}

func isInvalid(err error, field string) bool {
	e, ok := desk.AsError(err)
	return ok && e.Kind == desk.KindInvalid && e.Field == field
}

// serviceTarget sets only a team's response target.
func serviceTarget(d time.Duration) service.TeamSettingsIn {
	return service.TeamSettingsIn{ResponseTarget: &d}
}
