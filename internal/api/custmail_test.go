package api_test

import (
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// Issue 15, item 7 over HTTP: a case type's steps may carry translations, and the customer
// record is written in the customer's language; the contract's shape [{name, explanation}]
// still works alone. Item 8: an agent makes and revokes their own calendar feed.
func TestStepTranslationsAndFeedOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		d.call("POST", "/api/v1/agents", map[string]any{"name": "Ann", "email": "ann@example.com", "role": "agent", "team": "Repairs"}, 201)
		ct := obj(d.call("POST", "/api/v1/case-types", map[string]any{"name": "Repair", "team": "Repairs",
			"steps": []map[string]any{{"name": "Diagnosis", "explanation": "We test it.",
				"translations": map[string]any{"hr": map[string]string{"name": "Dijagnostika", "explanation": "Testiramo uređaj."}}},
				{"name": "Return", "explanation": "We ship it back."}}}, 201))
		if tr := obj(obj(obj(list(ct["steps"])[0])["translations"])["hr"]); tr["name"] != "Dijagnostika" {
			t.Fatalf("the case type's translations: %v", ct["steps"])
		}
		status, ans := d.do("POST", "/api/v1/case-types", d.token, map[string]any{"name": "Bad", "steps": []map[string]any{{"name": "A", "explanation": "B",
			"translations": map[string]any{"fi": map[string]string{"name": "A", "explanation": "B"}}}}})
		if _, field, _ := errorOf(ans); status != 422 || field != "steps[0].translations.fi" {
			t.Errorf("a translation into Finnish: %d %v", status, ans)
		}
		// The contract's customer takes a language and a zone (refused before: 400, not a field).
		cust := obj(d.call("POST", "/api/v1/customers", map[string]any{"name": "Ivo", "email": "ivo@example.hr", "language": "hr", "timezone": "Europe/Zagreb"}, 201))
		if cust["lang"] != "hr" || cust["timezone"] != "Europe/Zagreb" {
			t.Errorf("the customer as made: %v", cust)
		}
		for field, body := range map[string]map[string]any{"language": {"name": "Aino", "email": "aino@example.fi", "language": "fi"},
			"timezone": {"name": "Aino", "email": "aino@example.fi", "timezone": "Europe/Nowhere"}} {
			if status, ans := d.do("POST", "/api/v1/customers", d.token, body); status != 422 {
				t.Errorf("a customer with a bad %s: %d %v", field, status, ans)
			} else if _, f, _ := errorOf(ans); f != field {
				t.Errorf("a customer with a bad %s is refused on %q", field, f)
			}
		}
		cs := obj(d.call("POST", "/api/v1/cases", map[string]any{"customer_id": cust["id"], "subject": "Laptop", "body": "Ne radi.", "channel": "web", "type": "Repair"}, 201))
		rec := list(d.call("GET", "/api/v1/cases/"+id(cs)+"/record", nil, 200))
		step := ""
		for _, e := range rec {
			if obj(e)["kind"] == "step_changed" {
				step, _ = obj(e)["body"].(string)
			}
		}
		if !strings.HasPrefix(step, "Korak 1 od 2: Dijagnostika. Testiramo uređaj.") {
			t.Errorf("the Croatian customer's step: %q", step)
		}

		ann := obj(d.call("GET", "/api/v1/agents", nil, 200).([]any)[1])
		annTok := d.tokenFor(ann["id"])
		if st := d.status("POST", "/api/v1/agents/"+id(ann)+"/calendar-feed", d.token); st != 403 {
			t.Errorf("the admin making Ann's feed: %d", st)
		}
		status, made := d.do("POST", "/api/v1/agents/"+id(ann)+"/calendar-feed", annTok, nil)
		if status != 201 || !strings.Contains(obj(made)["url"].(string), "/calendar/kept_") {
			t.Fatalf("Ann's feed: %d %v", status, made)
		}
		if got := obj(d.call("DELETE", "/api/v1/agents/"+id(ann)+"/calendar-feed", nil, 200)); got["revoked"] != true {
			t.Errorf("the admin revoking Ann's feed: %v", got)
		}
	})
}
