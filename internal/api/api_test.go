package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/api"
	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/metrics"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// desk is one API under test with an admin token.
type testDesk struct {
	t     *testing.T
	url   string
	token string
	clock *clock.Fake
	svc   *service.Service // for issuing tokens, as `kept token` does
}

func newDesk(t *testing.T, backend string) *testDesk { return newDeskWith(t, backend) }

// newDeskWith is newDesk with the service's options (outbound mail, say); a WithEvents among
// them replaces the metrics' own.
func newDeskWith(t *testing.T, backend string, opts ...service.Option) *testDesk {
	t.Helper()
	st := storetest.Open(t, backend)
	clk := clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	m := metrics.New()
	opts = append([]service.Option{service.WithEvents(func(e service.Event) { m.Committed(e.CaseOpened, e.Entries) })}, opts...)
	svc := service.New(st, clk, slog.New(slog.DiscardHandler), opts...)
	srv := httptest.NewServer(api.New(svc, slog.New(slog.DiscardHandler), m, "test").Handler())
	t.Cleanup(srv.Close)
	ctx := context.Background()
	admin, _, err := svc.EnsureAgent(ctx, "admin@example.com", "Ada Admin", desk.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := svc.IssueToken(ctx, admin.ID, "tests")
	if err != nil {
		t.Fatal(err)
	}
	return &testDesk{t: t, url: srv.URL, token: tok, clock: clk, svc: svc}
}

// call sends a request and decodes the JSON answer into a map (or list), failing on a status
// other than want.
func (d *testDesk) call(method, path string, body any, want int) any {
	d.t.Helper()
	status, out := d.do(method, path, d.token, body)
	if status != want {
		d.t.Fatalf("%s %s: status %d, want %d; answer %v", method, path, status, want, out)
	}
	return out
}

func (d *testDesk) do(method, path, token string, body any) (int, any) {
	d.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, _ := json.Marshal(b)
		rd = bytes.NewReader(buf)
	}
	req, _ := http.NewRequest(method, d.url+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out any
	if len(raw) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out); err != nil {
			d.t.Fatalf("%s %s: answer is not JSON: %s", method, path, raw)
		}
	} else {
		out = string(raw)
	}
	return resp.StatusCode, out
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func list(v any) []any         { l, _ := v.([]any); return l }
func id(v any) string          { return fmt.Sprint(obj(v)["id"]) }

// errorOf returns the error code and field of an error answer.
func errorOf(v any) (code, field, message string) {
	e := obj(obj(v)["error"])
	return fmt.Sprint(e["code"]), fmt.Sprint(e["field"]), fmt.Sprint(e["message"])
}

func TestContractFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)

		lead := d.call("POST", "/api/v1/agents", map[string]any{"name": "Lea Lead", "email": "lea@example.ee", "role": "lead", "team": "Billing",
			"timezone": "Europe/Tallinn"}, 201)
		agent := d.call("POST", "/api/v1/agents", map[string]any{"name": "Ann Tamm", "email": "ann@example.ee", "role": "agent", "team": "Billing",
			"manager_id": obj(lead)["id"], "timezone": "Europe/Tallinn",
			"hours": map[string][]string{"mon": {"09:00-12:30", "13:30-17:00"}, "tue": {"09:00-17:00"}, "sun": {}}}, 201)
		if obj(agent)["team"] != "Billing" || fmt.Sprint(obj(agent)["manager_id"]) != id(lead) {
			t.Errorf("agent answer %v lacks team or manager", agent)
		}
		if hours := obj(obj(agent)["hours"]); fmt.Sprint(hours["mon"]) != "[09:00-12:30 13:30-17:00]" || fmt.Sprint(hours["wed"]) != "[]" {
			t.Errorf("agent hours read back as %v", hours)
		}

		cust := d.call("POST", "/api/v1/customers", map[string]any{"name": "Mari Kask", "email": "Mari@Example.ee",
			"references": []map[string]string{{"kind": "account", "value": "ACC-371"}}}, 201)
		cs := d.call("POST", "/api/v1/cases", map[string]any{"customer_id": obj(cust)["id"], "subject": "Double charge on my invoice",
			"body": "Tere! I was charged twice for order ORD-2026-00417.\nPlease refund one.", "channel": "email", "owner_id": obj(agent)["id"]}, 201)
		caseID := id(cs)
		ref := fmt.Sprint(obj(cs)["ref"])
		if !strings.HasPrefix(ref, "K-") || obj(cs)["status"] != "open" || fmt.Sprint(obj(cs)["rung"]) != "0" {
			t.Errorf("new case %v: want a K- ref, status open, rung 0", cs)
		}
		if obj(cs)["original_request"] != "Tere! I was charged twice for order ORD-2026-00417.\nPlease refund one." {
			t.Errorf("original request not kept verbatim: %q", obj(cs)["original_request"])
		}
		if owner := obj(obj(cs)["owner"]); fmt.Sprint(owner["id"]) != id(agent) || owner["name"] != "Ann Tamm" {
			t.Errorf("owner %v, want Ann Tamm", owner)
		}

		d.clock.Advance(time.Hour)
		d.call("POST", "/api/v1/cases/"+caseID+"/messages", map[string]any{"body": "Sorry about that, Mari: I am checking the invoice now."}, 201)
		d.call("POST", "/api/v1/cases/"+caseID+"/messages", map[string]any{"body": "Customer sounded upset; check the refund queue.", "internal": true}, 201)
		d.call("POST", "/api/v1/cases/"+caseID+"/calls", map[string]any{"direction": "outbound", "at": "2026-11-23T11:05:00Z", "duration_s": 240,
			"summary": "Called Mari about the refund", "transcript": "Ann: Hello Mari. Mari: Hello, about my refund for firmware v1.1..."}, 201)

		record := list(d.call("GET", "/api/v1/cases/"+ref+"/record", nil, 200))
		kinds := []string{}
		prev := ""
		for i, e := range record {
			kinds = append(kinds, fmt.Sprint(obj(e)["kind"]))
			if fmt.Sprint(obj(e)["seq"]) != fmt.Sprint(i+1) || obj(e)["prev_hash"] != prev || len(fmt.Sprint(obj(e)["hash"])) != 64 {
				t.Errorf("entry %d does not chain: %v", i+1, e)
			}
			prev = fmt.Sprint(obj(e)["hash"])
		}
		// The customer meets Ann (the owner) and Ada (who took the request down) at once.
		if strings.Join(kinds, ",") != "message_in,introduction,introduction,message_out,note,call" {
			t.Errorf("record kinds %v", kinds)
		}
		if intro := fmt.Sprint(obj(record[1])["body"]); !strings.HasPrefix(intro, "Ann Tamm (agent, Billing) looks after your case") {
			t.Errorf("introduction %q", intro)
		}
		if at := fmt.Sprint(obj(record[3])["at"]); at != "2026-11-23T11:00:00Z" {
			t.Errorf("reply at %s, want the desk clock's 2026-11-23T11:00:00Z", at)
		}

		// Search by a word, by folded words and by references.
		for _, q := range []struct{ q, want string }{
			{"refund", ref}, {"REFUND", ref}, {"tére", ref}, {"ACC-371", ref}, {"acc371", ref}, {"ORD-2026-00417", ref},
			{"v1.1", ref}, {"v11", ""}, {"nonexistentword", ""}, {ref, ref},
			{`"unbalanced AND (`, ""}, {"NEAR(refund", ""}, {"NEAR(", ""}, {"refund*", ref},
		} {
			ans := d.call("GET", "/api/v1/search?q="+urlQuery(q.q), nil, 200)
			hits := list(obj(ans)["hits"])
			got := ""
			if len(hits) > 0 {
				got = fmt.Sprint(obj(hits[0])["ref"])
			}
			if got != q.want {
				t.Errorf("search %q found %q (%v), want %q", q.q, got, hits, q.want)
			}
		}

		c := obj(d.call("GET", "/api/v1/customers/"+id(cust), nil, 200))
		if len(list(c["cases"])) != 1 || len(list(c["references"])) != 1 {
			t.Errorf("customer %v: want one case and one reference", c)
		}
		if got := list(c["contacts"]); len(got) != 1 || obj(got[0])["value"] != "mari@example.ee" {
			t.Errorf("customer contacts %v, want the address folded to lower case", got)
		}
		parts := list(obj(d.call("GET", "/api/v1/cases/"+caseID, nil, 200))["participants"])
		if len(parts) != 3 {
			t.Errorf("participants %v: want the customer, Ann who owns the case and Ada who recorded it", parts)
		}
	})
}

