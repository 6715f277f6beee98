package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/text"
)

// What a desk that has run for months has besides its cases (issue 16, finding 7): an address
// per team, routing rules, a public holiday in a team's calendar, and cases waiting on their
// customers. The rules, the holiday and the waiting are set once the story is told, on the
// demo's clock at now, so the cases read as they always did; the addresses route only mail,
// which the story does not receive.

// teamAddresses are the desk addresses that route mail to each team.
var teamAddresses = map[string]string{
	teamBilling:    "billing@demo.kept.example",
	teamRepairs:    "repairs@demo.kept.example",
	teamDeliveries: "deliveries@demo.kept.example",
}

// holidayTeam keeps Estonia's public holidays: its lead, who signs in, works in Tallinn.
const (
	holidayTeam = teamDeliveries
	holidayZone = "Europe/Tallinn"
)

// estonianHolidays are Estonia's public holidays on fixed dates (month, day).
var estonianHolidays = [][2]int{{1, 1}, {2, 24}, {5, 1}, {6, 23}, {6, 24}, {8, 20}, {12, 24}, {12, 25}, {12, 26}}

// nextHoliday is the first Estonian public holiday after t, as a date in Tallinn.
func nextHoliday(t time.Time, loc *time.Location) string {
	local := t.In(loc)
	for year := local.Year(); ; year++ {
		for _, md := range estonianHolidays {
			d := time.Date(year, time.Month(md[0]), md[1], 0, 0, 0, 0, loc)
			if d.After(local) {
				return d.Format(time.DateOnly)
			}
		}
	}
}

// demoRules are the routing rules a team moving in would set up first: on words, on a
// reference found (a parcel's tracking code) and on the channel.
func demoRules() []desk.Automation {
	opened := desk.AutomationWhen{Event: "case_opened"}
	return []desk.Automation{
		{Name: "Invoices go to Billing", Active: true, When: opened,
			If: desk.AutomationIf{Words: []string{"invoice", "arve", "račun"}},
			Then: []desk.AutomationAction{{Do: desk.DoSetTeam, Team: teamBilling}, {Do: desk.DoSetPriority, Priority: desk.PriorityHigh},
				{Do: desk.DoAddTags, Tags: []string{"invoice"}}}},
		{Name: "Parcel codes go to Deliveries", Active: true, When: opened,
			If:   desk.AutomationIf{Refs: []string{text.RefTracking}},
			Then: []desk.AutomationAction{{Do: desk.DoSetTeam, Team: teamDeliveries}, {Do: desk.DoAddTags, Tags: []string{"parcel"}}}},
		{Name: "Public complaints first", Active: true, When: opened,
			If:   desk.AutomationIf{Channel: "social"},
			Then: []desk.AutomationAction{{Do: desk.DoSetPriority, Priority: desk.PriorityUrgent}, {Do: desk.DoAddTags, Tags: []string{"public"}}}},
	}
}

// shippedInvoices is the name of the shipped example that tags and routes invoices.
func shippedInvoices() string {
	for _, ex := range desk.ShippedAutomations() {
		if ex.Key == "invoices" {
			return ex.Rule.Name
		}
	}
	return ""
}

// waitingCases is how many open cases the desk has answered and now waits on the customer for.
const waitingCases = 4

// settle sets up the rules and the holiday, and sets a few answered open cases waiting on
// their customers (the first of them until a few days from now), each by its owner.
func (s *seeder) settle(ctx context.Context, head *staff) error {
	by := desk.AgentActor(head.Agent)
	// kept serve sets up the shipped examples, turned off, before it seeds: the demo's own
	// invoice rule takes the place of the example's, so the page lists one rule for invoices.
	have, err := s.svc.Automations(ctx, by)
	if err != nil {
		return err
	}
	for _, a := range have {
		if a.Name == shippedInvoices() && !a.Active {
			if err := s.svc.DeleteAutomation(ctx, by, a.ID); err != nil {
				return fmt.Errorf("demo rules: %w", err)
			}
		}
	}
	for _, a := range demoRules() {
		if _, err := s.svc.CreateAutomation(ctx, by, a); err != nil {
			return fmt.Errorf("demo rule %q: %w", a.Name, err)
		}
	}
	loc, err := time.LoadLocation(holidayZone)
	if err != nil {
		return fmt.Errorf("demo holiday: %w", err)
	}
	zone := holidayZone
	if _, err := s.svc.SetTeamSettings(ctx, by, holidayTeam, service.TeamSettingsIn{Timezone: &zone,
		Holidays: []string{nextHoliday(s.clk.Now(), loc)}}); err != nil {
		return fmt.Errorf("demo holiday: %w", err)
	}
	open, err := s.svc.Cases(ctx, desk.SystemActor(), service.CaseList{Statuses: []desk.Status{desk.StatusOpen}, Limit: 200})
	if err != nil {
		return err
	}
	set := 0
	for _, c := range open {
		if set == waitingCases {
			break
		}
		owner := s.byID[c.OwnerID]
		if owner == nil || !s.answered(ctx, c.ID) {
			continue
		}
		in := service.WaitingIn{}
		if set == 0 {
			in.Until = s.clk.Now().Add(3 * 24 * time.Hour)
		}
		if _, err := s.svc.SetWaiting(ctx, desk.AgentActor(owner.Agent), c.ID, in); err != nil {
			return fmt.Errorf("demo case %s waiting: %w", c.Ref, err)
		}
		set++
	}
	return nil
}

// answered reports whether the desk spoke last on a case: a reply to the customer with
// nothing from them since, so the desk waits on them.
func (s *seeder) answered(ctx context.Context, caseID int64) bool {
	rec, err := s.svc.Record(ctx, desk.SystemActor(), caseID)
	if err != nil {
		return false
	}
	for i := len(rec) - 1; i >= 0; i-- {
		switch rec[i].Kind {
		case desk.KindMessageOut:
			return true
		case desk.KindMessageIn, desk.KindCall:
			return false
		}
	}
	return false
}
