package api_test

import (
	"fmt"
	"strings"
	"testing"

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