func urlQuery(s string) string {
	r := strings.NewReplacer("%", "%25", "&", "%26", "+", "%2B", " ", "%20", "#", "%23", `"`, "%22", "/", "%2F")
	return r.Replace(s)
}

func TestBadRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		cust := d.call("POST", "/api/v1/customers", map[string]any{"name": "Ivo", "email": "ivo@example.hr"}, 201)

		if status, _ := d.do("GET", "/api/v1/cases", "", nil); status != 401 {
			t.Errorf("no token: status %d, want 401", status)
		}
		if status, ans := d.do("GET", "/api/v1/cases", "kept_1_"+strings.Repeat("A", 43), nil); status != 401 {
			t.Errorf("a forged token: status %d, want 401 (%v)", status, ans)
		}
		for _, tc := range []struct {
			method, path string
			body         any
			status       int
			code, field  string
		}{
			{"POST", "/api/v1/cases", `{"customer_id": `, 400, "bad_request", ""},
			{"POST", "/api/v1/cases", map[string]any{"customer_id": "abc"}, 400, "bad_request", "customer_id"},
			{"POST", "/api/v1/cases", map[string]any{"customer_id": obj(cust)["id"], "subject": "x", "body": "y", "channel": "email", "colour": "red"}, 400, "bad_request", "colour"},
			{"POST", "/api/v1/cases", map[string]any{"customer_id": obj(cust)["id"], "body": "y", "channel": "email"}, 422, "invalid", "subject"},
			{"POST", "/api/v1/cases", map[string]any{"customer_id": obj(cust)["id"], "subject": "x", "body": "y", "channel": "pigeon"}, 422, "invalid", "channel"},
			{"POST", "/api/v1/cases", map[string]any{"customer_id": 99999, "subject": "x", "body": "y", "channel": "email"}, 422, "invalid", "customer_id"},
			{"POST", "/api/v1/customers", map[string]any{"name": "No Contact"}, 422, "invalid", "email"},
			{"POST", "/api/v1/customers", map[string]any{"name": "Bad", "email": "not-an-address"}, 422, "invalid", "email"},
			{"POST", "/api/v1/customers", map[string]any{"name": "Again", "email": "IVO@example.hr"}, 409, "customer_exists", ""},
			{"POST", "/api/v1/agents", map[string]any{"name": "Z", "email": "z@example.com", "timezone": "Mars/Olympus"}, 422, "invalid", "timezone"},
			{"POST", "/api/v1/agents", map[string]any{"name": "Z", "email": "z@example.com", "hours": map[string]any{"mon": []string{"17:00-09:00"}}}, 422, "invalid", "hours.mon[0]"},
			{"POST", "/api/v1/agents", map[string]any{"name": "Z", "email": "z@example.com", "role": "overlord"}, 422, "invalid", "role"},
			{"GET", "/api/v1/cases/424242", nil, 404, "not_found", ""},
			{"GET", "/api/v1/cases/K-999999", nil, 404, "not_found", ""},
			{"GET", "/api/v1/customers/424242", nil, 404, "not_found", ""},
			{"GET", "/api/v1/nothing-here", nil, 404, "no_route", ""},
			{"GET", "/api/v1/search?q=", nil, 422, "invalid", "q"},
			{"POST", "/api/v1/inbound", map[string]any{"channel": "social", "body": "hi"}, 422, "invalid", "from"},
		} {
			status, ans := d.do(tc.method, tc.path, d.token, tc.body)
			code, field, msg := errorOf(ans)
			if status != tc.status || code != tc.code || (tc.field != "" && field != tc.field) || msg == "" {
				t.Errorf("%s %s %v: %d %s field %q (%q); want %d %s field %q", tc.method, tc.path, tc.body, status, code, field, msg, tc.status, tc.code, tc.field)
			}
		}
	})
}

