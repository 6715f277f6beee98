package mailnet

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/jobs"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// Issue 15, finding 4, over a real SMTP relay on loopback: the desk held introductions past
// ten an hour to one address and never sent them. Thirty notices to one customer within the
// hour (cases the desk opened for her, each then handed on) all reach the relay now, and a
// broken promise reaches it as one mail with the apology, the escalation and the new owner's
// introduction. Failed before: ten reached it, and a break was two mails.
func TestNoticesReachTheRelay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		e := newOutboxEnv(t, backend)
		svc := service.New(e.st, e.clk, slog.New(slog.DiscardHandler),
			service.WithMail(service.MailConfig{Address: "care@desk.test", Outbound: true}))
		sys := desk.SystemActor()
		add := func(name, email, role string, manager int64) desk.Agent {
			a, err := svc.CreateAgent(ctx, sys, desk.NewAgent{Name: name, Email: email, Role: role, Team: "Billing", ManagerID: manager})
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		lea := add("Lea Lead", "lea@desk.test", "lead", 0)
		ann, bob := add("Ann Tamm", "ann@desk.test", "agent", lea.ID), add("Bob Kask", "bob@desk.test", "agent", lea.ID)
		mari, err := svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for i := range 15 {
			c, err := svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: mari.ID, Subject: fmt.Sprintf("Order %d", i+1), Body: "Where is it?",
				Channel: "email", OwnerID: ann.ID})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
			e.clk.Advance(time.Minute)
		}
		for _, id := range ids {
			if _, err := svc.HandOver(ctx, desk.AgentActor(ann), id, desk.Handover{ToAgentID: bob.ID, Briefing: "Bob has the orders."}); err != nil {
				t.Fatal(err)
			}
			e.clk.Advance(time.Minute)
		}
		for e.runDue(t) > 0 {
		}
		toMari := func() []relayedMail {
			var out []relayedMail
			for _, m := range e.relay.received() {
				if len(m.To) == 1 && m.To[0] == "mari@example.ee" {
					out = append(out, m)
				}
			}
			return out
		}
		if n := len(toMari()); n != 30 {
			t.Fatalf("%d of 30 notices to Mari reached the relay", n)
		}

		// A broken promise: one mail.
		if _, err := svc.MakePromise(ctx, desk.AgentActor(bob), ids[0], desk.NewPromise{Kind: "callback", DueAt: e.clk.Now().Add(time.Hour),
			Words: "I will call you in an hour."}); err != nil {
			t.Fatal(err)
		}
		for e.runDue(t) > 0 {
		}
		before := len(toMari())
		e.clk.Advance(time.Hour + time.Second)
		if _, err := jobs.NewRunner(e.st, e.clk, slog.New(slog.DiscardHandler), svc.Handlers()).RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		for e.runDue(t) > 0 {
		}
		got := toMari()
		if len(got) != before+1 {
			t.Fatalf("the break reached the relay as %d mails", len(got)-before)
		}
		msg, err := mail.Parse(got[len(got)-1].Data, mail.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"We are sorry: we did not keep our promise to you", "Your case has been passed up to Lea Lead (team lead, Billing)",
			"Lea Lead (team lead, Billing) looks after your case"} {
			if !strings.Contains(msg.Text, want) {
				t.Errorf("the break's mail lacks %q:\n%s", want, msg.Text)
			}
		}
	})
}
