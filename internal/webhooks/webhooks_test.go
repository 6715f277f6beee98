package webhooks_test

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
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
	"github.com/keptdesk/kept/internal/webhooks"
)

type received struct {
	id, ts, sig string
	body        []byte
}

// receiver is a real HTTP endpoint on loopback that answers with the statuses given, in turn
// (200 once they run out), and keeps what it received.
type receiver struct {
	mu       sync.Mutex
	statuses []int
	got      []received
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, received{req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp"), req.Header.Get("webhook-signature"), body})
	status := http.StatusOK
	if len(r.statuses) > 0 {
		status, r.statuses = r.statuses[0], r.statuses[1:]
	}
	w.WriteHeader(status)
}

func (r *receiver) all() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// CONTRACT.md's webhooks (issue 17): an admin registers an endpoint; the desk's entries of the
// kinds it names reach it as signed POSTs (Standard Webhooks headers, HMAC-SHA256 of
// id.timestamp.body with the whsec_ key), queued with the entry and retried with the same id
// after a failure; an endpoint that answers 410 Gone is disabled and the admins are told.
// Loopback endpoints are refused unless allowed.
func TestWebhooksDeliverSignedAndRetry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		st := storetest.Open(t, backend)
		clk := clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
		svc := service.New(st, clk, slog.New(slog.DiscardHandler), service.WithWebhooks(true))
		sys := desk.SystemActor()
		admin, err := svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ada Admin", Email: "ada@desk.test", Role: "admin"})
		if err != nil {
			t.Fatal(err)
		}
		ann, err := svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann Tamm", Email: "ann@desk.test", Role: "agent"})
		if err != nil {
			t.Fatal(err)
		}
		rcv := &receiver{statuses: []int{500}}
		srv := httptest.NewServer(rcv)
		defer srv.Close()
		key := []byte("a key of thirty-two bytes, here.")
		secret := "whsec_" + base64.StdEncoding.EncodeToString(key)
		in := service.WebhookIn{URL: srv.URL + "/hooks", Events: []string{"message_in", "promise_made"}, Secret: secret}
		if _, err := svc.CreateWebhook(ctx, desk.AgentActor(ann), in); err == nil {
			t.Fatal("an agent registered a webhook")
		}
		strict := service.New(st, clk, slog.New(slog.DiscardHandler))
		if _, err := strict.CreateWebhook(ctx, desk.AgentActor(admin), in); err == nil || !strings.Contains(err.Error(), "loopback or private") {
			t.Fatalf("a loopback endpoint without --webhook-allow-private: %v", err)
		}
		hook, err := svc.CreateWebhook(ctx, desk.AgentActor(admin), in)
		if err != nil {
			t.Fatal(err)
		}
		cust, err := svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: cust.ID, Subject: "Router", Body: "It blinks red.", Channel: "web", OwnerID: ann.ID})
		if err != nil {
			t.Fatal(err)
		}
		sender := webhooks.NewSender(svc.WebhookQueue(""), clk, slog.New(slog.DiscardHandler), true)
		if n, err := sender.RunDue(ctx); err != nil || n != 0 {
			t.Fatalf("first round: %d delivered, %v (the endpoint answers 500)", n, err)
		}
		clk.Advance(5 * time.Second)
		if n, err := sender.RunDue(ctx); err != nil || n != 1 {
			t.Fatalf("after the retry delay: %d delivered, %v", n, err)
		}
		got := rcv.all()
		if len(got) != 2 || got[0].id != got[1].id {
			t.Fatalf("the endpoint got %d requests; the retry must carry the same webhook-id", len(got))
		}
		for _, g := range got {
			mac := hmac.New(sha256.New, key)
			mac.Write([]byte(g.id + "." + g.ts + "."))
			mac.Write(g.body)
			if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); g.sig != want {
				t.Errorf("signature %q, want %q", g.sig, want)
			}
		}
		var p struct {
			ID     string `json:"id"`
			Type   string `json:"type"`
			CaseID int64  `json:"case_id"`
			Ref    string `json:"ref"`
			Data   struct {
				Seq  int64  `json:"seq"`
				Kind string `json:"kind"`
				Body string `json:"body"`
			} `json:"data"`
		}
		if err := json.Unmarshal(got[1].body, &p); err != nil {
			t.Fatal(err)
		}
		if p.ID != got[1].id || p.Type != "message_in" || p.CaseID != c.ID || p.Ref != c.Ref || p.Data.Seq != 1 || p.Data.Body != "It blinks red." {
			t.Errorf("payload %+v", p)
		}
		log, err := svc.WebhookDeliveries(ctx, desk.AgentActor(admin), hook.ID)
		if err != nil || len(log) != 1 || log[0].State != "delivered" || log[0].Attempts != 2 {
			t.Fatalf("delivery log %+v, %v", log, err)
		}

		// An endpoint that is gone (410) is disabled, and the admins are told.
		rcv.mu.Lock()
		rcv.statuses = []int{http.StatusGone}
		rcv.mu.Unlock()
		if _, err := svc.MakePromise(ctx, desk.AgentActor(ann), c.ID, desk.NewPromise{Kind: "update", DueAt: clk.Now().Add(2 * time.Hour), Words: "I write by noon."}); err != nil {
			t.Fatal(err)
		}
		if _, err := sender.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		hooks, _ := svc.Webhooks(ctx, desk.AgentActor(admin))
		if len(hooks) != 1 || hooks[0].Active || !strings.Contains(hooks[0].DisabledWhy, "410") {
			t.Errorf("after a 410 the endpoint is %+v", hooks)
		}
		notes, _ := svc.Notifications(ctx, desk.AgentActor(admin))
		if len(notes) == 0 || !strings.Contains(notes[0].Body, "webhook") {
			t.Errorf("the admin was not told: %+v", notes)
		}

		// Once the receiver is back, the admin sends the failed delivery again: the endpoint is
		// on again and the delivery arrives with the same webhook-id.
		log, _ = svc.WebhookDeliveries(ctx, desk.AgentActor(admin), hook.ID)
		failed := log[0]
		if failed.State != "failed" {
			t.Fatalf("the newest delivery is %+v", failed)
		}
		if err := svc.ResendDelivery(ctx, desk.AgentActor(ann), hook.ID, failed.ID); err == nil {
			t.Fatal("an agent sent a delivery again")
		}
		if err := svc.ResendDelivery(ctx, desk.AgentActor(admin), hook.ID, failed.ID); err != nil {
			t.Fatal(err)
		}
		before := len(rcv.all())
		if n, err := sender.RunDue(ctx); err != nil || n != 1 {
			t.Fatalf("sending again: %d delivered, %v", n, err)
		}
		again := rcv.all()
		if len(again) != before+1 || again[len(again)-1].id != failed.MessageID {
			t.Errorf("sent again with webhook-id %q, want %q", again[len(again)-1].id, failed.MessageID)
		}
		if hooks, _ := svc.Webhooks(ctx, desk.AgentActor(admin)); !hooks[0].Active {
			t.Error("the endpoint stays disabled after sending again")
		}
	})
}

// Sign follows the Standard Webhooks example shape: a plain secret is its own key.
func TestSign(t *testing.T) {
	sig, err := webhooks.Sign("a plain secret of some length", "msg_1", "1700000000", []byte(`{"a":1}`))
	if err != nil || !strings.HasPrefix(sig, "v1,") {
		t.Fatalf("Sign = %q, %v", sig, err)
	}
	if _, err := webhooks.Sign("whsec_not base64!", "msg_1", "1", nil); err == nil {
		t.Error("a whsec_ secret that is not base64 was taken")
	}
}
