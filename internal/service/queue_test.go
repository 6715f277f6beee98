package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/jobs"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// queueDesk is a desk with a Billing team that works Monday to Friday 09:00-17:00 in Tallinn
// and takes mail at billing@desk.test (response target 2 business hours), and a Care agent
// who works round the clock every day: the whole desk has someone at work on a Saturday, the
// Billing team does not.
type queueDesk struct {
	t        *testing.T
	ctx      context.Context
	svc      *service.Service
	st       *store.Store
	clk      *clock.Fake
	runner   *jobs.Runner
	tallinn  *time.Location
	bea, ben desk.Agent
	cara     desk.Agent
	mailNo   int
}

func newQueueDesk(t *testing.T, backend string, start time.Time) *queueDesk {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, backend)
	clk := clock.NewFake(start)
	svc := service.New(st, clk, slog.New(slog.DiscardHandler), service.WithMail(service.MailConfig{Address: "care@desk.test", Outbound: true}))
	sys := desk.SystemActor()
	week := map[string][]string{"mon": {"09:00-17:00"}, "tue": {"09:00-17:00"}, "wed": {"09:00-17:00"}, "thu": {"09:00-17:00"}, "fri": {"09:00-17:00"}}
	always := map[string][]string{}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		always[d] = []string{"00:00-24:00"}
	}
	d := &queueDesk{t: t, ctx: ctx, svc: svc, st: st, clk: clk, runner: jobs.NewRunner(st, clk, slog.New(slog.DiscardHandler), svc.Handlers())}
	d.tallinn = must(time.LoadLocation("Europe/Tallinn"))
	d.cara = must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Cara Care", Email: "cara@desk.test", Role: "agent", Team: "Care", Timezone: "Europe/Tallinn", Hours: always}))
	d.bea = must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Bea Billing", Email: "bea@desk.test", Role: "agent", Team: "Billing", Timezone: "Europe/Tallinn", Hours: week}))
	d.ben = must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ben Billing", Email: "ben@desk.test", Role: "agent", Team: "Billing", Timezone: "Europe/Tallinn", Hours: week}))
	zone, target := "Europe/Tallinn", 2*time.Hour
	must(svc.SetTeamSettings(ctx, sys, "Billing", service.TeamSettingsIn{Addresses: []string{"billing@desk.test"}, Timezone: &zone,
		BusinessHours: &week, ResponseTarget: &target}))
	return d
}

// mailBilling delivers a new customer's mail to billing@ and returns its case.
func (d *queueDesk) mailBilling(subject string) service.CaseView {
	d.t.Helper()
	d.mailNo++
	from := fmt.Sprintf("mari%d@example.ee", d.mailNo)
	raw := eml("From: Mari Mets <"+from+">", "To: billing@desk.test", "Subject: "+subject,
		fmt.Sprintf("Message-ID: <queue%d@example.ee>", d.mailNo), "", "Please refund one.")
	res := must(d.svc.ReceiveMail(d.ctx, mail.Delivery{From: from, To: []string{"billing@desk.test"}, Raw: raw}))
	return must(d.svc.Case(d.ctx, desk.SystemActor(), res.CaseID))
}

// at moves the clock to a wall time in Tallinn and runs the timers due by then.
func (d *queueDesk) at(wall time.Time) {
	d.t.Helper()
	d.clk.Set(wall)
	if _, err := d.runner.RunDue(d.ctx); err != nil {
		d.t.Fatal(err)
	}
}

func (d *queueDesk) tln(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, d.tallinn)
}

// lastNotes are the bodies of the record's internal notes by the desk, oldest first.
func (d *queueDesk) notes(caseID int64) []string {
	d.t.Helper()
	var out []string
	for _, e := range must(d.svc.Record(d.ctx, desk.SystemActor(), caseID)) {
		if e.Kind == desk.KindNote && e.Internal {
			out = append(out, e.Body)
		}
	}
	return out
}

