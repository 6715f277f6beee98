package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// Issue 16, finding 1: case types and canned replies could not be changed once made. PATCH
// changes what is given and keeps the rest (a step's translations too); an agent may not; each
// change is in the admin log, which only admins read.
func TestPatchCaseTypesAndCanned(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		ct := obj(d.call("POST", "/api/v1/case-types", map[string]any{"name": "Repair", "team": "Care", "required_references": []string{"order"},
			"steps": []map[string]any{{"name": "Diagnosis", "explanation": "We find the fault.",
				"translations": map[string]any{"et": map[string]string{"name": "Diagnoos", "explanation": "Leiame vea."}}}}}, 201))
		path := fmt.Sprintf("/api/v1/case-types/%v", ct["id"])
		got := obj(d.call("PATCH", path, map[string]any{"steps": []map[string]any{{"name": "Diagnosis", "explanation": "We find the fault quickly."},
			{"name": "Return", "explanation": "We send it back."}}}, 200))
		steps := got["steps"].([]any)
		if got["name"] != "Repair" || got["team"] != "Care" || fmt.Sprint(got["required_references"]) != "[order]" || len(steps) != 2 ||
			!strings.Contains(fmt.Sprint(obj(steps[0])["translations"]), "Diagnoos") {
			t.Fatalf("after PATCH: %v", got)
		}
		got = obj(d.call("PATCH", path, map[string]any{"required_references": []string{}, "response_target_s": 3600}, 200))
		if fmt.Sprint(got["required_references"]) != "[]" || got["response_target_s"] != float64(3600) || len(got["steps"].([]any)) != 2 {
			t.Fatalf("after the second PATCH: %v", got)
		}
		status, ans := d.do("PATCH", path, d.token, map[string]any{"steps": []map[string]any{{"name": "Diagnosis"}}})
		if code, field, _ := errorOf(ans); status != 422 || code != "invalid" || !strings.HasPrefix(field, "steps[0]") {
			t.Errorf("a step without explanation: %d %v", status, ans)
		}

		c := obj(d.call("POST", "/api/v1/canned-replies", map[string]any{"name": "Thanks", "body": "Thank you, {{customer.first_name}}."}, 201))
		cpath := fmt.Sprintf("/api/v1/canned-replies/%v", c["id"])
		got = obj(d.call("PATCH", cpath, map[string]any{"offer": true}, 200))
		if got["name"] != "Thanks" || got["body"] != "Thank you, {{customer.first_name}}." || got["offer"] != true {
			t.Fatalf("canned after PATCH: %v", got)
		}
		status, ans = d.do("PATCH", cpath, d.token, map[string]any{"body": "Hi {{customer.nickname}}"})
		if code, field, _ := errorOf(ans); status != 422 || code != "invalid" || field != "body" {
			t.Errorf("an unknown variable: %d %v", status, ans)
		}

		agent := obj(d.call("POST", "/api/v1/agents", map[string]any{"name": "Ann", "email": "ann@desk.test", "role": "agent"}, 201))
		tok := d.tokenFor(agent["id"])
		for _, call := range [][2]string{{"PATCH", path}, {"PATCH", cpath}, {"DELETE", cpath}, {"GET", "/api/v1/admin-log"}} {
			if status, _ := d.do(call[0], call[1], tok, map[string]any{}); status != 403 {
				t.Errorf("an agent's %s %s: %d, want 403", call[0], call[1], status)
			}
		}
		d.call("DELETE", cpath, nil, 200)
		if status, _ := d.do("DELETE", cpath, d.token, nil); status != 404 {
			t.Errorf("deleting it again: %d", status)
		}
		log := obj(d.call("GET", "/api/v1/admin-log", nil, 200))
		var actions []string
		for _, c := range log["changes"].([]any) {
			actions = append(actions, obj(c)["action"].(string))
		}
		want := "canned.delete token.create agent.create canned.update canned.create casetype.update casetype.update casetype.create"
		if got := strings.Join(actions, " "); !strings.HasPrefix(got, want) {
			t.Errorf("the admin log:\n%s\nwant it to start\n%s", got, want)
		}
	})
}

