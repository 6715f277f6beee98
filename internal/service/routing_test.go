package service_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// Issue 16, finding 2: every new case went to the least-loaded agent of the whole desk, whatever
// address its mail came to. A team's desk address routes it: the mail door takes mail for it,
// the case's owner comes from that team, and the record says why. Mail to the desk's own
// address still goes to anyone.
func TestMailRoutedByTeamAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		st := storetest.Open(t, backend)
		clk := clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
		svc := service.New(st, clk, slog.New(slog.DiscardHandler), service.WithMail(service.MailConfig{Address: "care@desk.test"}))
		sys := desk.SystemActor()
		must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Cara Care", Email: "cara@desk.test", Role: "agent", Team: "Care"}))
		bea := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Bea Billing", Email: "bea@desk.test", Role: "agent", Team: "Billing"}))
		if svc.AcceptsRecipient(ctx, "billing@desk.test") {
			t.Fatal("the door takes mail for an address no team has yet")
		}
		must(svc.SetTeamSettings(ctx, sys, "Billing", service.TeamSettingsIn{Addresses: []string{"Billing@desk.test"}}))
		if !svc.AcceptsRecipient(ctx, "billing@desk.test") || svc.AcceptsRecipient(ctx, "sales@desk.test") {
			t.Fatal("the door does not follow the teams' addresses")
		}
		for i := range 3 { // the least-loaded agent of the desk would be Cara after the first
			raw := eml("From: Mari Mets <mari"+string(rune('a'+i))+"@example.ee>", "To: billing@desk.test", "Subject: Invoice charged twice",
				"Message-ID: <route"+string(rune('a'+i))+"@example.ee>", "", "Please refund one.")
			res := must(svc.ReceiveMail(ctx, mail.Delivery{From: "mari@example.ee", To: []string{"billing@desk.test"}, Raw: raw}))
			c := must(svc.Case(ctx, sys, res.CaseID))
			if c.OwnerID != bea.ID {
				t.Fatalf("mail %d to billing@ went to %s", i, c.Owner.Name)
			}
			rec := must(svc.Record(ctx, sys, res.CaseID))
			if note := rec[len(rec)-1]; note.Kind != desk.KindNote || !note.Internal || !strings.Contains(note.Body, "Routed to Billing: the mail came to billing@desk.test") {
				t.Errorf("the record's last entry: %+v", note)
			}
		}
	})
}
