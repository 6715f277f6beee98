package api_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestAgreementOverHTTP: the 409 downward_reassignment says who could take the case and how
// to ask the customer; asking answers 201 with the question; the customer's answer is what the
// hand-over names as agreement_entry_id (an ordinary message of theirs is refused).
func TestAgreementOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		lead := d.call("POST", "/api/v1/agents", map[string]any{"name": "Lea Lead", "email": "lea@example.com", "role": "lead", "team": "Care", "timezone": "UTC"}, 201)
		other := d.call("POST", "/api/v1/agents", map[string]any{"name": "Rein Remont", "email": "rein@example.com", "role": "lead", "team": "Repairs", "timezone": "UTC"}, 201)
		ann := d.call("POST", "/api/v1/agents", map[string]any{"name": "Ann Tamm", "email": "ann@example.com", "role": "agent", "team": "Care", "timezone": "UTC",
			"manager_id": obj(lead)["id"]}, 201)
		olev := d.call("POST", "/api/v1/agents", map[string]any{"name": "Olev Ots", "email": "olev@example.com", "role": "agent", "team": "Care", "timezone": "UTC"}, 201)
		cust := d.call("POST", "/api/v1/customers", map[string]any{"name": "Mari", "email": "mari@example.com"}, 201)
		cs := d.call("POST", "/api/v1/cases", map[string]any{"customer_id": obj(cust)["id"], "subject": "Router", "body": "It blinks red.", "channel": "email", "owner_id": obj(ann)["id"]}, 201)
		caseID := id(cs)
		d.call("POST", "/api/v1/cases/"+caseID+"/escalate", map[string]any{"reason": "Customer asked for a manager"}, 200)

		status, ans := d.do("POST", "/api/v1/cases/"+caseID+"/handover", d.token, map[string]any{"to_agent_id": obj(olev)["id"], "briefing": "Olev has time"})
		if code, _, _ := errorOf(ans); status != 409 || code != "downward_reassignment" {
			t.Fatalf("to an agent without a manager: %d %v", status, ans)
		}
		var names []string
		for _, a := range list(obj(ans)["allowed"]) {
			names = append(names, fmt.Sprint(obj(a)["name"]))
		}
		if strings.Join(names, ",") != "Rein Remont,Ada Admin" {
			t.Errorf("allowed %v, want the lead of Repairs (level) then the admin", obj(ans)["allowed"])
		}
		ask := obj(obj(ans)["ask_customer"])
		if ask["path"] != "/api/v1/cases/"+caseID+"/agreement-requests" || fmt.Sprint(obj(ask["body"])["to_agent_id"]) != id(olev) {
			t.Errorf("ask_customer %v", ask)
		}
		_ = other

		// Asking: 201 with the question; the record has it; GET shows it open.
		status, ans = d.do("POST", "/api/v1/cases/"+caseID+"/agreement-requests", d.token, map[string]any{})
		if _, field, _ := errorOf(ans); status != 422 || field != "to_agent_id" {
			t.Errorf("asking about no one: %d %v", status, ans)
		}
		q := obj(d.call("POST", "/api/v1/cases/"+caseID+"/agreement-requests", map[string]any{"to_agent_id": obj(ann)["id"], "message": "Ann knows the router."}, 201))
		if !strings.HasPrefix(fmt.Sprint(q["question"]), "Ann Tamm (agent, Care), who has worked on your case before, would take it back.") || q["answer"] != "" || q["open"] != true {
			t.Fatalf("question %v", q)
		}
		if got := obj(d.call("GET", "/api/v1/cases/"+caseID+"/agreement-requests", nil, 200)); got["entry_id"] != q["entry_id"] || got["open"] != true {
			t.Errorf("GET the question: %v", got)
		}

		// The customer answers (in the portal); an ordinary message of theirs does not count.
		ctx := context.Background()
		custID, _ := strconv.ParseInt(id(cust), 10, 64)
		cid, _ := strconv.ParseInt(caseID, 10, 64)
		mari := desk.Actor{Kind: desk.ActorCustomer, ID: custID, Name: "Mari"}
		msg, err := d.svc.AddMessage(ctx, mari, cid, desk.NewMessage{Body: "Fine, Ann can do it."})
		if err != nil {
			t.Fatal(err)
		}
		status, ans = d.do("POST", "/api/v1/cases/"+caseID+"/handover", d.token, map[string]any{"to_agent_id": obj(ann)["id"], "briefing": "x", "agreement_entry_id": msg.ID})
		if code, _, message := errorOf(ans); status != 409 || code != "downward_reassignment" || !strings.Contains(message, "does not count") {
			t.Errorf("a customer's message as agreement: %d %v", status, ans)
		}
		seq := int64(q["seq"].(float64))
		if _, err := d.svc.AnswerHandover(ctx, mari, cid, seq, true); err != nil {
			t.Fatal(err)
		}
		got := obj(d.call("GET", "/api/v1/cases/"+caseID+"/agreement-requests", nil, 200))
		if got["answer"] != "agreed" || got["answer_entry_id"] == nil {
			t.Fatalf("after the answer: %v", got)
		}
		v := obj(d.call("POST", "/api/v1/cases/"+caseID+"/handover", map[string]any{"to_agent_id": obj(ann)["id"], "briefing": "Mari agreed.",
			"agreement_entry_id": got["answer_entry_id"]}, 200))
		if fmt.Sprint(obj(v["owner"])["id"]) != id(ann) || fmt.Sprint(v["rung"]) != "1" {
			t.Errorf("after the agreed hand-over: %v", v)
		}
		var kinds []string
		for _, e := range list(d.call("GET", "/api/v1/cases/"+caseID+"/record", nil, 200)) {
			kinds = append(kinds, fmt.Sprint(obj(e)["kind"]))
		}
		if k := strings.Join(kinds, " "); !strings.Contains(k, "handover_asked message_in handover_agreed handover introduction") {
			t.Errorf("record kinds: %s", k)
		}
	})
}
