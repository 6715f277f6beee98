package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// `kept serve` sets up the shipped automations at its first start, turned off (issue 17): the
// API lists them with active false; an admin switches one on; a second start adds none and
// leaves the one switched on as it is.
func TestServeShipsAutomationsOff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		_, dbArgs, token := migratedDesk(t, backend)

		srv := startServer(t, dbArgs)
		list := srv.call(t, token, "GET", "/api/v1/automations", nil, 200)["list"]
		rules, _ := list.([]any)
		if len(rules) != 3 {
			t.Fatalf("after the first start: %v", list)
		}
		var remind map[string]any
		for _, r := range rules {
			a := r.(map[string]any)
			if a["active"] != false {
				t.Errorf("%v is on", a["name"])
			}
			if a["name"] == "Remind a customer after 3 business days" {
				remind = a
			}
		}
		if remind == nil || !strings.Contains(fmt.Sprint(remind["then"]), "remind_customer") || !strings.Contains(fmt.Sprint(remind["when"]), "waiting_days:3") {
			t.Fatalf("the reminder example: %v", remind)
		}
		on := srv.call(t, token, "PATCH", fmt.Sprintf("/api/v1/automations/%v", remind["id"]), map[string]any{"active": true}, 200)
		if on["active"] != true {
			t.Fatalf("switched on: %v", on)
		}
		srv.stop(t)

		srv = startServer(t, dbArgs)
		rules, _ = srv.call(t, token, "GET", "/api/v1/automations", nil, 200)["list"].([]any)
		active := 0
		for _, r := range rules {
			if r.(map[string]any)["active"] == true {
				active++
			}
		}
		if len(rules) != 3 || active != 1 {
			t.Errorf("after a second start: %d automations, %d on; want 3 and 1", len(rules), active)
		}
		srv.stop(t)
	})
}
