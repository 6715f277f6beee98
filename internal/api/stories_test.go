package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// tokenFor issues a token for an existing agent, as `kept token --email` does.
func (d *testDesk) tokenFor(agentID any) string {
	d.t.Helper()
	var id int64
	fmt.Sscan(fmt.Sprint(agentID), &id)
	tok, err := d.svc.IssueToken(context.Background(), id, "test")
	if err != nil {
		d.t.Fatal(err)
	}
	return tok
}

// Story 13 over HTTP: a partner user gets 404 on every case not handed to them and can act on
// the one that is; the process step and its typical duration are in the case's answer.
func TestStoryTheProcessExplainedWithPartner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		ann := d.call("POST", "/api/v1/agents", map[string]any{"name": "Ann", "email": "ann@example.com", "role": "agent", "team": "Repairs",
			"hours": map[string][]string{"mon": {"00:00-24:00"}, "tue": {"00:00-24:00"}, "wed": {"00:00-24:00"}, "thu": {"00:00-24:00"}, "fri": {"00:00-24:00"}}}, 201)
		d.call("POST", "/api/v1/case-types", map[string]any{"name": "Repair", "team": "Repairs", "steps": []map[string]string{
			{"name": "Diagnosis", "explanation": "We test it remotely; most tests take one day."},
			{"name": "Hardware repair", "explanation": "A technician replaces the part.", "partner": "HP hardware service"}}}, 201)
		cust := d.call("POST", "/api/v1/customers", map[string]any{"name": "Mari", "email": "mari@example.com"}, 201)
		open := func(subject string) string {
			return id(d.call("POST", "/api/v1/cases", map[string]any{"customer_id": obj(cust)["id"], "subject": subject, "body": "It broke.",
				"channel": "web", "type": "Repair", "owner_id": obj(ann)["id"]}, 201))
		}
		// Five repairs spend two days in diagnosis.
		start := d.clock.Now()
		for i := 0; i < 5; i++ {
			c := open(fmt.Sprint("Repair ", i))
			d.clock.Advance(48 * time.Hour)
			d.call("POST", "/api/v1/cases/"+c+"/step", map[string]any{"step": 2}, 200)
			d.clock.Set(start)
		}
		handed, other := open("Laptop hinge"), open("Phone screen")
		step := obj(obj(d.call("GET", "/api/v1/cases/"+handed, nil, 200))["step"])
		typical := obj(step["typical"])
		if step["name"] != "Diagnosis" || step["next"] != "Hardware repair" || fmt.Sprint(typical["median_s"]) != "172800" {
			t.Errorf("step in the case's answer: %v", step)
		}

		hp := d.call("POST", "/api/v1/partners", map[string]any{"name": "HP hardware service"}, 201)
		tech := d.call("POST", "/api/v1/agents", map[string]any{"name": "Tom", "email": "tom@hp.example.com", "role": "partner", "partner_id": obj(hp)["id"]}, 201)
		techToken := d.tokenFor(obj(tech)["id"])
		d.call("POST", "/api/v1/cases/"+handed+"/partner", map[string]any{"partner_id": obj(hp)["id"], "step": 2}, 200)

		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/v1/cases/" + other, nil}, {"GET", "/api/v1/cases/" + other + "/record", nil},
			{"POST", "/api/v1/cases/" + other + "/messages", map[string]any{"body": "peek"}},
			{"POST", "/api/v1/cases/" + other + "/step", map[string]any{"step": 2}},
			{"POST", "/api/v1/cases/" + other + "/calls", map[string]any{"direction": "outbound", "at": "2026-11-23T09:00:00Z", "summary": "x"}},
			{"GET", "/api/v1/customers/" + id(cust), nil},
		} {
			if status, ans := d.do(c.method, c.path, techToken, c.body); status != 404 && status != 403 {
				t.Errorf("partner %s %s: %d %v, want 403 or 404", c.method, c.path, status, ans)
			}
		}
		for _, c := range []string{"/api/v1/promises?state=open", "/api/v1/agents"} {
			if status, _ := d.do("GET", c, techToken, nil); status != 403 {
				t.Errorf("partner GET %s: %d, want 403", c, status)
			}
		}
		if cases := list(obj(d.call2(techToken, "GET", "/api/v1/cases", nil, 200))["cases"]); len(cases) != 1 || fmt.Sprint(obj(cases[0])["id"]) != handed {
			t.Errorf("the partner's case list: %v", cases)
		}
		d.call2(techToken, "POST", "/api/v1/cases/"+handed+"/messages", map[string]any{"body": "Hinge replaced; tested OK."}, 201)
		if got := obj(d.call2(techToken, "POST", "/api/v1/cases/"+handed+"/step", map[string]any{"step": 2}, 200)); fmt.Sprint(obj(got["owner"])["id"]) != id(ann) {
			t.Errorf("the owner changed when the partner acted: %v", got["owner"])
		}
	})
}

// call2 is call with another token.
func (d *testDesk) call2(token, method, path string, body any, want int) any {
	d.t.Helper()
	status, out := d.do(method, path, token, body)
	if status != want {
		d.t.Fatalf("%s %s: status %d, want %d; answer %v", method, path, status, want, out)
	}
	return out
}

// Story 10 over HTTP: a document given once is on the customer, and asking for it again is
// flagged to the agent.
func TestStoryTwoDepartmentsOneCustomer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		d.call("POST", "/api/v1/agents", map[string]any{"name": "Ann", "email": "ann@example.com", "role": "agent", "team": "Billing"}, 201)
		d.call("POST", "/api/v1/agents", map[string]any{"name": "Bob", "email": "bob@example.com", "role": "agent", "team": "Pensions"}, 201)
		cust := d.call("POST", "/api/v1/customers", map[string]any{"name": "Jana", "email": "jana@example.hr"}, 201)
		billing := id(d.call("POST", "/api/v1/cases", map[string]any{"customer_id": obj(cust)["id"], "subject": "Close my late husband's account", "body": "He died in May.", "channel": "email"}, 201))
		pensions := id(d.call("POST", "/api/v1/cases", map[string]any{"customer_id": obj(cust)["id"], "subject": "Widow's pension", "body": "I need to claim it.", "channel": "email"}, 201))
		d.call("POST", "/api/v1/customers/"+id(cust)+"/documents", map[string]any{"kind": "death certificate", "filename": "smrtni-list.pdf",
			"content_type": "application/pdf", "content_base64": "JVBERi0xLjQKJcTl8uXrCg==", "case_id": billing}, 201)
		docs := list(d.call("GET", "/api/v1/cases/"+pensions+"/documents", nil, 200))
		if len(docs) != 1 || obj(docs[0])["kind"] != "death certificate" {
			t.Fatalf("the other department's case shows %v, want the certificate", docs)
		}
		ans := obj(d.call("POST", "/api/v1/cases/"+pensions+"/messages", map[string]any{"body": "Could you please send us the Death Certificate?"}, 201))
		w := list(ans["warnings"])
		if len(w) != 1 || obj(w[0])["code"] != "document_on_file" || fmt.Sprint(obj(w[0])["id"]) != fmt.Sprint(obj(docs[0])["id"]) {
			t.Errorf("asking again: warnings %v, want document_on_file naming the certificate", w)
		}
		if w := list(obj(d.call("POST", "/api/v1/cases/"+pensions+"/messages", map[string]any{"body": "Your claim is in review."}, 201))["warnings"]); len(w) != 0 {
			t.Errorf("a plain reply warned %v", w)
		}
	})
}
