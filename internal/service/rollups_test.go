package service_test

import (
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestReportRollupsRebuilt: after the report week (promises kept, slipped and broken, an
// escalation moving a case to another owner, hand-overs without a briefing, a repeat contact,
// confirmations), the roll-ups the commands kept are the ones a rebuild from the tables gives,
// sum for sum (both databases).
func TestReportRollupsRebuilt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		w := newReportWeek(t, backend)
		sums := func() string {
			var out []string
			if err := w.st.Read(w.ctx, func(tx *store.Tx) (err error) { out, err = tx.RollupSums(w.ctx); return err }); err != nil {
				t.Fatal(err)
			}
			return strings.Join(out, "\n")
		}
		live := sums()
		for _, want := range []string{"agents made ", "agents kept ", "agents broken ", "agents slipped ", "agents repeated ", "days answered ", "days closed ", "days backlog ",
			"agents escalated:broken_promise ", "days escalated:second_slip ", "agents escalated:customer_request ", "agents handover_missing "} {
			if !strings.Contains(live, want) {
				t.Errorf("the live roll-ups have no %q:\n%s", want, live)
			}
		}
		done := 0
		if err := w.svc.RebuildReports(w.ctx, func(n, total int) { done = n }); err != nil {
			t.Fatal(err)
		}
		if done != 6 {
			t.Errorf("rebuild went through %d cases, want the week's 6", done)
		}
		if got := sums(); got != live {
			t.Errorf("rebuilt roll-ups:\n%s\n\nwant the live ones:\n%s", got, live)
		}
	})
}

// Mail intake holds its writes to the group's commit (cases opened, their owners' counts, the
// response clocks); the roll-ups still see each case it opened and each answer: after mail in,
// a reply and the customer's answer, the live roll-ups are what a rebuild gives.
func TestReportRollupsFollowMailIntake(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newQueueDesk(t, backend, time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)) // Mon 10:00 in Tallinn
		sums := func() string {
			var out []string
			if err := d.st.Read(d.ctx, func(tx *store.Tx) (err error) { out, err = tx.RollupSums(d.ctx); return err }); err != nil {
				t.Fatal(err)
			}
			return strings.Join(out, "\n")
		}
		first := d.mailBilling("Invoice charged twice")
		d.mailBilling("Refund not received")
		d.at(d.tln(23, 10, 30))
		must(d.svc.AddMessage(d.ctx, desk.AgentActor(d.bea), first.ID, desk.NewMessage{Body: "We refund one charge today."}))
		raw := eml("From: Mari Mets <mari1@example.ee>", "To: billing@desk.test", "Subject: Re: Invoice charged twice",
			"In-Reply-To: <queue1@example.ee>", "Message-ID: <queue1c@example.ee>", "", "Thank you!")
		must(d.svc.ReceiveMail(d.ctx, mail.Delivery{From: "mari1@example.ee", To: []string{"billing@desk.test"}, Raw: raw}))
		live := sums()
		if !strings.Contains(live, "days answered ") {
			t.Errorf("the live roll-ups have no answer after the reply:\n%s", live)
		}
		if err := d.svc.RebuildReports(d.ctx, func(int, int) {}); err != nil {
			t.Fatal(err)
		}
		if got := sums(); got != live {
			t.Errorf("rebuilt roll-ups:\n%s\n\nwant the live ones:\n%s", got, live)
		}
	})
}
