package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// Stories 15, 8 and 9 over HTTP: the contract's case-type, resolution and offer calls.
func TestStoriesBePreparedTelephoneFelineOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		d.call("POST", "/api/v1/agents", map[string]any{"name": "Ann", "email": "ann@example.com", "role": "agent", "team": "Repairs"}, 201)
		ct := obj(d.call("POST", "/api/v1/case-types", map[string]any{"name": "Hardware repair", "team": "Repairs", "required_references": []string{"order", "serial"},
			"steps": []map[string]string{{"name": "Diagnosis", "explanation": "We test it remotely; most tests take one day."}, {"name": "Return", "explanation": "We ship it back."}}}, 201))
		if ct["name"] != "Hardware repair" || len(list(ct["steps"])) != 2 {
			t.Fatalf("case type %v", ct)
		}
		cust := d.call("POST", "/api/v1/customers", map[string]any{"name": "Ivo", "email": "ivo@example.hr", "references": []map[string]string{{"kind": "serial", "value": "SN-77"}}}, 201)
		status, ans := d.do("POST", "/api/v1/cases", d.token, map[string]any{"customer_id": obj(cust)["id"], "subject": "Laptop", "body": "Dead.", "channel": "web", "type": "Hardware repair"})
		code, field, msg := errorOf(ans)
		if status != 422 || code != "missing_references" || field != "references" || !strings.Contains(msg, "order") || strings.Contains(msg, "serial") {
			t.Fatalf("intake without an order number: %d %v (the serial is on the customer already)", status, ans)
		}
		cs := obj(d.call("POST", "/api/v1/cases", map[string]any{"customer_id": obj(cust)["id"], "subject": "Laptop", "body": "Dead.", "channel": "web",
			"type": fmt.Sprint(ct["id"]), "references": []map[string]string{{"kind": "order", "value": "ORD-9"}}}, 201))
		if step := obj(cs["step"]); step["name"] != "Diagnosis" || step["next"] != "Return" {
			t.Errorf("step %v", cs["step"])
		}
		caseID := id(cs)
		if got := obj(d.call("POST", "/api/v1/cases/"+caseID+"/step", map[string]any{"step": 2}, 200)); obj(got["step"])["name"] != "Return" {
			t.Errorf("after the step call: %v", got["step"])
		}
		offer := map[string]any{"body": "Extended warranty: 30% off", "offer": true}
		status, ans = d.do("POST", "/api/v1/cases/"+caseID+"/messages", d.token, offer)
		if code, _, _ := errorOf(ans); status != 409 || code != "complaint_open" || len(list(obj(ans)["cases"])) != 1 {
			t.Errorf("offer on an open complaint: %d %v", status, ans)
		}
		if got := obj(d.call("POST", "/api/v1/cases/"+caseID+"/resolve", map[string]any{"summary": "Replaced the motherboard."}, 200)); got["status"] != "awaiting_confirmation" {
			t.Errorf("after resolve: %v", got["status"])
		}
		// The customer's answer comes through the phone system's token (customer-voice); the
		// admin's own token may not answer for the customer (issue 13).
		phone := d.voiceToken("Phone system")
		if status, ans := d.do("POST", "/api/v1/cases/"+caseID+"/confirmation", d.token, map[string]any{"confirmed": true}); status != 403 {
			t.Errorf("the admin's token confirms for the customer: %d %v", status, ans)
		}
		if status, got := d.do("POST", "/api/v1/cases/"+caseID+"/confirmation", phone, map[string]any{"confirmed": false, "words": "It still does not start."}); status != 200 || obj(got)["status"] != "open" {
			t.Errorf("after a rejection: %d %v", status, got)
		}
		rec := list(d.call("GET", "/api/v1/cases/"+caseID+"/record", nil, 200))
		found := false
		for _, e := range rec {
			found = found || obj(e)["kind"] == "resolution_rejected"
		}
		if !found {
			t.Error("no resolution_rejected entry")
		}
		status, ans = d.do("POST", "/api/v1/cases/"+caseID+"/confirmation", phone, map[string]any{"words": "?"})
		if _, field, _ := errorOf(ans); status != 422 || field != "confirmed" {
			t.Errorf("confirmation without confirmed: %d %v", status, ans)
		}
		d.call("POST", "/api/v1/cases/"+caseID+"/resolve", map[string]any{"summary": "Replaced the power supply."}, 200)
		if status, ans := d.do("POST", "/api/v1/cases/"+caseID+"/confirmation", phone, map[string]any{"confirmed": true}); status != 200 {
			t.Errorf("confirmed through the phone system: %d %v", status, ans)
		}
		d.call("POST", "/api/v1/cases/"+caseID+"/messages", offer, 201)
		if outcomes := list(d.call("GET", "/api/v1/resolutions", nil, 200)); len(outcomes) != 2 {
			t.Errorf("outcomes %v, want a rejected and a confirmed", outcomes)
		}
	})
}