// A mail arriving on Saturday for a team off duty waits in the team's queue, with no owner,
// never with someone off duty nor with another team's agent at work; it shows in the team's
// "waiting for the team" list with its response clock in business time; on Monday at the
// start of business hours a timer gives it to the least loaded agent of the team, the record
// says so, and only then is the customer introduced to an owner (issue 16, Done when).
func TestMailOnSaturdayWaitsForMonday(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newQueueDesk(t, backend, time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)) // Sat 10:00 in Tallinn
		// A rule that reminds a new case's owner cannot run on a case nobody owns: refused and
		// noted, the mail still filed.
		must(d.svc.CreateAutomation(d.ctx, desk.SystemActor(), desk.Automation{Name: "Nudge", Active: true,
			When: desk.AutomationWhen{Event: "case_opened"}, Then: []desk.AutomationAction{{Do: desk.DoRemind, Body: "a new case"}}}))
		first := d.mailBilling("Invoice charged twice")
		second := d.mailBilling("Refund not received")
		for _, c := range []service.CaseView{first, second} {
			if c.OwnerID != 0 || c.Owner != nil || !c.Queued || c.Team != "Billing" {
				t.Fatalf("%s on Saturday: owner %d %+v, queued %v, team %q; want it waiting in Billing's queue", c.Ref, c.OwnerID, c.Owner, c.Queued, c.Team)
			}
			// The case answer says there is no owner (null), and keeps its other fields.
			var answer map[string]any
			if err := json.Unmarshal(must(json.Marshal(c)), &answer); err != nil {
				t.Fatal(err)
			}
			if o, ok := answer["owner"]; !ok || o != nil || answer["owner_id"] != nil || answer["ref"] != c.Ref || answer["rung"] != float64(0) {
				t.Errorf("the case answer of a queued case: %v", answer)
			}
			notes := d.notes(c.ID)
			if len(notes) == 0 || !strings.Contains(notes[0], "Waiting in Billing's queue") || !strings.Contains(notes[0], "Mon 30 Nov 09:00 EET") {
				t.Errorf("%s notes: %q", c.Ref, notes)
			}
			for _, e := range must(d.svc.Record(d.ctx, desk.SystemActor(), c.ID)) {
				if e.Kind == desk.KindIntroduction {
					t.Errorf("%s introduces %s to the customer before anyone owns it", c.Ref, e.Actor.Name)
				}
			}
		}
		// Nobody is named to the customer, but they hear at once that their message arrived and
		// when the team answers: Monday 09:00 in their zone, in their language.
		for _, c := range []service.CaseView{first, second} {
			mails := d.customerMailsOf(c.ID)
			if len(mails) != 1 {
				t.Fatalf("%s: %d mails to the customer on Saturday, want the one acknowledgement", c.Ref, len(mails))
			}
			body := textOf2(t, mails[0])
			if !strings.Contains(body, "We have your message ("+c.Ref+")") || !strings.Contains(body, "we answer from Mon 30 Nov 09:00 EET") {
				t.Errorf("%s: the acknowledgement says:\n%s", c.Ref, body)
			}
			for _, m := range mails {
				for _, name := range []string{"Bea", "Ben", "Cara"} {
					if strings.Contains(string(m.Raw), name) {
						t.Errorf("a mail to the customer on Saturday names %s:\n%s", name, m.Raw)
					}
				}
			}
		}
		// The team sees both in its queue, with the business time left to answer: two hours,
		// counted from Monday 09:00, not the 49 hours of the weekend.
		bea := desk.AgentActor(d.bea)
		page := must(d.svc.InboxPage(d.ctx, bea, service.InboxQuery{MyTeam: true, Queued: true}))
		if len(page.Items) != 2 {
			t.Fatalf("the queue lists %d cases, want 2: %+v", len(page.Items), page.Items)
		}
		for _, it := range page.Items {
			if it.OwnerID != 0 || page.Left[it.CaseID] != 2*time.Hour || it.NextDue == nil || !it.NextDue.Equal(d.tln(30, 11, 0)) {
				t.Errorf("queued %s: owner %d, due %v, business time left %v; want due Mon 11:00 with 2h left", it.Ref, it.OwnerID, it.NextDue, page.Left[it.CaseID])
			}
		}
		if mine := must(d.svc.InboxPage(d.ctx, bea, service.InboxQuery{OwnerID: d.bea.ID})); len(mine.Items) != 0 {
			t.Errorf("Bea owns %d cases on Saturday", len(mine.Items))
		}
		// Sunday: the customer writes again on the thread; it joins the waiting case.
		d.at(d.tln(29, 12, 0))
		raw := eml("From: Mari Mets <mari1@example.ee>", "To: billing@desk.test", "Subject: Re: Invoice charged twice",
			"In-Reply-To: <queue1@example.ee>", "Message-ID: <queue1b@example.ee>", "", "Any news?")
		if res := must(d.svc.ReceiveMail(d.ctx, mail.Delivery{From: "mari1@example.ee", To: []string{"billing@desk.test"}, Raw: raw})); res.CaseID != first.ID || res.Created {
			t.Errorf("the customer's Sunday mail: %+v, want it on %s", res, first.Ref)
		}
		// Sunday evening: still waiting.
		d.at(d.tln(29, 23, 0))
		if c := must(d.svc.Case(d.ctx, desk.SystemActor(), first.ID)); c.OwnerID != 0 {
			t.Fatalf("given to %d on Sunday", c.OwnerID)
		}
		// Monday 09:00: given out, the least loaded first (a tie: the lower id), then the other.
		d.at(d.tln(30, 9, 0))
		for _, want := range []struct {
			c  service.CaseView
			to desk.Agent
		}{{first, d.bea}, {second, d.ben}} {
			c := must(d.svc.Case(d.ctx, desk.SystemActor(), want.c.ID))
			if c.OwnerID != want.to.ID || c.Owner == nil || c.Owner.Name != want.to.Name || c.Queued {
				t.Fatalf("%s on Monday 09:00: owner %d, want %s", c.Ref, c.OwnerID, want.to.Name)
			}
			notes := d.notes(c.ID)
			if last := notes[len(notes)-1]; !strings.Contains(last, "Given to "+want.to.Name+" at the start of business hours") {
				t.Errorf("%s: the record's last note %q", c.Ref, last)
			}
			mails := d.customerMailsOf(c.ID)
			if len(mails) == 0 || !strings.Contains(string(mails[len(mails)-1].Raw), want.to.Name) {
				t.Errorf("%s: the customer was not introduced to %s by mail (%d mails)", c.Ref, want.to.Name, len(mails))
			}
		}
		if q := must(d.svc.InboxPage(d.ctx, bea, service.InboxQuery{MyTeam: true, Queued: true})); len(q.Items) != 0 {
			t.Errorf("the queue still lists %d cases on Monday", len(q.Items))
		}
	})
}