func TestInbound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		d.call("POST", "/api/v1/agents", map[string]any{"name": "Ann", "email": "ann@example.ee", "role": "agent"}, 201)

		post := map[string]any{"channel": "social", "from": map[string]any{"handle": "@mari_k", "name": "Mari K"},
			"body": "@kept my parcel RR123456785EE is two weeks late!", "external_id": "tw-1001"}
		first := obj(d.call("POST", "/api/v1/inbound", post, 201))
		if first["created"] != true || !strings.HasPrefix(fmt.Sprint(first["ref"]), "K-") {
			t.Fatalf("first inbound %v: want a new case", first)
		}
		again := obj(d.call("POST", "/api/v1/inbound", post, 201))
		if again["case_id"] != first["case_id"] || again["created"] == true {
			t.Errorf("the same external_id again gave %v, want the first case and nothing new", again)
		}
		caseID := fmt.Sprint(first["case_id"])
		countIn := func() int {
			n := 0
			for _, e := range list(d.call("GET", "/api/v1/cases/"+caseID+"/record", nil, 200)) {
				if obj(e)["kind"] == "message_in" {
					n++
				}
			}
			return n
		}
		if n := countIn(); n != 1 {
			t.Errorf("record has %d messages after a retried inbound message, want 1", n)
		}
		// A reply naming the case joins it.
		reply := obj(d.call("POST", "/api/v1/inbound", map[string]any{"channel": "social", "from": map[string]any{"handle": "@MARI_K"},
			"body": "Any news?", "case_ref": first["ref"], "external_id": "tw-1002"}, 201))
		if reply["case_id"] != first["case_id"] || reply["created"] == true {
			t.Errorf("reply naming the case: %v", reply)
		}
		// A reply to an earlier post joins its case too.
		thread := obj(d.call("POST", "/api/v1/inbound", map[string]any{"channel": "social", "from": map[string]any{"handle": "@mari_k"},
			"body": "Hello??", "in_reply_to": "tw-1002", "external_id": "tw-1003"}, 201))
		if thread["case_id"] != first["case_id"] {
			t.Errorf("reply to an earlier post: %v", thread)
		}
		// Someone else naming Mari's case gets a case of their own and learns nothing of hers.
		other := obj(d.call("POST", "/api/v1/inbound", map[string]any{"channel": "email", "from": map[string]any{"email": "eve@example.com"},
			"subject": "About " + fmt.Sprint(first["ref"]), "body": "Show me this case", "case_ref": first["ref"]}, 201))
		if other["case_id"] == first["case_id"] || other["created"] != true {
			t.Errorf("a stranger naming the case joined it: %v", other)
		}
		if n := countIn(); n != 3 {
			t.Errorf("Mari's record has %d messages, want 3 (no stranger's message)", n)
		}
		cs := obj(d.call("GET", "/api/v1/cases/"+caseID, nil, 200))
		if cs["channel"] != "social" {
			t.Errorf("case channel %v", cs["channel"])
		}
		// Look-alike letters are flagged.
		spoof := obj(d.call("POST", "/api/v1/inbound", map[string]any{"channel": "email", "from": map[string]any{"email": "x@example.com"},
			"body": "Dear сustоmеr, verify your account"}, 201))
		spoofCase := obj(d.call("GET", "/api/v1/cases/"+fmt.Sprint(spoof["case_id"]), nil, 200))
		if !strings.Contains(fmt.Sprint(spoofCase["flags"]), "lookalike_obfuscation") || spoofCase["status"] != "quarantined" {
			t.Errorf("flags %v status %v, want lookalike_obfuscation and quarantined", spoofCase["flags"], spoofCase["status"])
		}
		// And the folded form finds it.
		hits := list(obj(d.call("GET", "/api/v1/search?q=customer", nil, 200))["hits"])
		if len(hits) != 1 || hits[0].(map[string]any)["case_id"] != spoof["case_id"] || hits[0].(map[string]any)["status"] != "quarantined" {
			t.Errorf("search for customer found %v, want the look-alike case, marked quarantined", hits)
		}
		released := obj(d.call("POST", "/api/v1/cases/"+fmt.Sprint(spoof["case_id"])+"/release", nil, 200))
		if released["status"] != "open" {
			t.Errorf("after release: %v", released["status"])
		}
		if status, _ := d.do("POST", "/api/v1/cases/"+fmt.Sprint(spoof["case_id"])+"/release", d.token, nil); status != 409 {
			t.Errorf("releasing twice: %d, want 409", status)
		}
	})
}

