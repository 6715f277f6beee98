package service_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
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
		sums := func() string { return rollupSums(t, w.st) }
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
		sums := func() string { return rollupSums(t, d.st) }
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

// TestReportsCaughtUpInTheBackground: a desk upgraded to a release that rolls up more has no
// ready roll-ups (migration 00054) and stale ones. kept serve rebuilds them in the background
// (CatchUpReports), and the reports page says so meanwhile; a rebuild stopped midway goes on
// where it was. The roll-ups end as the commands had kept them (both databases).
func TestReportsCaughtUpInTheBackground(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		w := newReportWeek(t, backend)
		sums := func() string { return rollupSums(t, w.st) }
		live := sums()
		db := storetest.Raw(t, w.st)
		// As the upgrade leaves a desk with escalations: not ready, and one day's sums lost.
		for _, q := range []string{`DELETE FROM report_rollups_ready`, `DELETE FROM report_days WHERE measure = 'opened'`} {
			if _, err := db.ExecContext(w.ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		reader := func() service.ReportReader { return must(w.svc.ReportReader(w.ctx, w.sys)) }
		if r := reader(); !r.CatchingUp || r.CaughtUp != 0 {
			t.Errorf("before the rebuild the reports page says catching up %v at %d%%, want true at 0%%", r.CatchingUp, r.CaughtUp)
		}
		// A server stopped after its first step of two cases (the step before it starts).
		if n, ready, err := w.st.RebuildRollupsStep(w.ctx, 2); err != nil || n != 0 || ready {
			t.Fatalf("starting step: %d cases, ready %v, %v; want 0, not ready", n, ready, err)
		}
		if n, ready, err := w.st.RebuildRollupsStep(w.ctx, 2); err != nil || n != 2 || ready {
			t.Fatalf("first step: %d cases, ready %v, %v; want 2, not ready", n, ready, err)
		}
		if r := reader(); !r.CatchingUp || r.CaughtUp <= 0 || r.CaughtUp >= 100 || !r.StuckSince.IsZero() {
			t.Errorf("midway the reports page says catching up %v at %d%%, stuck since %v; want true, between 0 and 100, not stuck", r.CatchingUp, r.CaughtUp, r.StuckSince)
		}

		// A step that fails says so on the rebuild, for every node's reports page, until one is done.
		if _, err := db.ExecContext(w.ctx, `ALTER TABLE report_case_facts RENAME TO report_case_facts_away`); err != nil {
			t.Fatal(err)
		}
		stuck, stop := context.WithCancel(w.ctx)
		caught := make(chan error, 1)
		go func() { caught <- w.svc.CatchUpReports(stuck) }()
		r := reader()
		for deadline := time.Now().Add(20 * time.Second); r.StuckSince.IsZero() && time.Now().Before(deadline); r = reader() {
			time.Sleep(10 * time.Millisecond)
		}
		stop()
		if err := <-caught; err != nil {
			t.Fatal(err)
		}
		if !r.CatchingUp || !r.StuckSince.Equal(w.clock.Now()) || !strings.Contains(r.Stuck, "report_case_facts") {
			t.Errorf("a failing step: catching up %v, stuck since %v (%q); want true, since %v, why naming report_case_facts", r.CatchingUp, r.StuckSince, r.Stuck, w.clock.Now())
		}
		if _, err := db.ExecContext(w.ctx, `ALTER TABLE report_case_facts_away RENAME TO report_case_facts`); err != nil {
			t.Fatal(err)
		}
		if n, _, err := w.st.RebuildRollupsStep(w.ctx, 2); err != nil || n != 2 {
			t.Fatalf("a step after the failure: %d cases, %v; want 2", n, err)
		}
		if r := reader(); !r.StuckSince.IsZero() || r.Stuck != "" {
			t.Errorf("after a step done the rebuild is still said to be stuck since %v (%q)", r.StuckSince, r.Stuck)
		}
		if err := w.svc.CatchUpReports(w.ctx); err != nil {
			t.Fatal(err)
		}
		if got := sums(); got != live {
			t.Errorf("roll-ups caught up:\n%s\n\nwant the live ones:\n%s", got, live)
		}
		if r := reader(); r.CatchingUp {
			t.Errorf("after the rebuild the reports page still says catching up (%d%%)", r.CaughtUp)
		}
		ready := storetest.Read(t, w.st, func(ctx context.Context, tx *store.Tx) (bool, error) { return tx.RollupsReady(ctx) })
		if !ready {
			t.Error("the roll-ups are not marked ready after the rebuild")
		}
	})
}

// rollupSums are the desk's report roll-ups, a sum a line, for comparing.
func rollupSums(t *testing.T, st *store.Store) string {
	t.Helper()
	return strings.Join(storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) ([]string, error) { return tx.RollupSums(ctx) }), "\n")
}

// TestBacklogRolledAsTheTablesGiveIt: the backlog read from the roll-ups (the open cases now as
// the sum of every change into and out of the backlog) is the backlog the tables give, for the
// whole desk, a team, an owner, a channel and a case type, over periods from midnight in
// Tallinn (by the hour) and in UTC (by the day), and over the week after, when every case of the
// report week was opened before the period (both databases).
func TestBacklogRolledAsTheTablesGiveIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		w := newReportWeek(t, backend)
		head := desk.AgentActor(w.head)
		utc := time.Date(w.from.Year(), w.from.Month(), w.from.Day()+1, 0, 0, 0, 0, time.UTC)
		type ask struct {
			name string
			q    service.ReportQuery
		}
		var asks []ask
		for _, period := range [][2]time.Time{{w.from, w.to}, {utc, utc.AddDate(0, 0, 7)}, {w.to, w.to.AddDate(0, 0, 7)}} {
			for _, q := range []service.ReportQuery{{}, {Team: "Billing"}, {AgentID: w.ann.ID}, {AgentID: w.bob.ID}, {Channel: "email"}, {Type: "billing"}} {
				q.From, q.To = period[0], period[1]
				asks = append(asks, ask{fmt.Sprintf("%+v", q), q})
			}
		}
		backlogs := func() []string {
			var out []string
			for _, a := range asks {
				var days []string
				for _, r := range w.report(head, "backlog", a.q).Rows {
					days = append(days, fmt.Sprint(r["day"], "=", r["open"]))
				}
				out = append(out, a.name+": "+strings.Join(days, " "))
			}
			return out
		}
		rolled := backlogs()
		if !strings.Contains(strings.Join(rolled, "\n"), "=4") {
			t.Fatalf("the report week's backlog never reaches its 4 open cases:\n%s", strings.Join(rolled, "\n"))
		}
		if _, err := storetest.Raw(t, w.st).ExecContext(w.ctx, `DELETE FROM report_rollups_ready`); err != nil {
			t.Fatal(err)
		}
		for i, want := range backlogs() {
			if rolled[i] != want {
				t.Errorf("backlog from the roll-ups\n  %s\nwant the tables'\n  %s", rolled[i], want)
			}
		}
	})
}
