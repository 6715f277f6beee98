package webhooks_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
	"github.com/keptdesk/kept/internal/webhooks"
)

// An event is stored once for all the endpoints that hear of it and fanned out when sent: the
// admin's log shows it pending at once (before the sender ran); an endpoint removed before the
// sender ran gets nothing and leaves nothing behind, the other gets the event with its own
// webhook-id and the same body after it.
func TestEventFannedOutToEndpointsStillThere(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		clk := clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
		svc := service.New(storetest.Open(t, backend), clk, slog.New(slog.DiscardHandler), service.WithWebhooks(true))
		sys := desk.SystemActor()
		admin := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ada Admin", Email: "ada@desk.test", Role: "admin"}))
		ann := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann Tamm", Email: "ann@desk.test", Role: "agent"}))
		keep, gone := &receiver{}, &receiver{}
		keepSrv, goneSrv := httptest.NewServer(keep), httptest.NewServer(gone)
		defer keepSrv.Close()
		defer goneSrv.Close()
		in := func(url string) service.WebhookIn {
			return service.WebhookIn{URL: url, Events: []string{"message_in"}, Secret: "a secret of some length"}
		}
		kept := must(svc.CreateWebhook(ctx, desk.AgentActor(admin), in(keepSrv.URL)))
		removed := must(svc.CreateWebhook(ctx, desk.AgentActor(admin), in(goneSrv.URL)))
		cust := must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"}))
		c := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: cust.ID, Subject: "Router", Body: "It blinks red.", Channel: "web", OwnerID: ann.ID}))

		if log := must(svc.WebhookDeliveries(ctx, desk.AgentActor(admin), kept.ID)); len(log) != 1 || log[0].State != "pending" {
			t.Fatalf("before the sender ran the log shows %+v, want the event pending", log)
		}
		// Queued for both endpoints; one is removed before the sender fans it out.
		must(svc.AddMessage(ctx, desk.CustomerActor(cust), c.ID, desk.NewMessage{Body: "And now it is off."}))
		if err := svc.DeleteWebhook(ctx, desk.AgentActor(admin), removed.ID); err != nil {
			t.Fatal(err)
		}
		if err := svc.DeleteWebhook(ctx, desk.AgentActor(admin), removed.ID); err == nil {
			t.Error("an endpoint was removed twice")
		}
		sender := webhooks.NewSender(svc.WebhookQueue(""), clk, slog.New(slog.DiscardHandler), true)
		if n, err := sender.RunDue(ctx); err != nil || n != 2 {
			t.Fatalf("the sender delivered %d, %v; want the two messages to the endpoint still there", n, err)
		}
		got := keep.all()
		if len(gone.all()) != 0 || len(got) != 2 {
			t.Fatalf("the removed endpoint got %d, the other %d", len(gone.all()), len(got))
		}
		for i, want := range []string{"It blinks red.", "And now it is off."} {
			if !strings.HasSuffix(got[i].id, "_"+strconv.FormatInt(kept.ID, 10)) || !strings.Contains(string(got[i].body), want) ||
				!strings.HasPrefix(string(got[i].body), `{"id":"`+got[i].id+`","type":"message_in"`) {
				t.Errorf("delivery %d: webhook-id %s, body %s", i, got[i].id, got[i].body)
			}
		}
	})
}
