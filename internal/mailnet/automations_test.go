package mailnet

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
	"github.com/keptdesk/kept/internal/webhooks"
)

// An automation end to end (issue 17): a customer's mail about an invoice opens a case; the
// automation "Invoice desk" (case_opened, the word "invoice") adds an internal note, sends a
// canned reply with its variables filled, which reaches the SMTP relay on loopback, and calls a
// webhook receiver on loopback, signed. Its entries name it. A mail about something else opens
// a case it leaves alone.
func TestAutomationOnCaseOpenedReachesMailAndWebhook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		st := storetest.Open(t, backend)
		clk := clock.NewFake(outboxT0)
		log := slog.New(slog.DiscardHandler)
		svc := service.New(st, clk, log, service.WithMail(service.MailConfig{Address: "care@desk.test", Outbound: true}), service.WithWebhooks(true))
		sys := desk.SystemActor()
		admin, err := svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ada Admin", Email: "ada@desk.test", Role: "admin"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann Tamm", Email: "ann@desk.test", Role: "agent", ManagerID: admin.ID}); err != nil {
			t.Fatal(err)
		}
		canned, err := svc.CreateCannedReply(ctx, sys, "Invoices", "Hello {{customer.first_name}}, we have your invoice question ({{case.ref}}) and answer within a day.", false)
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var got []*http.Request
		var bodies [][]byte
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			got, bodies = append(got, r), append(bodies, b)
			mu.Unlock()
		}))
		defer rcv.Close()
		secret := "the receiver's own secret"
		hook, err := svc.CreateWebhook(ctx, desk.AgentActor(admin), service.WebhookIn{URL: rcv.URL, Events: []string{"promise_broken"}, Secret: secret})
		if err != nil {
			t.Fatal(err)
		}
		rule, err := svc.CreateAutomation(ctx, desk.AgentActor(admin), desk.Automation{Name: "Invoice desk", Active: true,
			When: desk.AutomationWhen{Event: "case_opened"}, If: desk.AutomationIf{Words: []string{"invoice"}},
			Then: []desk.AutomationAction{{Do: desk.DoNote, Body: "Invoice question: check the account's payments first."},
				{Do: desk.DoReply, CannedReplyID: canned.ID}, {Do: desk.DoWebhook, WebhookID: hook.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		receive := func(id, subject, body string) int64 {
			t.Helper()
			raw := "From: Mari Mets <mari@example.ee>\r\nTo: care@desk.test\r\nSubject: " + subject + "\r\nMessage-ID: <" + id + "@example.ee>\r\n" +
				"Content-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n"
			res, err := svc.ReceiveMail(ctx, mail.Delivery{From: "mari@example.ee", To: []string{"care@desk.test"}, Raw: []byte(raw)})
			if err != nil {
				t.Fatal(err)
			}
			return res.CaseID
		}
		invoice := receive("m1", "Charged twice", "My Invoice INV-7 was charged twice.")
		other := receive("m2", "Router", "It blinks red.")

		rec, err := svc.Record(ctx, desk.AgentActor(admin), invoice)
		if err != nil {
			t.Fatal(err)
		}
		var note, reply *desk.Entry
		for i, e := range rec {
			if e.Actor.Kind != desk.ActorAutomation {
				continue
			}
			if e.Actor.Name != "automation: Invoice desk" || e.Actor.ID != rule.ID {
				t.Errorf("an entry names %+v", e.Actor)
			}
			switch {
			case e.Kind == desk.KindNote && strings.Contains(e.Body, "check the account"):
				note = &rec[i]
			case e.Kind == desk.KindMessageOut:
				reply = &rec[i]
			}
		}
		ref := desk.CaseRef(invoice)
		if note == nil || !note.Internal || reply == nil || reply.Body != "Hello Mari, we have your invoice question ("+ref+") and answer within a day." {
			t.Fatalf("the record: note %+v reply %+v", note, reply)
		}
		otherRec, _ := svc.Record(ctx, desk.AgentActor(admin), other)
		for _, e := range otherRec {
			if e.Actor.Kind == desk.ActorAutomation {
				t.Errorf("the automation acted on a case without the word: %+v", e)
			}
		}

		relay := startTestRelay(t, &testRelay{})
		sender := NewSender(service.NewOutbox(st), mustParseRelay(t, relay.url("")), clk, log)
		if _, err := sender.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, m := range relay.received() {
			if len(m.To) == 1 && m.To[0] == "mari@example.ee" && strings.Contains(string(m.Data), "Hello Mari, we have your invoice question") {
				found = true
			}
		}
		if !found {
			t.Errorf("the canned reply did not reach the relay: %d mails", len(relay.received()))
		}

		hooks := webhooks.NewSender(svc.WebhookQueue(""), clk, log, true)
		if n, err := hooks.RunDue(ctx); err != nil || n != 1 {
			t.Fatalf("webhook deliveries: %d, %v", n, err)
		}
		mu.Lock()
		defer mu.Unlock()
		r, body := got[0], bodies[0]
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(r.Header.Get("webhook-id") + "." + r.Header.Get("webhook-timestamp") + "."))
		mac.Write(body)
		if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); r.Header.Get("webhook-signature") != want {
			t.Error("the automation's call is not signed with the endpoint's secret")
		}
		var p struct {
			Type string                    `json:"type"`
			Ref  string                    `json:"ref"`
			Data desk.AutomationCalledData `json:"data"`
		}
		if err := json.Unmarshal(body, &p); err != nil || p.Type != "automation" || p.Ref != ref || p.Data.Automation != "Invoice desk" ||
			p.Data.Event != "case_opened" || p.Data.AutomationID != rule.ID {
			t.Errorf("the call: %s (%v)", body, err)
		}
	})
}
