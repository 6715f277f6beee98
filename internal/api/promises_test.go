package api_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestPromisesOverHTTP checks the contract's promise, hand-over, escalation and absence calls
// and the shapes of their refusals.
func TestPromisesOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend) // the desk clock stands at Monday 2026-11-23 10:00 UTC
		week := map[string][]string{"mon": {"09:00-12:00", "13:00-17:00"}, "tue": {"09:00-12:00", "13:00-17:00"}}
		lead := d.call("POST", "/api/v1/agents", map[string]any{"name": "Lea Lead", "email": "lea@example.com", "role": "lead", "team": "Care", "timezone": "UTC", "hours": week}, 201)
		ann := d.call("POST", "/api/v1/agents", map[string]any{"name": "Ann", "email": "ann@example.com", "role": "agent", "team": "Care", "timezone": "UTC",
			"hours": week, "manager_id": obj(lead)["id"]}, 201)
		bob := d.call("POST", "/api/v1/agents", map[string]any{"name": "Bob", "email": "bob@example.com", "role": "agent", "team": "Care", "timezone": "UTC",
			"hours": map[string][]string{"mon": {"00:00-24:00"}}, "manager_id": obj(lead)["id"]}, 201)
		cust := d.call("POST", "/api/v1/customers", map[string]any{"name": "Mari", "email": "mari@example.com"}, 201)
		cs := d.call("POST", "/api/v1/cases", map[string]any{"customer_id": obj(cust)["id"], "subject": "Router", "body": "It blinks red.", "channel": "phone", "owner_id": obj(ann)["id"]}, 201)
		caseID := id(cs)

		// At lunch: 409 with free slots at the top level of the answer.
		status, ans := d.do("POST", "/api/v1/cases/"+caseID+"/promises", d.token, map[string]any{"kind": "callback", "due_at": "2026-11-23T12:30:00Z", "words": "I call you at 12:30"})
		code, field, _ := errorOf(ans)
		slots := list(obj(ans)["free_slots"])
		if status != 409 || code != "owner_unavailable" || field != "due_at" || len(slots) == 0 || obj(slots[0])["at"] != "2026-11-23T13:00:00Z" {
			t.Fatalf("promise at lunch: %d %v", status, ans)
		}
		if !strings.Contains(fmt.Sprint(slots), fmt.Sprint(obj(bob)["id"])) {
			t.Errorf("free slots %v do not offer Bob, who is free at 12:30", slots)
		}
		p := obj(d.call("POST", "/api/v1/cases/"+caseID+"/promises", map[string]any{"kind": "callback", "due_at": "2026-11-23T13:00:00Z", "words": "I call you at 13:00"}, 201))
		if p["words"] != "I call you at 13:00" || p["state"] != "open" || obj(p["maker"])["name"] != "Ada Admin" || obj(p["owner"])["name"] != "Ann" {
			t.Errorf("promise answer %v", p)
		}
		if _, ok := p["estimate"]; !ok {
			t.Error("the answer has no estimate field")
		}
		open := list(d.call("GET", "/api/v1/promises?state=open&team=Care", nil, 200))
		if len(open) != 1 || obj(open[0])["words"] != "I call you at 13:00" {
			t.Errorf("open promises %v", open)
		}
		status, ans = d.do("POST", "/api/v1/promises/"+id(p)+"/slip", d.token, map[string]any{"due_at": "2026-11-23T14:00:00Z"})
		if _, field, _ := errorOf(ans); status != 422 || field != "reason" {
			t.Errorf("slip without reason: %d %v", status, ans)
		}
		slipped := obj(d.call("POST", "/api/v1/promises/"+id(p)+"/slip", map[string]any{"due_at": "2026-11-23T14:00:00Z", "reason": "Line test running",
			"message_to_customer": "Sorry, I will call at 14:00 instead."}, 200))
		if fmt.Sprint(slipped["slips"]) != "1" || slipped["due_at"] != "2026-11-23T14:00:00Z" || slipped["id"] != p["id"] {
			t.Errorf("slipped %v", slipped)
		}
		// Without new words the desk restated the time in them; the record keeps both (issue 15).
		if slipped["words"] != "I call you at 14:00" {
			t.Errorf("the slipped promise says %q", slipped["words"])
		}
		rec := list(d.call("GET", "/api/v1/cases/"+caseID+"/record", nil, 200))
		last := obj(rec[len(rec)-2]) // the slip, then its message to the customer
		if data := obj(last["data"]); last["kind"] != "promise_slipped" || data["words"] != "I call you at 14:00" || data["earlier_words"] != "I call you at 13:00" {
			t.Errorf("the slip's entry: %v", last)
		}
		if kept := obj(d.call("POST", "/api/v1/promises/"+id(p)+"/keep", nil, 200)); kept["state"] != "kept" {
			t.Errorf("kept %v", kept)
		}
		if status, _ := d.do("POST", "/api/v1/promises/"+id(p)+"/keep", d.token, nil); status != 409 {
			t.Errorf("keeping twice: %d, want 409", status)
		}

		// Leave with a case: 409 handover_required listing it by id and ref.
		status, ans = d.do("POST", "/api/v1/agents/"+id(ann)+"/absences", d.token, map[string]any{"kind": "leave", "from": "2026-11-24T00:00:00Z", "to": "2026-11-30T00:00:00Z"})
		listed := list(obj(ans)["cases"])
		if code, _, _ := errorOf(ans); status != 409 || code != "handover_required" || len(listed) != 1 || fmt.Sprint(obj(listed[0])["id"]) != caseID || obj(listed[0])["ref"] != obj(cs)["ref"] {
			t.Fatalf("leave with a case: %d %v", status, ans)
		}
		d.call("POST", "/api/v1/agents/"+id(ann)+"/absences", map[string]any{"kind": "leave", "from": "2026-11-24T00:00:00Z", "to": "2026-11-30T00:00:00Z",
			"handovers": []map[string]any{{"case_id": obj(cs)["id"], "to_agent_id": obj(bob)["id"], "briefing": "Router replaced; confirm the line is stable."}}}, 201)
		if got := obj(d.call("GET", "/api/v1/cases/"+caseID, nil, 200)); fmt.Sprint(obj(got["owner"])["id"]) != id(bob) {
			t.Errorf("owner after the hand-over: %v", got["owner"])
		}
		if abs := list(d.call("GET", "/api/v1/agents/"+id(ann)+"/absences", nil, 200)); len(abs) != 1 || obj(abs[0])["kind"] != "leave" {
			t.Errorf("absences %v", abs)
		}

		// Escalation answers the new rung and owner; going back down is refused.
		esc := obj(d.call("POST", "/api/v1/cases/"+caseID+"/escalate", map[string]any{"reason": "Customer asked for a manager"}, 200))
		if fmt.Sprint(esc["rung"]) != "1" || fmt.Sprint(obj(esc["owner"])["id"]) != id(lead) {
			t.Errorf("escalate answered %v", esc)
		}
		status, ans = d.do("POST", "/api/v1/cases/"+caseID+"/handover", d.token, map[string]any{"to_agent_id": obj(bob)["id"], "briefing": "Back to you"})
		if code, _, _ := errorOf(ans); status != 409 || code != "downward_reassignment" {
			t.Errorf("downward hand-over: %d %v", status, ans)
		}
		d.call("PUT", "/api/v1/teams/Care", map[string]any{"response_target_s": 3600, "reminders_s": []int{7200}}, 200)
		if n := list(d.call("GET", "/api/v1/notifications", nil, 200)); n == nil {
			t.Error("notifications did not answer a list")
		}
		// The lead was told of the escalation; marking their notifications read answers how many
		// were unread, and leaves none unread.
		leadID, _ := strconv.ParseInt(id(lead), 10, 64)
		leadTok, err := d.svc.IssueToken(context.Background(), leadID, "lead")
		if err != nil {
			t.Fatal(err)
		}
		_, before := d.do("GET", "/api/v1/notifications", leadTok, nil)
		unread := 0
		for _, n := range list(before) {
			if obj(n)["read_at"] == nil {
				unread++
			}
		}
		if unread == 0 {
			t.Fatalf("the lead has no unread notification after the escalation: %v", before)
		}
		// Each notification says it in English (body) and by its catalogue key and arguments,
		// for a client that shows it in its reader's language.
		escalations := 0
		for _, n := range list(before) {
			if m := obj(n); m["kind"] == "escalated" {
				escalations++
				args := list(m["args"])
				if m["body"] == "" || !strings.HasPrefix(fmt.Sprint(m["key"]), "notif.detail.escalated") || len(args) == 0 || obj(args[0])["kind"] != "text" {
					t.Errorf("an escalation's notification lacks its body, key or arguments: %v", m)
				}
			}
		}
		if escalations == 0 {
			t.Errorf("the lead was not told of the escalation: %v", before)
		}
		if status, m := d.do("POST", "/api/v1/notifications/read", leadTok, map[string]any{}); status != 200 || obj(m)["marked"] != float64(unread) {
			t.Errorf("marking notifications read: %d %v, want %d marked", status, m, unread)
		}
		_, after := d.do("GET", "/api/v1/notifications", leadTok, nil)
		for _, n := range list(after) {
			if obj(n)["read_at"] == nil {
				t.Errorf("still unread after marking all read: %v", n)
			}
		}
		if status, ans := d.do("POST", "/api/v1/notifications/read", d.token, map[string]any{"up_to": "many"}); status != 400 {
			t.Errorf("up_to of words: %d %v", status, ans)
		}
	})
}