// customerMailsOf are the mails of a case to anyone but the desk's agents.
func (d *queueDesk) customerMailsOf(caseID int64) []store.OutMail {
	d.t.Helper()
	var out []store.OutMail
	for _, m := range outbox(d.t, d.st, caseID) {
		if !strings.HasSuffix(m.To, "@desk.test") {
			out = append(out, m)
		}
	}
	return out
}

// On a weekday a mail goes to the agent of the team at work, not to the one at lunch, even
// when the one at work has more cases; on the team's holiday it waits for the next working day.
func TestQueueWeekdayLunchAndHoliday(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newQueueDesk(t, backend, time.Date(2026, 11, 23, 9, 50, 0, 0, time.UTC)) // Mon 11:50 in Tallinn
		sys := desk.SystemActor()
		cust := must(d.svc.CreateCustomer(d.ctx, sys, desk.NewCustomer{Name: "Tiit Tamm", Email: "tiit@example.ee"}))
		for range 2 { // Ben is busier: the least loaded of the team would be Bea
			must(d.svc.OpenCase(d.ctx, sys, desk.NewCase{CustomerID: cust.ID, Subject: "Old matter", Body: "Old matter", Channel: "email", OwnerID: d.ben.ID}))
		}
		must(d.svc.AddAbsence(d.ctx, sys, d.bea.ID, desk.NewAbsence{Kind: "break", From: d.tln(23, 12, 0), To: d.tln(23, 13, 0)}, nil))
		d.at(d.tln(23, 12, 30))
		if c := d.mailBilling("Invoice at lunch time"); c.OwnerID != d.ben.ID {
			t.Errorf("a mail while Bea is at lunch went to %d, want Ben (%d), who is at work", c.OwnerID, d.ben.ID)
		}
		d.at(d.tln(23, 13, 30))
		if c := d.mailBilling("Invoice after lunch"); c.OwnerID != d.bea.ID {
			t.Errorf("a mail after lunch went to %d, want Bea (%d), the least loaded", c.OwnerID, d.bea.ID)
		}
		// Tuesday is the team's holiday: a mail at 10:00 waits until Wednesday 09:00.
		holidays := []string{"2026-11-24"}
		must(d.svc.SetTeamSettings(d.ctx, sys, "Billing", service.TeamSettingsIn{Holidays: holidays}))
		d.at(d.tln(24, 10, 0))
		c := d.mailBilling("Invoice on a holiday")
		if c.OwnerID != 0 || !c.Queued {
			t.Fatalf("a mail on the team's holiday went to %d", c.OwnerID)
		}
		if notes := d.notes(c.ID); !strings.Contains(notes[0], "Wed 25 Nov 09:00 EET") {
			t.Errorf("the queue note: %q", notes[0])
		}
		d.at(d.tln(24, 16, 59))
		if got := must(d.svc.Case(d.ctx, sys, c.ID)); got.OwnerID != 0 {
			t.Fatalf("given out on the holiday to %d", got.OwnerID)
		}
		d.at(d.tln(25, 9, 0))
		if got := must(d.svc.Case(d.ctx, sys, c.ID)); got.OwnerID == 0 || got.Team != "Billing" {
			t.Errorf("on Wednesday 09:00: owner %d, team %q", got.OwnerID, got.Team)
		}
		// Ben takes a case from the queue himself on Saturday: the Monday timer leaves it with him.
		d.at(d.tln(28, 11, 0))
		taken := d.mailBilling("Invoice on Saturday")
		if taken.OwnerID != 0 {
			t.Fatalf("a Saturday mail went to %d", taken.OwnerID)
		}
		must(d.svc.HandOver(d.ctx, desk.AgentActor(d.ben), taken.ID, desk.Handover{ToAgentID: d.ben.ID, Briefing: "I take it from the queue."}))
		d.at(d.tln(30, 9, 0))
		if got := must(d.svc.Case(d.ctx, sys, taken.ID)); got.OwnerID != d.ben.ID {
			t.Errorf("the case Ben took is with %d on Monday", got.OwnerID)
		}
	})
}

