package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestCaseAndRecordRevalidate checks the ETags of the case page's two answers: a client that
// names the tag it has gets 304 and no body while nothing changed; once the case changes (a
// reply or an internal note for the record, a promise for both) it gets 200 with the new
// answer and a new tag. The record's
// body is byte for byte what encoding/json writes for the record (the answer as it was before
// it was kept).
func TestCaseAndRecordRevalidate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		ctx := t.Context()
		agent := d.call("POST", "/api/v1/agents", map[string]any{"name": "Ann Tamm", "email": "ann@example.ee", "role": "agent", "team": "Billing"}, 201)
		cust := d.call("POST", "/api/v1/customers", map[string]any{"name": "Mari Kask", "email": "mari@example.ee"}, 201)
		cs := d.call("POST", "/api/v1/cases", map[string]any{"customer_id": obj(cust)["id"], "subject": "Double charge <ORD-1>",
			"body": "Tere! Charged twice & \"urgent\".", "channel": "email", "owner_id": obj(agent)["id"]}, 201)
		token := d.tokenFor(obj(agent)["id"])
		get := func(path, tag string) (int, string, []byte, http.Header) {
			t.Helper()
			req, _ := http.NewRequest("GET", d.url+path, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			if tag != "" {
				req.Header.Set("If-None-Match", tag)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, resp.Header.Get("ETag"), body, resp.Header
		}
		actor, err := d.svc.Authenticate(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		caseID := int64(obj(cs)["id"].(float64))
		wantRecord := func() []byte {
			rec, err := d.svc.Record(ctx, actor, caseID)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(rec); err != nil {
				t.Fatal(err)
			}
			return buf.Bytes()
		}
		paths := []string{"/api/v1/cases/" + id(cs), "/api/v1/cases/" + id(cs) + "/record"}
		tags := make([]string, len(paths))
		for i, p := range paths {
			status, tag, body, h := get(p, "")
			if status != 200 || tag == "" || h.Get("Cache-Control") != "private, no-cache" {
				t.Fatalf("GET %s: %d, ETag %q, Cache-Control %q", p, status, tag, h.Get("Cache-Control"))
			}
			if i == 1 && !bytes.Equal(body, wantRecord()) {
				t.Errorf("record body:\n got %s\nwant %s", body, wantRecord())
			}
			tags[i] = tag
			for _, inm := range []string{tag, "W/" + tag, `"other", ` + tag, "*"} {
				if status, again, body, _ := get(p, inm); status != 304 || again != tag || len(body) != 0 {
					t.Errorf("GET %s with If-None-Match %s: %d, ETag %q, %d bytes; want 304, the same tag, no body", p, inm, status, again, len(body))
				}
			}
		}
		// A reply and an internal note change the record, not the case's answer; a promise
		// changes both (the case lists its promises, the record has the promise's entry).
		for round, step := range []struct {
			path    string
			body    map[string]any
			changed []bool // per path
		}{
			{"/messages", map[string]any{"body": "Refunded one."}, []bool{false, true}},
			{"/messages", map[string]any{"body": "Check the bank file.", "internal": true}, []bool{false, true}},
			{"/promises", map[string]any{"kind": "callback", "due_at": "2026-11-24T10:00:00Z", "words": "I will call you tomorrow at ten."}, []bool{true, true}},
		} {
			d.call("POST", "/api/v1/cases/"+id(cs)+step.path, step.body, 201)
			for i, p := range paths {
				status, tag, body, _ := get(p, tags[i])
				if !step.changed[i] {
					if status != 304 || tag != tags[i] {
						t.Errorf("round %d, GET %s, unchanged, with its tag: %d, ETag %q (was %q); want 304", round, p, status, tag, tags[i])
					}
					continue
				}
				if status != 200 || tag == tags[i] || len(body) == 0 {
					t.Errorf("round %d, GET %s after a change with the old tag: %d, ETag %q (was %q), %d bytes; want 200 and a new tag", round, p, status, tag, tags[i], len(body))
				}
				if i == 1 && !bytes.Equal(body, wantRecord()) {
					t.Errorf("round %d, record body:\n got %s\nwant %s", round, body, wantRecord())
				}
				tags[i] = tag
				if status, _, _, _ := get(p, tag); status != 304 {
					t.Errorf("round %d, GET %s with the new tag: %d, want 304", round, p, status)
				}
			}
		}
		// Another line agent reads the same record: access is checked, not taken from the cache.
		other := d.call("POST", "/api/v1/agents", map[string]any{"name": "Partner Tom", "email": "tom@hp.example.com", "role": "partner",
			"partner_id": obj(d.call("POST", "/api/v1/partners", map[string]any{"name": "HP"}, 201))["id"]}, 201)
		for _, p := range paths {
			if status, _ := d.do("GET", p, d.tokenFor(obj(other)["id"]), nil); status != 404 {
				t.Errorf("a partner the case is not handed to: GET %s %d, want 404", p, status)
			}
		}
	})
}
