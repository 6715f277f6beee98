package service_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/jobs"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// An out-of-office notice that answers none of the desk's mail opens no case and makes no
// customer (issue 15, finding 11: it opened a case, which then blocked offers to that customer
// as an open complaint); one that answers a customer's case joins it, flagged automatic, and is
// not counted as the customer chasing the desk.
func TestAutoRepliesOpenNoCase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		st := storetest.Open(t, backend)
		clk := clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
		svc := service.New(st, clk, slog.New(slog.DiscardHandler),
			service.WithMail(service.MailConfig{Address: "support@desk.test", Outbound: true}))
		sys := desk.SystemActor()
		ann := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann", Email: "ann@desk.test", Role: "agent"}))
		receive := func(raw []byte) service.MailResult {
			t.Helper()
			return must(svc.ReceiveMail(ctx, mail.Delivery{From: envelopeOf(raw), To: []string{"support@desk.test"}, Raw: raw}))
		}
		for i, subject := range []string{"Out of office", "Automatic reply: Your invoice", "Kontorist väljas", "Automatski odgovor: Račun", "Izvan ureda do 7.12."} {
			got := receive(eml("From: Pia Puhkus <pia@example.ee>", "To: support@desk.test", "Subject: "+subject,
				"Message-ID: <ooo"+string(rune('a'+i))+"@example.ee>", "", "I am away until Monday."))
			if got.Created || got.CaseID != 0 || !got.Unfiled {
				t.Errorf("%q: %+v, want it kept on no case", subject, got)
			}
		}
		if cases := must(svc.Cases(ctx, sys, service.CaseList{Limit: 10})); len(cases) != 0 {
			t.Errorf("the notices opened cases: %+v", cases)
		}
		// Mari writes, is answered, and her out-of-office answers the desk's reply.
		first := receive(eml("From: Mari Kask <mari@example.ee>", "To: support@desk.test", "Subject: Router broken",
			"Message-ID: <m1@example.ee>", "", "My router is broken."))
		must(svc.AddMessage(ctx, desk.AgentActor(ann), first.CaseID, desk.NewMessage{Body: "We send a new one."}))
		ooo := receive(eml("From: Mari Kask <mari@example.ee>", "To: support@desk.test", "Subject: Automatic reply: Re: Router broken",
			"Auto-Submitted: auto-replied", "In-Reply-To: <m1@example.ee>", "Message-ID: <m2@example.ee>", "", "I am away until Monday."))
		if ooo.CaseID != first.CaseID || ooo.Created {
			t.Fatalf("Mari's out-of-office: %+v, want it on her case %d", ooo, first.CaseID)
		}
		c := must(svc.Case(ctx, sys, first.CaseID))
		rec := must(svc.Record(ctx, sys, c.ID))
		last := rec[len(rec)-1]
		if last.Kind != desk.KindMessageIn || !strings.Contains(string(last.Data), `"automatic":true`) {
			t.Errorf("the notice on the record: %s %s", last.Kind, last.Data)
		}
		// Not the customer chasing the desk: the reply answered her, and the notice starts no
		// response clock, so a week on nothing has escalated.
		clk.Advance(7 * 24 * time.Hour)
		if _, err := jobs.NewRunner(st, clk, slog.New(slog.DiscardHandler), svc.Handlers()).RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		for _, e := range must(svc.Record(ctx, sys, c.ID)) {
			if e.Kind == desk.KindEscalated {
				t.Errorf("the out-of-office escalated the case: %s", e.Data)
			}
		}
	})
}