// Issue 16, §1: PATCH a team (its default language among its settings; a team that does not
// exist is not created), an admin has an agent mailed a password reset link (the answer names
// the address, never a password or the link) and lists one agent's tokens; an agent may do none
// of it to others, as the permission table says.
func TestPatchTeamPasswordResetAgentTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDeskWith(t, backend, service.WithMail(service.MailConfig{Address: "care@desk.test", Outbound: true}))
		d.call("PUT", "/api/v1/teams/Care", map[string]any{"timezone": "Europe/Tallinn"}, 200)
		got := obj(d.call("PATCH", "/api/v1/teams/Care", map[string]any{"language": "hr", "addresses": []string{"pomoc@desk.test"}}, 200))
		if got["language"] != "hr" || got["timezone"] != "Europe/Tallinn" || fmt.Sprint(got["addresses"]) != "[pomoc@desk.test]" {
			t.Fatalf("after PATCH: %v", got)
		}
		status, ans := d.do("PATCH", "/api/v1/teams/Care", d.token, map[string]any{"language": "fi"})
		if code, field, _ := errorOf(ans); status != 422 || code != "invalid" || field != "language" {
			t.Errorf("an unknown language: %d %v", status, ans)
		}
		if status, _ := d.do("PATCH", "/api/v1/teams/Nobody", d.token, map[string]any{"language": "et"}); status != 404 {
			t.Errorf("PATCH of a team that does not exist: %d, want 404", status)
		}

		agent := obj(d.call("POST", "/api/v1/agents", map[string]any{"name": "Ann", "email": "ann@desk.test", "role": "agent", "team": "Care"}, 201))
		tok := d.tokenFor(agent["id"])
		reset := fmt.Sprintf("/api/v1/agents/%v/password-reset", agent["id"])
		got = obj(d.call("POST", reset, map[string]any{"lang": "et"}, 202))
		if got["mailed_to"] != "ann@desk.test" || strings.Contains(fmt.Sprint(got), "token=") {
			t.Errorf("the reset's answer: %v", got)
		}
		list := d.call("GET", fmt.Sprintf("/api/v1/tokens?agent_id=%v", agent["id"]), nil, 200).([]any)
		if len(list) != 1 || obj(list[0])["agent_email"] != "ann@desk.test" {
			t.Errorf("Ann's tokens: %v", list)
		}
		var admin map[string]any
		for _, a := range d.call("GET", "/api/v1/agents", nil, 200).([]any) {
			if obj(a)["email"] == "admin@example.com" {
				admin = obj(a)
			}
		}
		for _, call := range [][2]string{{"PATCH", "/api/v1/teams/Care"}, {"POST", fmt.Sprintf("/api/v1/agents/%v/password-reset", admin["id"])},
			{"GET", fmt.Sprintf("/api/v1/tokens?agent_id=%v", admin["id"])}} {
			if status, _ := d.do(call[0], call[1], tok, map[string]any{}); status != 403 && status != 404 {
				t.Errorf("an agent's %s %s: %d, want it refused", call[0], call[1], status)
			}
		}
		log := obj(d.call("GET", "/api/v1/admin-log", nil, 200))
		if c := obj(log["changes"].([]any)[0]); c["action"] != "agent.password_reset" || c["object"] != "ann@desk.test" {
			t.Errorf("the newest admin log row: %v", c)
		}
		if h := obj(log["head"]); h["hash"] != obj(log["changes"].([]any)[0])["hash"] {
			t.Errorf("the head %v is not the newest row", h)
		}
	})
}

// Issue 16, §1: partners over the API: listed with their users, renamed and stopped by PATCH
// (admins and managers); an agent may read the list but not change it.
func TestPatchPartners(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		p := obj(d.call("POST", "/api/v1/partners", map[string]any{"name": "Fixit"}, 201))
		d.call("POST", "/api/v1/agents", map[string]any{"name": "Pat", "email": "pat@fixit.test", "role": "partner", "partner_id": p["id"]}, 201)
		path := fmt.Sprintf("/api/v1/partners/%v", p["id"])
		got := obj(d.call("PATCH", path, map[string]any{"name": "Fixit Ltd"}, 200))
		if got["name"] != "Fixit Ltd" || got["active"] != true {
			t.Fatalf("after renaming: %v", got)
		}
		got = obj(d.call("PATCH", path, map[string]any{"active": false}, 200))
		if got["name"] != "Fixit Ltd" || got["active"] != false {
			t.Fatalf("after stopping: %v", got)
		}
		list := d.call("GET", "/api/v1/partners", nil, 200).([]any)
		if len(list) != 1 || len(obj(list[0])["users"].([]any)) != 1 || obj(obj(list[0])["users"].([]any)[0])["email"] != "pat@fixit.test" {
			t.Errorf("partners: %v", list)
		}
		if status, _ := d.do("PATCH", "/api/v1/partners/999", d.token, map[string]any{"name": "X"}); status != 404 {
			t.Errorf("PATCH of no partner: %d", status)
		}
		agent := obj(d.call("POST", "/api/v1/agents", map[string]any{"name": "Ann", "email": "ann@desk.test", "role": "agent"}, 201))
		tok := d.tokenFor(agent["id"])
		if status, _ := d.do("PATCH", path, tok, map[string]any{"name": "Mine"}); status != 403 {
			t.Errorf("an agent's PATCH of a partner: %d, want 403", status)
		}
		if status, _ := d.do("GET", "/api/v1/partners", tok, nil); status != 200 {
			t.Errorf("an agent's list of partners: %d, want 200", status)
		}
	})
}
