package api_test

import (
	"fmt"
	"strings"
	"testing"

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