// A case that waits in its team's queue through business hours (everyone of the team away)
// passes its response target with nobody to escalate from: the desk still says so, as the
// target_passed event a rule or a webhook hears, and the case stays in the queue at its rung.
func TestQueuedCasePassesItsTarget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newQueueDesk(t, backend, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)) // Mon 11:00 in Tallinn
		sys := desk.SystemActor()
		for _, a := range []desk.Agent{d.bea, d.ben} {
			must(d.svc.AddAbsence(d.ctx, sys, a.ID, desk.NewAbsence{Kind: "break", From: d.tln(23, 11, 30), To: d.tln(23, 17, 0)}, nil))
		}
		must(d.svc.CreateAutomation(d.ctx, sys, desk.Automation{Name: "Alert", Active: true,
			When: desk.AutomationWhen{Event: "target_passed"}, Then: []desk.AutomationAction{{Do: desk.DoNote, Body: "The response target passed."}}}))
		d.at(d.tln(23, 12, 0))
		c := d.mailBilling("Invoice charged twice")
		if c.OwnerID != 0 {
			t.Fatalf("a mail while the whole team is away went to %d", c.OwnerID)
		}
		d.at(d.tln(23, 14, 30)) // two business hours later
		if notes := d.notes(c.ID); !slices.Contains(notes, "The response target passed.") {
			t.Errorf("no target_passed for the queued case; notes: %q", notes)
		}
		if got := must(d.svc.Case(d.ctx, sys, c.ID)); got.OwnerID != 0 || got.Rung != 0 {
			t.Errorf("after its target: owner %d, rung %d; want still queued at rung 0", got.OwnerID, got.Rung)
		}
		// The forms still work on it: words restated for a promise its maker would keep, and a
		// downward hand-over refused for what it is, not as a missing agent.
		cara := desk.AgentActor(d.cara)
		if _, err := d.svc.RestatedWords(d.ctx, cara, service.Restate{CaseID: c.ID, Words: "I call you at 15:00.",
			From: d.tln(23, 15, 0), To: d.tln(23, 16, 0)}); err != nil {
			t.Errorf("restating words on a queued case: %v", err)
		}
		ada := desk.AgentActor(must(d.svc.CreateAgent(d.ctx, sys, desk.NewAgent{Name: "Ada Admin", Email: "ada@desk.test", Role: "admin"})))
		_, err := d.svc.AskHandoverAgreement(d.ctx, ada, c.ID, desk.HandoverAsk{ToAgentID: d.bea.ID})
		if e, ok := desk.AsError(err); !ok || e.Code != "case_queued" {
			t.Errorf("asking to hand a queued case down: %v, want case_queued", err)
		}
	})
}

