package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// CONTRACT.md: a message with canned_reply_id and an empty body sends the canned reply with its
// variables filled in for the case, in the customer's language (issue 16, finding 4:
// "{{customer}}" was sent literally). An unknown variable is refused when the reply is saved,
// and a reply naming the promise on a case without one is refused when it would be sent.
func TestCannedReplyVariables(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		status, ans := d.do("POST", "/api/v1/canned-replies", d.token, map[string]any{"name": "Typo", "body": "Tere {{custmer.name}}!"})
		if code, field, msg := errorOf(ans); status != 422 || code != "invalid" || field != "body" || !strings.Contains(msg, "{{custmer.name}}") {
			t.Fatalf("an unknown variable: %d %v", status, ans)
		}
		reply := obj(d.call("POST", "/api/v1/canned-replies", map[string]any{"name": "Tagasihelistamine",
			"body": "Tere, {{customer.first_name}}! Siin {{agent.name}}. Juhtum {{case.ref}} ({{case.subject}}): helistame teile {{promise.due}}."}, 201))
		cust := obj(d.call("POST", "/api/v1/customers", map[string]any{"name": "Mari Mets", "email": "mari@example.ee", "language": "et", "timezone": "Europe/Tallinn"}, 201))
		c := obj(d.call("POST", "/api/v1/cases", map[string]any{"customer_id": cust["id"], "subject": "Arve kaks korda", "body": "Tere!", "channel": "email"}, 201))
		path := fmt.Sprintf("/api/v1/cases/%v", c["id"])
		status, ans = d.do("POST", path+"/messages", d.token, map[string]any{"body": "", "canned_reply_id": reply["id"]})
		if code, field, _ := errorOf(ans); status != 422 || code != "invalid" || field != "canned_reply_id" {
			t.Fatalf("a reply naming the promise on a case without one: %d %v", status, ans)
		}
		d.call("POST", path+"/promises", map[string]any{"kind": "callback", "due_at": "2026-11-24T09:30:00Z", "words": "Helistan teile teisipäeval kell 11.30."}, 201)
		d.call("POST", path+"/messages", map[string]any{"body": "", "canned_reply_id": reply["id"]}, 201)
		rec := list(d.call("GET", path+"/record", nil, 200))
		body := obj(rec[len(rec)-1])["body"].(string)
		want := fmt.Sprintf("Tere, Mari! Siin Ada Admin. Juhtum %v (Arve kaks korda): helistame teile T 24. nov 11:30 EET.", c["ref"])
		if body != want {
			t.Errorf("the message reads\n%q\nwant\n%q", body, want)
		}
	})
}

// Canned replies in folders, and for the desk, a team or oneself (issue 16, §4): the API takes
// folder, scope and team, lists what the caller sees, PATCHes the folder, and documents the
// fields in the OpenAPI file.
func TestCannedScopesByAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		ctx, sys := context.Background(), desk.SystemActor()
		ann, err := d.svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann Tamm", Email: "ann@example.ee", Role: "agent", Team: "Billing"})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := d.svc.CreateToken(ctx, sys, service.NewToken{AgentID: ann.ID, Label: "ann"})
		if err != nil {
			t.Fatal(err)
		}
		status, ans := d.do("POST", "/api/v1/canned-replies", tok.Secret, map[string]any{"name": "Mine", "body": "Thanks!", "folder": "Quick", "scope": "personal"})
		mine := obj(ans)
		if status != 201 || mine["folder"] != "Quick" || mine["scope"] != "personal" || mine["agent_id"] != float64(ann.ID) {
			t.Fatalf("a personal reply: %d %v", status, ans)
		}
		if status, ans = d.do("POST", "/api/v1/canned-replies", tok.Secret, map[string]any{"name": "Team's", "body": "Hi", "scope": "team"}); status != 403 {
			t.Errorf("an agent makes a team's reply: %d %v", status, ans)
		}
		team := obj(d.call("POST", "/api/v1/canned-replies", map[string]any{"name": "Billing hello", "body": "Hi", "scope": "team", "team": "Billing"}, 201))
		if team["team"] != "Billing" {
			t.Errorf("the admin's team reply: %v", team)
		}
		if _, ans = d.do("GET", "/api/v1/canned-replies", tok.Secret, nil); len(list(ans)) != 2 {
			t.Errorf("Ann lists %v, want her own and her team's", ans)
		}
		if all := list(d.call("GET", "/api/v1/canned-replies", nil, 200)); len(all) != 1 {
			t.Errorf("the admin lists %v, want the team's only (not Ann's own)", all)
		}
		if status, _ = d.do("PATCH", fmt.Sprintf("/api/v1/canned-replies/%v", mine["id"]), d.token, map[string]any{"folder": "Taken"}); status != 404 {
			t.Errorf("the admin changes Ann's personal reply: %d, want 404", status)
		}
		status, ans = d.do("PATCH", fmt.Sprintf("/api/v1/canned-replies/%v", mine["id"]), tok.Secret, map[string]any{"folder": "Daily"})
		if status != 200 || obj(ans)["folder"] != "Daily" || obj(ans)["body"] != "Thanks!" {
			t.Errorf("Ann moves her reply: %d %v", status, ans)
		}
		doc := obj(d.call("GET", "/api/v1/openapi.json", nil, 200))
		post := obj(obj(obj(doc["paths"])["/api/v1/canned-replies"])["post"])
		raw, _ := json.Marshal(post)
		for _, field := range []string{`"folder"`, `"scope"`, `"team"`} {
			if !strings.Contains(string(raw), field) {
				t.Errorf("the OpenAPI file's POST /api/v1/canned-replies does not name %s", field)
			}
		}
	})
}
