package mailnet

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// undeliveredDesk is a desk whose sender works its outbox as node-a, with Ann owning a case
// of Mari's.
type undeliveredDesk struct {
	*outboxEnv
	svc       *service.Service
	ann, bob  desk.Agent
	caseID    int64
	mariEmail string
}

func newUndeliveredDesk(t *testing.T, backend string) *undeliveredDesk {
	t.Helper()
	ctx := context.Background()
	e := newOutboxEnv(t, backend)
	svc := service.New(e.st, e.clk, slog.New(slog.DiscardHandler), service.WithMail(service.MailConfig{Address: "care@desk.test", Outbound: true}))
	e.sender = NewSender(svc.Outbox("node-a"), e.sender.relay, e.clk, slog.New(slog.NewTextHandler(e.logs, nil)))
	sys := desk.SystemActor()
	ann, err := svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann Tamm", Email: "ann@desk.test", Role: "agent", Team: "Billing"})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Bob Kask", Email: "bob@desk.test", Role: "agent", Team: "Billing"})
	if err != nil {
		t.Fatal(err)
	}
	mari, err := svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: mari.ID, Subject: "Invoice charged twice", Body: "Please refund one.", Channel: "phone", OwnerID: ann.ID})
	if err != nil {
		t.Fatal(err)
	}
	return &undeliveredDesk{outboxEnv: e, svc: svc, ann: ann, bob: bob, caseID: c.ID, mariEmail: "mari@example.ee"}
}

func (d *undeliveredDesk) drain(t *testing.T) {
	t.Helper()
	for d.runDue(t) > 0 {
	}
}

// Issue 20, finding 2: a relay's 5xx lost customer mail silently — the mail went to failed
// after one attempt, the record showed the reply as sent, and nothing but an ERROR log line
// said otherwise. Now the case carries a delivery_failed entry naming the recipient and the
// relay's words, the owner is told, the outbox counts it, and once the relay is right the
// owner sends it again (a plain colleague may not). Failed before: no entry, no notification,
// no way to send it again.
func TestRelayRefusalSaysSoOnTheCase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		d := newUndeliveredDesk(t, backend)
		d.clk.Advance(5 * time.Minute) // the opening's introduction is due a little later
		d.drain(t)
		sent := len(d.relay.received())
		d.relay.refuse(554, -1)
		if _, err := d.svc.AddMessage(ctx, desk.AgentActor(d.ann), d.caseID, desk.NewMessage{Body: "Mari, the refund is on its way."}); err != nil {
			t.Fatal(err)
		}
		d.drain(t)
		rec, err := d.svc.Record(ctx, desk.AgentActor(d.ann), d.caseID)
		if err != nil {
			t.Fatal(err)
		}
		var failed *desk.Entry
		for i, e := range rec {
			if e.Kind == desk.KindDeliveryFailed {
				failed = &rec[i]
			}
		}
		if failed == nil {
			t.Fatalf("no delivery_failed entry on the record: %v", kinds(rec))
		}
		if !failed.Internal || !strings.Contains(failed.Body, "Not delivered to "+d.mariEmail) || !strings.Contains(failed.Body, "554") {
			t.Errorf("the entry says %q (internal %v)", failed.Body, failed.Internal)
		}
		data, ok := desk.DataOf[desk.DeliveryFailedData](*failed)
		if !ok || data.OutboxID == 0 || data.To != d.mariEmail || data.GaveUp {
			t.Errorf("the entry's data: %+v", data)
		}
		notes, err := d.svc.Notifications(ctx, desk.AgentActor(d.ann))
		if err != nil {
			t.Fatal(err)
		}
		if len(notes) == 0 || notes[0].Kind != "delivery_failed" || !strings.Contains(notes[0].Body, d.mariEmail) {
			t.Errorf("the owner's notifications: %+v", notes)
		}
		if counts, err := d.svc.OutboxCounts(ctx); err != nil || counts["failed"] != 1 {
			t.Errorf("outbox counts %v, %v", counts, err)
		}
		// Nothing goes by itself; a colleague may not send it again, the owner may.
		d.relay.refuse(0, 0)
		d.clk.Advance(time.Hour)
		d.drain(t)
		if n := len(d.relay.received()) - sent; n != 0 {
			t.Fatalf("%d mails sent by themselves after a refusal", n)
		}
		_, err = d.svc.ResendMail(ctx, desk.AgentActor(d.bob), d.caseID, data.OutboxID)
		if e, ok := desk.AsError(err); !ok || e.Kind != desk.KindForbidden {
			t.Fatalf("a colleague sent it again: %v", err)
		}
		got, err := d.svc.ResendMail(ctx, desk.AgentActor(d.ann), d.caseID, data.OutboxID)
		if err != nil || got.State != store.MailPending {
			t.Fatalf("resend: %+v, %v", got, err)
		}
		d.drain(t)
		if ds := d.relay.received()[sent:]; len(ds) != 1 || ds[0].To[0] != d.mariEmail || !strings.Contains(string(ds[0].Data), "the refund is on its way") {
			t.Fatalf("after sending again the relay has %d more mails", len(ds))
		}
		_, err = d.svc.ResendMail(ctx, desk.AgentActor(d.ann), d.caseID, data.OutboxID)
		if e, ok := desk.AsError(err); !ok || e.Code != "not_failed" {
			t.Fatalf("a sent mail sent again: %v", err)
		}
		rec, _ = d.svc.Record(ctx, desk.AgentActor(d.ann), d.caseID)
		if last := rec[len(rec)-1]; last.Kind != desk.KindNote || !strings.Contains(last.Body, "Sent again: the mail to "+d.mariEmail) || last.Actor.ID != d.ann.ID {
			t.Errorf("the record's last entry: %+v", last)
		}
	})
}