func TestServiceEndpoints(t *testing.T) {
	d := newDesk(t, "sqlite")
	status, health := d.do("GET", "/healthz", "", nil)
	if status != 200 || obj(health)["status"] != "ok" {
		t.Errorf("healthz: %d %v", status, health)
	}
	status, doc := d.do("GET", "/api/v1/openapi.json", "", nil)
	if status != 200 || obj(doc)["openapi"] != "3.0.3" {
		t.Fatalf("openapi: %d", status)
	}
	paths := obj(obj(doc)["paths"])
	for _, p := range []string{"POST /api/v1/customers", "GET /api/v1/customers/{id}", "POST /api/v1/agents", "POST /api/v1/cases",
		"GET /api/v1/cases/{id}", "GET /api/v1/cases/{id}/record", "POST /api/v1/cases/{id}/messages", "POST /api/v1/cases/{id}/calls",
		"POST /api/v1/inbound", "GET /api/v1/search", "POST /api/v1/cases/{id}/promises", "POST /api/v1/promises/{id}/keep",
		"POST /api/v1/promises/{id}/slip", "GET /api/v1/promises", "POST /api/v1/cases/{id}/handover", "POST /api/v1/cases/{id}/escalate",
		"POST /api/v1/agents/{id}/absences", "GET /api/v1/tokens", "POST /api/v1/tokens", "DELETE /api/v1/tokens/{id}"} {
		method, path, _ := strings.Cut(p, " ")
		op := obj(obj(paths[path])[strings.ToLower(method)])
		if op == nil {
			t.Errorf("openapi.json lacks %s", p)
			continue
		}
		if method == "POST" {
			schema := obj(obj(obj(obj(op["requestBody"])["content"])["application/json"])["schema"])
			if len(obj(schema["properties"])) == 0 {
				t.Errorf("openapi.json: %s has no request body fields", p)
			}
		}
	}
	caseGet := obj(obj(obj(paths["/api/v1/cases/{id}"])["get"])["responses"])
	caseProps := obj(obj(obj(obj(obj(caseGet["200"])["content"])["application/json"])["schema"])["properties"])
	for _, f := range []string{"id", "ref", "status", "owner", "rung", "customer_id", "original_request", "promises", "participants", "flags"} {
		if _, ok := caseProps[f]; !ok {
			t.Errorf("openapi.json: the case lacks %q", f)
		}
	}

	// An automation's conditions include the kinds of reference found (issue 16).
	autoPost := obj(obj(paths["/api/v1/automations"])["post"])
	autoIf := obj(obj(obj(obj(obj(obj(autoPost["requestBody"])["content"])["application/json"])["schema"])["properties"])["if"])
	if refs := obj(obj(autoIf["properties"])["refs"]); refs["type"] != "array" {
		t.Errorf("openapi.json: an automation's if has refs %v, want an array of kinds", refs)
	}

	d.call("POST", "/api/v1/agents", map[string]any{"name": "Ann", "email": "ann@example.ee", "role": "agent"}, 201)
	d.call("POST", "/api/v1/inbound", map[string]any{"channel": "api", "from": map[string]any{"email": "m@example.ee"}, "body": "Hello"}, 201)
	status, text := d.do("GET", "/metrics", "", nil)
	body := fmt.Sprint(text)
	for _, want := range []string{"kept_cases_opened_total 1", "kept_record_entries_appended_total 2", `kept_http_requests_total{code="201",method="POST",route="/api/v1/inbound"} 1`, "kept_http_request_duration_seconds_bucket"} {
		if status != 200 || !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// voiceToken issues a token that acts for customers (customer-voice) to an integration agent of
// its own, as `kept token --integration NAME --scope customer-voice` does.
func (d *testDesk) voiceToken(label string) string {
	d.t.Helper()
	ctx := context.Background()
	a, _, err := d.svc.EnsureAgent(ctx, strings.ToLower(strings.ReplaceAll(label, " ", "-"))+"@example.com", label, desk.RoleAgent)
	if err != nil {
		d.t.Fatal(err)
	}
	k, err := d.svc.CreateToken(ctx, desk.SystemActor(), service.NewToken{AgentID: a.ID, Label: label, Scopes: []string{desk.ScopeCustomerVoice}})
	if err != nil {
		d.t.Fatal(err)
	}
	return k.Secret
}

// TestReadyz: GET /readyz answers 200 when the database takes a write, and 503 with
// Retry-After when it does not (here: closed), where /healthz alone said nothing of writes
// (issue 20, finding 5).
func TestReadyz(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		svc := service.New(st, clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)), slog.New(slog.DiscardHandler))
		srv := httptest.NewServer(api.New(svc, slog.New(slog.DiscardHandler), metrics.New(), "test").OnNode("node-a").Handler())
		defer srv.Close()
		get := func() *http.Response {
			res, err := http.Get(srv.URL + "/readyz")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res
		}
		if res := get(); res.StatusCode != 200 {
			t.Fatalf("readyz on a working desk: %d", res.StatusCode)
		}
		// A background loop that has not begun a round for an hour is stuck: not ready.
		var round atomic.Int64
		round.Store(time.Now().UnixNano())
		stuck := httptest.NewServer(api.New(svc, slog.New(slog.DiscardHandler), metrics.New(), "test").OnNode("node-b").
			Watch("timers", func() time.Time { return time.Unix(0, round.Load()) }).Handler())
		defer stuck.Close()
		check := func(want int) {
			t.Helper()
			res, err := http.Get(stuck.URL + "/readyz")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != want {
				t.Fatalf("readyz with the timers' last round %v ago: %d, want %d", time.Since(time.Unix(0, round.Load())).Round(time.Minute), res.StatusCode, want)
			}
		}
		check(200)
		round.Store(time.Now().Add(-time.Hour).UnixNano())
		check(503)
		st.Close()
		if res := get(); res.StatusCode != 503 || res.Header.Get("Retry-After") == "" {
			t.Fatalf("readyz with no database: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
		}
	})
}

