package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// Issue 16, the daily work over HTTP: a reply with copies and a file, waiting on the customer
// set and taken back, and a merge (refused across customers); an agent who owns neither case
// may not merge them (the permission table's case.merge row).
func TestCaseWorkAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDeskWith(t, backend, service.WithMail(service.MailConfig{Address: "care@desk.test", Outbound: true}))
		mari := obj(d.call("POST", "/api/v1/customers", map[string]any{"name": "Mari Mets", "email": "mari@example.ee"}, 201))
		ivo := obj(d.call("POST", "/api/v1/customers", map[string]any{"name": "Ivo Horvat", "email": "ivo@example.hr"}, 201))
		open := func(cust map[string]any, subject string) map[string]any {
			return obj(d.call("POST", "/api/v1/cases", map[string]any{"customer_id": cust["id"], "subject": subject, "body": subject, "channel": "email"}, 201))
		}
		a, b, other := open(mari, "Kettle leaks"), open(mari, "Kettle still leaks"), open(ivo, "Toaster")
		pa := fmt.Sprintf("/api/v1/cases/%v", a["id"])

		msg := obj(d.call("POST", pa+"/messages", map[string]any{"body": "See the manual.", "cc": []string{"jaan@example.ee"}, "bcc": []string{"audit@example.ee"},
			"files": []map[string]any{{"filename": "manual.pdf", "content_type": "application/pdf", "content": []byte("%PDF manual")}}}, 201))
		files := obj(msg["data"])["files"].([]any)
		if len(files) != 1 || obj(files[0])["filename"] != "manual.pdf" || obj(files[0])["sha256"] == "" {
			t.Errorf("the reply's files: %v", files)
		}
		got := obj(d.call("GET", pa, nil, 200))
		if fmt.Sprint(got["cc"]) != "[jaan@example.ee]" || fmt.Sprint(got["bcc"]) != "[audit@example.ee]" {
			t.Errorf("copies: cc %v bcc %v", got["cc"], got["bcc"])
		}
		got = obj(d.call("PUT", pa+"/copies", map[string]any{"bcc": []string{}}, 200))
		if fmt.Sprint(got["cc"]) != "[jaan@example.ee]" || got["bcc"] != nil {
			t.Errorf("after emptying bcc: cc %v bcc %v", got["cc"], got["bcc"])
		}

		until := d.clock.Now().Add(72 * 3600e9).Format("2006-01-02T15:04:05Z07:00")
		w := obj(obj(d.call("POST", pa+"/waiting", map[string]any{"until": until}, 200))["waiting"])
		if w["until"] == nil || w["since"] == nil {
			t.Errorf("waiting: %v", w)
		}
		if got := obj(d.call("DELETE", pa+"/waiting", nil, 200)); got["waiting"] != nil {
			t.Errorf("still waiting: %v", got["waiting"])
		}
		status, ans := d.do("DELETE", pa+"/waiting", d.token, nil)
		if code, _, _ := errorOf(ans); status != 409 || code != "not_waiting" {
			t.Errorf("taking back a case not waiting: %d %v", status, ans)
		}

		status, ans = d.do("POST", pa+"/merge", d.token, map[string]any{"from": other["ref"]})
		if code, _, _ := errorOf(ans); status != 409 || code != "merge_other_customer" {
			t.Errorf("merging another customer's case: %d %v", status, ans)
		}
		agent := obj(d.call("POST", "/api/v1/agents", map[string]any{"name": "Ann", "email": "ann@example.com", "role": "agent", "team": "Care"}, 201))
		if status, ans := d.do("POST", pa+"/merge", d.tokenFor(agent["id"]), map[string]any{"from": b["ref"]}); status != 403 && status != 404 {
			t.Errorf("an agent who owns neither merged: %d %v", status, ans)
		}
		merged := obj(d.call("POST", pa+"/merge", map[string]any{"from": b["ref"]}, 200))
		if merged["ref"] != a["ref"] {
			t.Errorf("merge answered %v", merged["ref"])
		}
		bb := obj(d.call("GET", fmt.Sprintf("/api/v1/cases/%v", b["id"]), nil, 200))
		if bb["status"] != "closed" || bb["merged_into"] != a["ref"] {
			t.Errorf("the merged case: %v, into %v", bb["status"], bb["merged_into"])
		}
		var kinds []string
		for _, e := range d.call("GET", pa+"/record", nil, 200).([]any) {
			kinds = append(kinds, obj(e)["kind"].(string))
		}
		if k := strings.Join(kinds, ","); !strings.Contains(k, "copies_changed") || !strings.Contains(k, "waiting_changed") || !strings.HasSuffix(k, "merged") {
			t.Errorf("the record: %s", k)
		}
	})
}