// The acknowledgement of a case waiting in its team's queue may bounce; the case has no owner
// to tell, so the team's lead is told, and the record says it was not delivered. Failed before:
// telling "agent 0" broke the outbox's write (a foreign key on PostgreSQL), so the failure was
// recorded nowhere.
func TestQueuedCaseMailNotDeliveredTellsTheTeam(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newQueueDesk(t, backend, time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)) // Sat 10:00 in Tallinn
		c := d.mailBilling("Invoice charged twice")
		lea := must(d.svc.CreateAgent(d.ctx, desk.SystemActor(), desk.NewAgent{Name: "Lea Lead", Email: "lea@desk.test", Role: "lead",
			Team: "Billing", Timezone: "Europe/Tallinn"}))
		mails := d.customerMailsOf(c.ID)
		if len(mails) != 1 {
			t.Fatalf("%d mails to the customer, want the acknowledgement", len(mails))
		}
		if err := d.svc.Outbox("n1").Failed(d.ctx, mails[0].ID, mail.Failure{Reason: "550 5.1.1 no such user", Final: true}); err != nil {
			t.Fatalf("recording the refused acknowledgement: %v", err)
		}
		failed := false
		for _, e := range must(d.svc.Record(d.ctx, desk.SystemActor(), c.ID)) {
			failed = failed || e.Kind == desk.KindDeliveryFailed
		}
		if !failed {
			t.Errorf("%s: the record does not say the mail was not delivered", c.Ref)
		}
		told := false
		for _, n := range must(d.svc.Notifications(d.ctx, desk.AgentActor(lea))) {
			told = told || (n.CaseID == c.ID && n.Kind == string(desk.KindDeliveryFailed) && strings.Contains(n.Body, "550 5.1.1"))
		}
		if !told {
			t.Errorf("the team's lead was not told that the queued case's mail bounced")
		}
	})
}

// An agent takes a case from their team's queue with one click: nobody owned it, so nobody
// has a briefing to give, and the record says who took it. Failed before: "briefing is
// required", so the queue's Take could not work.
func TestTakeFromTheQueueNeedsNoBriefing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newQueueDesk(t, backend, time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)) // Sat 10:00 in Tallinn
		c := d.mailBilling("Invoice charged twice")
		bea := desk.AgentActor(d.bea)
		got := must(d.svc.HandOver(d.ctx, bea, c.ID, desk.Handover{ToAgentID: d.bea.ID}))
		if got.OwnerID != d.bea.ID || got.Queued {
			t.Fatalf("after taking it: owner %d, queued %v", got.OwnerID, got.Queued)
		}
		var took string
		for _, e := range must(d.svc.Record(d.ctx, bea, c.ID)) {
			if e.Kind == desk.KindHandover {
				took = e.Body
			}
		}
		if took != "Taken from the team's queue by Bea Billing." {
			t.Errorf("the hand-over entry reads %q", took)
		}
		// A case with an owner still needs a briefing to change hands.
		_, err := d.svc.HandOver(d.ctx, bea, c.ID, desk.Handover{ToAgentID: d.ben.ID})
		if e, ok := desk.AsError(err); !ok || e.Field != "briefing" {
			t.Errorf("handing an owned case on without a briefing: %v", err)
		}
	})
}