// TestNULRefused: a text with a NUL character, or bytes that are not UTF-8, in a body, a query
// or a path, is refused with a 400 naming it. PostgreSQL refuses NUL in text, so each such request failed there with a 500
// (92 of them over 41 routes, found by sending every route bad input); SQLite stored it.
func TestNULRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newDesk(t, backend)
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"POST", "/api/v1/customers", map[string]any{"name": "Mari\u0000Mets", "email": "mari@example.ee"}},
			{"POST", "/api/v1/partners", map[string]any{"name": "Fix\u0000It"}},
			{"GET", "/api/v1/cases?status=%00", nil},
			{"GET", "/api/v1/cases?status=%FF%FE", nil}, // not UTF-8: PostgreSQL refuses it too
			{"PUT", "/api/v1/teams/%FF%FE", map[string]any{}},
			{"GET", "/api/v1/promises?team=a%00b", nil},
			{"PATCH", "/api/v1/teams/a%00b", map[string]any{"timezone": "Europe/Tallinn"}},
		} {
			status, out := d.do(c.method, c.path, d.token, c.body)
			if _, _, msg := errorOf(out); status != http.StatusBadRequest || !strings.Contains(msg, "NUL") {
				t.Errorf("%s %s: %d %v, want 400 naming the NUL", c.method, c.path, status, out)
			}
		}
	})
}
