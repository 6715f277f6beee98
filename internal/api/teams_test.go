package api_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestTeamsOverHTTP sets a team's calendar, resolution target and addresses (CONTRACT.md: PUT
// /api/v1/teams/{name}, fields not given unchanged) and lists the teams (GET /api/v1/teams).
func TestTeamsOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		hours := map[string][]string{"mon": {"09:00-17:00"}, "fri": {"09:00-15:00"}}
		got := obj(d.call("PUT", "/api/v1/teams/Billing", map[string]any{"timezone": "Europe/Tallinn", "business_hours": hours,
			"holidays": []string{"2026-12-25", "2026-12-24"}, "addresses": []string{"Billing@desk.example"}, "resolution_target_s": 28800}, 200))
		if got["timezone"] != "Europe/Tallinn" || fmt.Sprint(got["holidays"]) != "[2026-12-24 2026-12-25]" || fmt.Sprint(got["addresses"]) != "[billing@desk.example]" ||
			got["resolution_target_s"] != float64(28800) || fmt.Sprint(obj(got["business_hours"])["fri"]) != "[09:00-15:00]" {
			t.Errorf("PUT answered %v", got)
		}
		// A field not given stays as it was; business hours {} mean round the clock again.
		got = obj(d.call("PUT", "/api/v1/teams/Billing", map[string]any{"response_target_s": 7200, "business_hours": map[string]any{}}, 200))
		if got["timezone"] != "Europe/Tallinn" || got["response_target_s"] != float64(7200) || got["business_hours"] != nil || len(list(got["holidays"])) != 2 {
			t.Errorf("second PUT answered %v", got)
		}
		teams := list(d.call("GET", "/api/v1/teams", nil, 200))
		if len(teams) != 1 || obj(teams[0])["name"] != "Billing" || fmt.Sprint(obj(teams[0])["addresses"]) != "[billing@desk.example]" {
			t.Errorf("teams %v", teams)
		}
		status, ans := d.do("PUT", "/api/v1/teams/Billing", d.token, map[string]any{"timezone": "Nowhere/Else"})
		if code, field, _ := errorOf(ans); status != 422 || code != "invalid" || field != "timezone" {
			t.Errorf("an unknown zone: %d %v", status, ans)
		}
	})
}

// TestTeamHolidaysFromCalendar imports a public-holiday calendar (.ics) into a team's holidays
// (issue 15, item 3: "dates, importable from an .ics file"): its whole days from a year back to
// three years ahead join the holidays given, yearly rules followed and exceptions kept.
func TestTeamHolidaysFromCalendar(t *testing.T) {
	ics, err := os.ReadFile("../mail/testdata/holidays-ee.ics")
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		got := obj(d.call("PUT", "/api/v1/teams/Billing", map[string]any{"holidays": []string{"2026-12-31"}, "holidays_ics": string(ics)}, 200))
		days := fmt.Sprint(got["holidays"])
		for _, want := range []string{"2026-02-24", "2026-12-24", "2026-12-26", "2026-12-31", "2027-03-26", "2029-01-01"} {
			if !strings.Contains(days, want) {
				t.Errorf("holidays lack %s: %s", want, days)
			}
		}
		for _, not := range []string{"2026-12-23", "2027-01-02", "2028-02-24", "2030-01-01"} {
			if strings.Contains(days, not) {
				t.Errorf("holidays hold %s: %s", not, days)
			}
		}
		// A second import adds to what the team has; nothing is counted twice.
		again := obj(d.call("PUT", "/api/v1/teams/Billing", map[string]any{"holidays_ics": string(ics)}, 200))
		if fmt.Sprint(again["holidays"]) != days {
			t.Errorf("a second import changed the holidays:\n%v\n%v", again["holidays"], days)
		}
		status, ans := d.do("PUT", "/api/v1/teams/Billing", d.token, map[string]any{"holidays_ics": "24.12 Christmas Eve"})
		if code, field, msg := errorOf(ans); status != 422 || code != "invalid" || field != "holidays_ics" || msg == "" {
			t.Errorf("a file that is no calendar: %d %v", status, ans)
		}
	})
}
