package api_test

import (
	"fmt"
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
