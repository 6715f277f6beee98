package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/mailnet/mailtest"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// mailDesk is the API with outbound mail sent through a relay on loopback.
type mailDesk struct {
	*testDesk
	relay *mailtest.Sink
}

func newMailAPIDesk(t *testing.T, backend string) *mailDesk {
	t.Helper()
	d := newDeskWith(t, backend, service.WithMail(service.MailConfig{Address: "care@desk.test", Outbound: true}))
	return &mailDesk{testDesk: d, relay: mailtest.New(t, d.svc.Outbox("test"), d.clock)}
}

// drain sends what is due and returns, by recipient, the texts the relay got since the last
// drain.
func (d *mailDesk) drain() map[string][]string {
	d.t.Helper()
	got := map[string][]string{}
	for _, m := range d.relay.Drain() {
		got[m.To] = append(got[m.To], m.Msg.Text)
	}
	return got
}

// The contract's incident and decision rows over HTTP, with the mails through a real relay:
// an incident's promise, its slip and its fix reach every linked customer once, in their
// language; a credit above the agent's limit waits for the lead, who is asked; an agent of
// another team is refused.
func TestIncidentsAndDecisionsOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newMailAPIDesk(t, backend)
		always := map[string][]string{}
		for _, day := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
			always[day] = []string{"00:00-24:00"}
		}
		lea := obj(d.call("POST", "/api/v1/agents", map[string]any{"name": "Lea Lead", "email": "lea@example.ee", "role": "lead", "team": "Network",
			"timezone": "Europe/Tallinn", "hours": always}, 201))
		ann := obj(d.call("POST", "/api/v1/agents", map[string]any{"name": "Ann Tamm", "email": "ann@example.ee", "role": "agent", "team": "Network",
			"manager_id": lea["id"], "timezone": "Europe/Tallinn", "hours": always}, 201))
		olga := obj(d.call("POST", "/api/v1/agents", map[string]any{"name": "Olga Other", "email": "olga@example.ee", "role": "agent", "team": "Sales",
			"timezone": "Europe/Tallinn", "hours": always}, 201))
		annTok, leaTok, olgaTok := d.tokenFor(ann["id"]), d.tokenFor(lea["id"]), d.tokenFor(olga["id"])
		as := func(tok, method, path string, body any, want int) map[string]any {
			t.Helper()
			status, out := d.do(method, path, tok, body)
			if status != want {
				t.Fatalf("%s %s: %d, want %d: %v", method, path, status, want, out)
			}
			return obj(out)
		}
		customer := func(name, email, lang, zone string) string {
			return id(d.call("POST", "/api/v1/customers", map[string]any{"name": name, "email": email, "language": lang, "timezone": zone}, 201))
		}
		mari, ivo, john := customer("Mari Mets", "mari@example.ee", "et", "Europe/Tallinn"), customer("Ivo Horvat", "ivo@example.hr", "hr", "Europe/Zagreb"),
			customer("John Smith", "john@example.com", "en", "Europe/London")
		var cases []string
		for _, c := range []string{mari, mari, ivo, john} {
			cases = append(cases, id(d.call("POST", "/api/v1/cases", map[string]any{"customer_id": c, "subject": "No internet", "body": "The line is dead.",
				"channel": "web", "owner_id": ann["id"]}, 201)))
		}
		d.drain()

		inc := as(annTok, "POST", "/api/v1/incidents", map[string]any{"title": "Fibre cut in Tartu", "team": "Network", "public_status": "Engineers are on site."}, 201)
		incID := id(inc)
		status, refused := d.do("POST", "/api/v1/incidents/"+incID+"/promises", olgaTok, map[string]any{"kind": "fix", "due_at": "2026-11-23T16:00:00Z", "words": "Fixed by 18:00."})
		if code, _, _ := errorOf(refused); status != 403 || code != "forbidden" {
			t.Errorf("an agent of another team promising for the incident: %d %v", status, refused)
		}
		ids := []any{}
		for _, c := range cases {
			ids = append(ids, c)
		}
		as(annTok, "POST", "/api/v1/incidents/"+incID+"/cases", map[string]any{"case_ids": ids}, 200)
		for _, c := range cases {
			linked := false
			for _, e := range list(d.call("GET", "/api/v1/cases/"+c+"/record", nil, 200)) {
				linked = linked || obj(e)["kind"] == "incident_linked"
			}
			if !linked {
				t.Errorf("case %s has no incident_linked entry", c)
			}
		}

		p := as(annTok, "POST", "/api/v1/incidents/"+incID+"/promises", map[string]any{"kind": "fix", "due_at": "2026-11-23T16:00:00Z", "words": "We will have the line fixed by 18:00."}, 201)
		once := func(step string, want map[string]string) {
			t.Helper()
			got := d.drain()
			for addr, words := range want {
				if len(got[addr]) != 1 {
					t.Errorf("%s: %s got %d mails, want 1: %q", step, addr, len(got[addr]), got[addr])
				} else if !strings.Contains(got[addr][0], words) {
					t.Errorf("%s: %s's mail lacks %q: %q", step, addr, words, got[addr][0])
				}
			}
		}
		once("the promise", map[string]string{"mari@example.ee": "We will have the line fixed", "ivo@example.hr": "We will have the line fixed", "john@example.com": "We will have the line fixed"})

		as(annTok, "POST", "/api/v1/promises/"+id(p)+"/slip", map[string]any{"due_at": "2026-11-23T18:00:00Z", "reason": "a second cut", "message_to_customer": "The crew needs two more hours."}, 200)
		once("the slip", map[string]string{"mari@example.ee": "Teade teie teatatud rikke kohta", "ivo@example.hr": "Obavijest o kvaru", "john@example.com": "An update on the fault you reported"})

		as(annTok, "POST", "/api/v1/incidents/"+incID+"/resolve", map[string]any{"summary": "The cable is spliced."}, 200)
		once("the fix", map[string]string{"mari@example.ee": "on parandatud", "ivo@example.hr": "je otklonjen", "john@example.com": "has been fixed"})

		v := as(annTok, "GET", "/api/v1/incidents/"+incID, nil, 200)
		if len(list(v["cases"])) != 4 || len(list(v["customers"])) != 3 || v["state"] != "resolved" || len(list(v["told"])) != 9 {
			t.Errorf("the incident: %d cases, %d customers, state %v, told %d", len(list(v["cases"])), len(list(v["customers"])), v["state"], len(list(v["told"])))
		}
		if st, l := d.do("GET", "/api/v1/incidents?state=resolved", annTok, nil); st != 200 || len(list(l)) != 1 {
			t.Errorf("the resolved incidents: %d %v", st, l)
		}

		// Decisions.
		c := cases[0]
		dec := as(annTok, "POST", "/api/v1/cases/"+c+"/decisions", map[string]any{"kind": "credit", "amount": "30.00", "currency": "EUR", "reason": "Two days without internet."}, 201)
		if dec["state"] != "granted" || dec["id"] == nil {
			t.Errorf("a credit within the agent's limit: %v", dec)
		}
		once("the granted credit", map[string]string{"mari@example.ee": "Two days without internet."})
		dec = as(annTok, "POST", "/api/v1/cases/"+c+"/decisions", map[string]any{"kind": "refund", "amount": 150, "currency": "EUR", "reason": "A month's fee."}, 201)
		if dec["state"] != "pending_approval" || fmt.Sprint(dec["approver_id"]) != id(lea) {
			t.Fatalf("a refund above the agent's limit: %v", dec)
		}
		once("the pending refund", map[string]string{"mari@example.ee": "Saate meie otsuse hiljemalt"})
		asked := false
		status, notes := d.do("GET", "/api/v1/notifications", leaTok, nil)
		for _, n := range list(notes) {
			asked = asked || obj(n)["kind"] == "decision_requested"
		}
		if status != 200 || !asked {
			t.Errorf("the lead was not asked: %d %v", status, notes)
		}
		status, refused = d.do("POST", "/api/v1/decisions/"+id(dec)+"/approve", olgaTok, map[string]any{})
		if code, _, _ := errorOf(refused); status != 403 || code != "forbidden" {
			t.Errorf("another team's agent approving: %d %v", status, refused)
		}
		as(leaTok, "POST", "/api/v1/decisions/"+id(dec)+"/refuse", map[string]any{}, 422)
		got := as(leaTok, "POST", "/api/v1/decisions/"+id(dec)+"/approve", map[string]any{"reason": "The outage lasted a week."}, 200)
		if got["state"] != "granted" {
			t.Errorf("approved: %v", got)
		}
		once("the approval", map[string]string{"mari@example.ee": "The outage lasted a week."})
		view := as(annTok, "GET", "/api/v1/cases/"+c+"/decisions", nil, 200)
		if len(list(view["decisions"])) != 2 || obj(view["policy"])["text"] == "" || len(list(obj(view["evidence"])["incidents"])) != 1 {
			t.Errorf("the decisions view: %v", view)
		}
		as(annTok, "POST", "/api/v1/cases/"+c+"/decisions", map[string]any{"kind": "credit", "amount": -5, "currency": "EUR", "reason": "x"}, 422)
		as(leaTok, "PUT", "/api/v1/decision-policy", map[string]any{"team": "Network", "limits": map[string]any{"agent": 10}, "text": "Agents grant up to 10."}, 403)
		as(d.token, "PUT", "/api/v1/decision-policy", map[string]any{"team": "Network", "limits": map[string]any{"agent": 10}, "text": "Agents grant up to 10."}, 200)
		dec = as(annTok, "POST", "/api/v1/cases/"+c+"/decisions", map[string]any{"kind": "waiver", "amount": 20, "currency": "EUR", "reason": "Late fee."}, 201)
		if dec["state"] != "pending_approval" {
			t.Errorf("20 under a limit of 10: %v", dec)
		}
	})
}
