package api_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestQueuedCaseOverHTTP: a case of a type whose team nobody works for on a Saturday waits in
// the team's queue; the case answer (CONTRACT.md: GET /api/v1/cases/{id}) names no owner then
// (owner and owner_id null, queued true) and keeps every other field.
func TestQueuedCaseOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		d.clock.Set(time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)) // a Saturday
		d.call("POST", "/api/v1/agents", map[string]any{"name": "Bea Billing", "email": "bea@example.com", "role": "agent", "team": "Billing", "timezone": "UTC"}, 201)
		d.call("POST", "/api/v1/case-types", map[string]any{"name": "Invoice", "team": "Billing"}, 201)
		cust := obj(d.call("POST", "/api/v1/customers", map[string]any{"name": "Mari", "email": "mari@example.com"}, 201))
		opened := obj(d.call("POST", "/api/v1/cases", map[string]any{"customer_id": cust["id"], "subject": "Charged twice", "body": "Please refund one.",
			"channel": "email", "type": "Invoice"}, 201))
		got := obj(d.call("GET", fmt.Sprintf("/api/v1/cases/%v", opened["id"]), nil, 200))
		for _, k := range []string{"owner", "owner_id"} {
			if v, ok := got[k]; !ok || v != nil {
				t.Errorf("%s of a queued case: %v (present %v), want null", k, v, ok)
			}
		}
		if got["queued"] != true || got["team"] != "Billing" || got["ref"] != opened["ref"] || got["status"] != "open" || got["rung"] != float64(0) {
			t.Errorf("the queued case answer: %v", got)
		}
	})
}