// A case moved to another team keeps the business time left on its response clock, counted on
// in the new team's hours: moved on Saturday from a team that works all week to one that works
// Monday to Friday, its last 90 minutes run from Monday 09:00. Failed before: the clock kept
// the old team's due time and ran out on Saturday, when nobody of the new team works.
func TestMovedCaseKeepsItsClockInTheNewTeamsHours(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newQueueDesk(t, backend, time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)) // Sat 10:00 in Tallinn
		sys := desk.SystemActor()
		zone, target, always := "Europe/Tallinn", 2*time.Hour, map[string][]string{}
		must(d.svc.SetTeamSettings(d.ctx, sys, "Care", service.TeamSettingsIn{Timezone: &zone, BusinessHours: &always, ResponseTarget: &target}))
		cust := must(d.svc.CreateCustomer(d.ctx, sys, desk.NewCustomer{Name: "Tiit Tamm", Email: "tiit@example.ee"}))
		c := must(d.svc.OpenCase(d.ctx, sys, desk.NewCase{CustomerID: cust.ID, Subject: "Invoice", Body: "Charged twice.", Channel: "email", OwnerID: d.cara.ID}))
		responseDue := func() time.Time {
			t.Helper()
			tms := storetest.Read(t, d.st, func(ctx context.Context, tx *store.Tx) ([]store.Timer, error) { return tx.PendingTimers(ctx, c.ID) })
			for _, tm := range tms {
				if tm.Kind == "response_due" {
					return tm.DueAt
				}
			}
			t.Fatalf("no response clock on %s: %+v", c.Ref, tms)
			return time.Time{}
		}
		if due := responseDue(); !due.Equal(d.tln(28, 12, 0)) {
			t.Fatalf("in Care the answer is due %v, want Sat 12:00", due.In(d.tallinn))
		}
		d.at(d.tln(28, 10, 30))
		billing := "Billing"
		must(d.svc.SetLabels(d.ctx, sys, c.ID, service.LabelsIn{Team: &billing}))
		if due := responseDue(); !due.Equal(d.tln(30, 10, 30)) {
			t.Errorf("moved to Billing, the answer is due %v, want Mon 30 Nov 10:30 (90 minutes of Billing's hours)", due.In(d.tallinn))
		}
		d.at(d.tln(28, 12, 30)) // past the old due time: nothing escalates on Saturday
		if v := must(d.svc.Case(d.ctx, sys, c.ID)); v.Rung != 0 {
			t.Errorf("escalated to rung %d on Saturday", v.Rung)
		}
	})
}

// A mail waiting behind an earlier one of its case to the same address (being retried) said
// only "pending", as if nothing held it; the case's outbox now names the mail it waits for,
// whose last error says why, until the relay takes that one.
func TestOutboxSaysWhatAMailWaitsFor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		d := newQueueDesk(t, backend, time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)) // Mon 10:00 in Tallinn
		c := d.mailBilling("Invoice charged twice")
		bea := desk.AgentActor(d.bea)
		must(d.svc.AddMessage(d.ctx, bea, c.ID, desk.NewMessage{Body: "We refund one charge today."}))
		box := d.svc.Outbox("n1")
		claimed := must(box.Claim(d.ctx, nil, d.clk.Now(), time.Minute, 10))
		if len(claimed) != 1 {
			t.Fatalf("claimed %d mails, want the acknowledgement alone (the reply waits for it)", len(claimed))
		}
		first := claimed[0].ID
		if err := box.Failed(d.ctx, first, mail.Failure{Reason: "451 4.3.0 try again later", RetryAt: d.clk.Now().Add(10 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		view := func() []service.OutboxMail {
			var out []service.OutboxMail
			for _, m := range must(d.svc.CaseOutbox(d.ctx, bea, c.ID)) {
				if !strings.HasSuffix(m.To, "@desk.test") {
					out = append(out, m)
				}
			}
			return out
		}
		mails := view()
		if len(mails) != 2 || mails[0].ID != first || mails[0].LastError == "" || mails[1].WaitingFor != first || mails[0].WaitingFor != 0 {
			t.Fatalf("outbox while the acknowledgement is retried: %+v; want the reply waiting for mail %d", mails, first)
		}
		// The relay takes the acknowledgement: the reply waits for nothing any more.
		d.clk.Set(d.clk.Now().Add(11 * time.Minute))
		again := must(box.Claim(d.ctx, nil, d.clk.Now(), time.Minute, 10))
		if len(again) != 1 || again[0].ID != first {
			t.Fatalf("claimed %+v again, want mail %d", again, first)
		}
		must(box.Claim(d.ctx, []int64{first}, d.clk.Now(), time.Minute, 10))
		if mails := view(); mails[1].WaitingFor != 0 {
			t.Errorf("after the acknowledgement was sent: %+v", mails)
		}
	})
}
