package webhooks_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
	"github.com/keptdesk/kept/internal/webhooks"
)

// Issue 17's first and last "done when" on a real receiver on loopback: a promise broken (by
// the desk's timer, on an injected clock) reaches an endpoint that hears of promise_broken as
// one signed delivery whose signature verifies, and nothing else; then the receiver fails
// (500) on every attempt: after the last retry (about 18 hours of back-off) the endpoint is
// disabled, its log says failed after 8 attempts, and the admins are told.
func TestPromiseBrokenThenEndpointFailsForGood(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		clk := clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
		svc := service.New(storetest.Open(t, backend), clk, slog.New(slog.DiscardHandler), service.WithWebhooks(true))
		sys := desk.SystemActor()
		admin := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ada Admin", Email: "ada@desk.test", Role: "admin"}))
		ann := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann Tamm", Email: "ann@desk.test", Role: "agent"}))
		rcv := &receiver{}
		srv := httptest.NewServer(rcv)
		defer srv.Close()
		key := []byte("thirty-two bytes of a secret key")
		secret := "whsec_" + base64.StdEncoding.EncodeToString(key)
		hook := must(svc.CreateWebhook(ctx, desk.AgentActor(admin), service.WebhookIn{URL: srv.URL + "/broken", Events: []string{"promise_broken"}, Secret: secret}))
		cust := must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"}))
		c := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: cust.ID, Subject: "Router", Body: "It blinks red.", Channel: "web", OwnerID: ann.ID}))
		must(svc.MakePromise(ctx, desk.AgentActor(ann), c.ID, desk.NewPromise{Kind: "update", DueAt: clk.Now().Add(time.Hour), Words: "I write within the hour."}))

		timers := svc.Timers(slog.New(slog.DiscardHandler))
		sender := webhooks.NewSender(svc.WebhookQueue(""), clk, slog.New(slog.DiscardHandler), true)
		round := func() {
			t.Helper()
			if _, err := timers.RunDue(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := sender.RunDue(ctx); err != nil {
				t.Fatal(err)
			}
		}
		round()
		if n := len(rcv.all()); n != 0 {
			t.Fatalf("%d deliveries before any promise broke", n)
		}
		clk.Advance(61 * time.Minute)
		round()
		got := rcv.all()
		if len(got) != 1 {
			t.Fatalf("the broken promise reached the receiver %d times, want once", len(got))
		}
		if want, err := webhooks.Sign(secret, got[0].id, got[0].ts, got[0].body); err != nil || got[0].sig != want {
			t.Errorf("signature %q does not verify (want %q, %v)", got[0].sig, want, err)
		}
		var p struct {
			ID, Type string
			CaseID   int64 `json:"case_id"`
		}
		if err := json.Unmarshal(got[0].body, &p); err != nil || p.Type != "promise_broken" || p.CaseID != c.ID || p.ID != got[0].id {
			t.Errorf("payload %s (%v)", got[0].body, err)
		}

		// The receiver fails from now on: every retry, then the endpoint is disabled.
		rcv.mu.Lock()
		rcv.statuses = make([]int, 100)
		for i := range rcv.statuses {
			rcv.statuses[i] = http.StatusInternalServerError
		}
		rcv.mu.Unlock()
		must(svc.MakePromise(ctx, desk.AgentActor(ann), c.ID, desk.NewPromise{Kind: "update", DueAt: clk.Now().Add(time.Hour), Words: "Another hour."}))
		clk.Advance(61 * time.Minute)
		for range 24 * 6 { // a day, in steps of 10 minutes
			round()
			clk.Advance(10 * time.Minute)
		}
		if n := len(rcv.all()) - 1; n != 8 {
			t.Errorf("the failing delivery was tried %d times, want 8 (the first and 7 retries)", n)
		}
		hooks := must(svc.Webhooks(ctx, desk.AgentActor(admin)))
		if len(hooks) != 1 || hooks[0].Active || !strings.Contains(hooks[0].DisabledWhy, "failed for good") {
			t.Fatalf("after the last retry the endpoint is %+v", hooks)
		}
		log := must(svc.WebhookDeliveries(ctx, desk.AgentActor(admin), hook.ID))
		if len(log) != 2 || log[0].State != "failed" || log[0].Attempts != 8 || log[0].LastStatus != 500 || log[1].State != "delivered" {
			t.Errorf("the log: %+v", log)
		}
		notes := must(svc.Notifications(ctx, desk.AgentActor(admin)))
		if len(notes) == 0 || !strings.Contains(notes[0].Body, "disabled") {
			t.Errorf("the admin was not told: %+v", notes)
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
