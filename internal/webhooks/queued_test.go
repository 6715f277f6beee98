package webhooks_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
	"github.com/keptdesk/kept/internal/webhooks"
)

// A case waiting in its team's queue has no owner, and its events say so with null: it opens
// with "owner": null, passes its target with "owner": null, and is taken from the queue with
// "from": null. Failed before: an owner {"id": 0, "name": ""}, a person who does not exist.
func TestQueuedCaseEventsNameNobody(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		st := storetest.Open(t, backend)
		clk := clock.NewFake(time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)) // a Saturday
		svc := service.New(st, clk, slog.New(slog.DiscardHandler), service.WithWebhooks(true))
		sys := desk.SystemActor()
		week := map[string][]string{"mon": {"09:00-17:00"}, "tue": {"09:00-17:00"}, "wed": {"09:00-17:00"}, "thu": {"09:00-17:00"}, "fri": {"09:00-17:00"}}
		ada := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ada Admin", Email: "ada@desk.test", Role: "admin", Team: "Care"}))
		bea := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Bea Billing", Email: "bea@desk.test", Role: "agent", Team: "Billing", Hours: week}))
		// The team's clock runs all week, but Bea works Monday to Friday: on Saturday nobody can
		// take the case, and its one-hour target passes while it waits.
		target, zone, always := time.Hour, "UTC", map[string][]string{}
		billing := must(svc.SetTeamSettings(ctx, sys, "Billing", service.TeamSettingsIn{ResponseTarget: &target, BusinessHours: &always, Timezone: &zone}))

		rcv := &receiver{}
		srv := httptest.NewServer(rcv)
		defer srv.Close()
		must(svc.CreateWebhook(ctx, desk.AgentActor(ada), service.WebhookIn{URL: srv.URL,
			Events: []string{"case_opened", "owner_changed", "target_passed"}, Secret: "a plain secret of some length"}))
		cust := must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"}))
		c := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: cust.ID, Subject: "Invoice", Body: "Charged twice.", Channel: "email", TeamID: billing.ID}))
		if c.OwnerID != 0 {
			t.Fatalf("the case went to %d on Saturday, want the queue", c.OwnerID)
		}
		clk.Advance(61 * time.Minute)
		timers := svc.Timers(slog.New(slog.DiscardHandler))
		if _, err := timers.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		must(svc.HandOver(ctx, desk.AgentActor(bea), c.ID, desk.Handover{ToAgentID: bea.ID}))
		sender := webhooks.NewSender(svc.WebhookQueue(""), clk, slog.New(slog.DiscardHandler), true)
		if _, err := sender.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		nulls := map[string]string{"case_opened": "owner", "target_passed": "owner", "owner_changed": "from"}
		seen := map[string]bool{}
		for _, g := range rcv.all() {
			var p struct {
				Type string                     `json:"type"`
				Data map[string]json.RawMessage `json:"data"`
			}
			if err := json.Unmarshal(g.body, &p); err != nil {
				t.Fatal(err)
			}
			field, ok := nulls[p.Type]
			if !ok || seen[p.Type] {
				continue
			}
			seen[p.Type] = true
			if v, ok := p.Data[field]; !ok || string(v) != "null" {
				t.Errorf("%s: %s is %s, want null: %s", p.Type, field, v, g.body)
			}
		}
		for typ := range nulls {
			if !seen[typ] {
				t.Errorf("no %s reached the receiver", typ)
			}
		}
	})
}