// Issue 20, finding 3: after kill -9 the mails claimed in the same batch waited out the
// two-minute lease. A node that starts again takes its own claims back at once; another
// node's claims still wait for their lease.
func TestSenderTakesBackItsClaimsAtStart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		d := newUndeliveredDesk(t, backend)
		d.clk.Advance(5 * time.Minute)
		d.drain(t)
		before := len(d.relay.received())
		d.queue(t, outboxMail(1), outboxMail(2))
		for node, n := range map[string]int{"node-a": 1, "node-b": 1} {
			err := d.st.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.ClaimMail(ctx, node, d.clk.Now(), outboxLease, n)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		run, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- d.sender.Run(run) }()
		deadline := time.Now().Add(10 * time.Second)
		for len(d.relay.received()) < before+1 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		stop()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
		if n := len(d.relay.received()) - before; n != 1 {
			t.Fatalf("%d mails sent at start, want node-a's one (node-b's waits for its lease)", n)
		}
		if !strings.Contains(d.logs.String(), "sent again (at least once)") {
			t.Errorf("no log line for the mail taken back:\n%s", d.logs)
		}
	})
}

func kinds(rec []desk.Entry) []desk.EntryKind {
	out := make([]desk.EntryKind, len(rec))
	for i, e := range rec {
		out[i] = e.Kind
	}
	return out
}

// A refused mail of no case (a sign-in or password link) has no case to say so on: the
// admins are told instead of a log line alone.
func TestRefusedMailOfNoCaseTellsTheAdmins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		d := newUndeliveredDesk(t, backend)
		admin, err := d.svc.CreateAgent(ctx, desk.SystemActor(), desk.NewAgent{Name: "Ada Admin", Email: "ada@desk.test", Role: "admin"})
		if err != nil {
			t.Fatal(err)
		}
		d.clk.Advance(5 * time.Minute)
		d.drain(t)
		m := outboxMail(7)
		m.CaseID = 0
		d.queue(t, m)
		d.relay.refuse(550, -1)
		d.drain(t)
		notes, err := d.svc.Notifications(ctx, desk.AgentActor(admin))
		if err != nil {
			t.Fatal(err)
		}
		if len(notes) == 0 || notes[0].Kind != "delivery_failed" || !strings.Contains(notes[0].Body, m.To) {
			t.Fatalf("the admin's notifications: %+v", notes)
		}
	})
}
