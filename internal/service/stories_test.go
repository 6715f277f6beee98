package service_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/jobs"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// scene is a small desk for the stories: a head of care, a Billing lead, two Billing agents
// in Tallinn working 09:00-12:30 and 13:30-17:00 on weekdays, and a customer with a case.
type scene struct {
	st         *store.Store // the scene's database, for what a test checks behind the service's back
	t          *testing.T
	ctx        context.Context
	svc        *service.Service
	clock      *clock.Fake
	timers     *jobs.Runner
	head, lead desk.Agent
	ann, bob   desk.Agent
	mari       desk.Customer
	sys        desk.Actor
	tallinn    *time.Location
}

// Monday 23 November 2026, 10:00 in Tallinn (08:00 UTC).
var monday = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

func newScene(t *testing.T, backend string) *scene {
	t.Helper()
	clk := clock.NewFake(monday)
	st := storetest.Open(t, backend)
	svc := service.New(st, clk, slog.New(slog.DiscardHandler))
	sc := &scene{t: t, ctx: context.Background(), svc: svc, st: st, clock: clk, sys: desk.SystemActor(),
		timers: jobs.NewRunner(st, clk, slog.New(slog.DiscardHandler), svc.Handlers())}
	sc.tallinn, _ = time.LoadLocation("Europe/Tallinn")
	week := map[string][]string{"mon": {"09:00-12:30", "13:30-17:00"}, "tue": {"09:00-12:30", "13:30-17:00"}, "wed": {"09:00-12:30", "13:30-17:00"},
		"thu": {"09:00-12:30", "13:30-17:00"}, "fri": {"09:00-12:30", "13:30-17:00"}}
	add := func(name, email, role string, manager int64, hours map[string][]string) desk.Agent {
		return must(svc.CreateAgent(sc.ctx, sc.sys, desk.NewAgent{Name: name, Email: email, Role: role, Team: "Billing",
			ManagerID: manager, Timezone: "Europe/Tallinn", Hours: hours}))
	}
	sc.head = add("Hele Head", "hele@example.ee", "admin", 0, week)
	sc.lead = add("Lea Lead", "lea@example.ee", "lead", sc.head.ID, week)
	sc.ann = add("Ann Tamm", "ann@example.ee", "agent", sc.lead.ID, week)
	sc.bob = add("Bob Kask", "bob@example.ee", "agent", sc.lead.ID, map[string][]string{"mon": {"08:00-16:00"}, "tue": {"08:00-16:00"}})
	sc.mari = must(svc.CreateCustomer(sc.ctx, sc.sys, desk.NewCustomer{Name: "Mari Mets", Email: "mari@example.ee"}))
	return sc
}

func (sc *scene) openCase(owner desk.Agent, subject string) service.CaseView {
	sc.t.Helper()
	return must(sc.svc.OpenCase(sc.ctx, sc.sys, desk.NewCase{CustomerID: sc.mari.ID, Subject: subject, Body: "Please help: " + subject, Channel: "email", OwnerID: owner.ID}))
}

// at is a wall-clock time in Tallinn on the scene's Monday plus days.
func (sc *scene) at(days int, hhmm string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", monday.AddDate(0, 0, days).In(sc.tallinn).Format("2006-01-02")+" "+hhmm, sc.tallinn)
	if err != nil {
		sc.t.Fatal(err)
	}
	return t
}

// advance moves the clock and fires every timer now due, as the server's runner would.
func (sc *scene) advance(d time.Duration) {
	sc.t.Helper()
	sc.clock.Advance(d)
	if _, err := sc.timers.RunDue(sc.ctx); err != nil {
		sc.t.Fatal(err)
	}
}

func (sc *scene) record(caseID int64, as desk.Actor) []desk.Entry {
	sc.t.Helper()
	return must(sc.svc.Record(sc.ctx, as, caseID))
}

func kindsOf(rec []desk.Entry) []string {
	var out []string
	for _, e := range rec {
		out = append(out, string(e.Kind))
	}
	return out
}

func lastOf(rec []desk.Entry, kind desk.EntryKind) *desk.Entry {
	for i := len(rec) - 1; i >= 0; i-- {
		if rec[i].Kind == kind {
			return &rec[i]
		}
	}
	return nil
}

func conflict(t *testing.T, err error, code string) *desk.Error {
	t.Helper()
	e, ok := desk.AsError(err)
	if !ok || e.Kind != desk.KindConflict || e.Code != code {
		t.Fatalf("err = %v, want a %s conflict", err, code)
	}
	return e
}

// Story 1: a call-back cannot be booked while its owner is at lunch; the refusal offers the
// owner's next free times and the teammates free at the asked time.
func TestStoryOutAtLunch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		c := sc.openCase(sc.ann, "Wrong invoice")
		_, err := sc.svc.MakePromise(sc.ctx, desk.AgentActor(sc.ann), c.ID, desk.NewPromise{Kind: "callback", DueAt: sc.at(0, "12:45"), Words: "I will call you at 12:45"})
		e := conflict(t, err, "owner_unavailable")
		if !strings.Contains(e.Message, "on a break") && !strings.Contains(e.Message, "outside") {
			t.Logf("refusal: %s", e.Message)
		}
		slots := e.Details["free_slots"].([]map[string]any)
		if len(slots) < 2 || slots[0]["at"] != sc.at(0, "13:30").UTC().Format(time.RFC3339) || slots[0]["agent_id"] != sc.ann.ID {
			t.Fatalf("free slots %v: want Ann at 13:30 first", slots)
		}
		var bobOffered bool
		for _, s := range slots {
			bobOffered = bobOffered || (s["agent_id"] == sc.bob.ID && s["at"] == sc.at(0, "12:45").UTC().Format(time.RFC3339))
		}
		if !bobOffered {
			t.Errorf("free slots %v: want Bob, who works through lunch, at 12:45", slots)
		}
		if len(must(sc.svc.Promises(sc.ctx, sc.sys, service.PromiseList{CaseID: c.ID}))) != 0 {
			t.Error("a refused promise was stored")
		}
		// Outside hours and on leave are refused too; the offered time is accepted.
		_, err = sc.svc.MakePromise(sc.ctx, desk.AgentActor(sc.ann), c.ID, desk.NewPromise{Kind: "appointment", DueAt: sc.at(5, "10:00"), Words: "Come by on Saturday"})
		conflict(t, err, "owner_unavailable")
		p := must(sc.svc.MakePromise(sc.ctx, desk.AgentActor(sc.ann), c.ID, desk.NewPromise{Kind: "callback", DueAt: sc.at(0, "13:30"), Words: "I will call you at 13:30"}))
		if p.State != desk.PromiseOpen || p.Maker.Name != "Ann Tamm" || p.Estimate != nil {
			t.Errorf("promise %+v: want open, made by Ann, no estimate without history", p)
		}
	})
}

// Story 2: leave cannot start while the agent owns cases without a briefed hand-over; the
// customer is told who looks after them and until when; the case comes back afterwards.
func TestStoryAwayOnLeave(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		c1 := sc.openCase(sc.ann, "Refund missing")
		c2 := sc.openCase(sc.ann, "Address change")
		for _, c := range []service.CaseView{c1, c2} {
			must(sc.svc.AddMessage(sc.ctx, desk.AgentActor(sc.ann), c.ID, desk.NewMessage{Body: "Thank you, I am on it."}))
		}
		leave := desk.NewAbsence{Kind: "leave", From: sc.at(1, "00:00"), To: sc.at(8, "00:00")}
		_, err := sc.svc.AddAbsence(sc.ctx, desk.AgentActor(sc.ann), sc.ann.ID, leave, nil)
		e := conflict(t, err, "handover_required")
		listed := e.Details["cases"].([]map[string]any)
		if len(listed) != 2 || listed[0]["ref"] == "" {
			t.Fatalf("listed %v, want both cases by id and ref", listed)
		}
		// A break never asks for a hand-over.
		must(sc.svc.AddAbsence(sc.ctx, desk.AgentActor(sc.ann), sc.ann.ID, desk.NewAbsence{Kind: "break", From: sc.at(0, "15:00"), To: sc.at(0, "15:15")}, nil))

		v := must(sc.svc.AddAbsence(sc.ctx, desk.AgentActor(sc.ann), sc.ann.ID, leave, []service.CaseHandover{
			{CaseID: c1.ID, ToAgentID: sc.bob.ID, Briefing: "Refund of 48.50 EUR approved; send the confirmation when finance books it."},
			{CaseID: c2.ID, ToAgentID: sc.bob.ID, Briefing: "New address verified by phone; only the contract needs updating."},
		}))
		if len(v.HandedOver) != 2 {
			t.Fatalf("handed over %v", v.HandedOver)
		}
		got := must(sc.svc.Case(sc.ctx, sc.sys, c1.ID))
		if got.OwnerID != sc.bob.ID {
			t.Fatalf("owner %d, want Bob", got.OwnerID)
		}
		asMari := desk.CustomerActor(sc.mari)
		rec := sc.record(c1.ID, asMari)
		intro := lastOf(rec, desk.KindIntroduction)
		if intro == nil || !strings.Contains(intro.Body, "Bob Kask") || !strings.Contains(intro.Body, "until Tue 1 Dec") {
			t.Errorf("the customer sees %v, want Bob introduced until the leave ends", intro)
		}
		if lastOf(rec, desk.KindHandover) != nil {
			t.Error("the customer sees the internal briefing")
		}
		if b := lastOf(sc.record(c1.ID, sc.sys), desk.KindHandover); b == nil || !strings.Contains(b.Body, "48.50") {
			t.Errorf("briefing %v", b)
		}
		// New cases do not land on Ann, whose leave starts within a day.
		next := must(sc.svc.OpenCase(sc.ctx, sc.sys, desk.NewCase{CustomerID: sc.mari.ID, Subject: "New", Body: "x", Channel: "web"}))
		if next.OwnerID == sc.ann.ID {
			t.Error("a new case went to Ann on the eve of her leave")
		}
		// A customer's reply reaches the new owner at once: the case is Bob's.
		must(sc.svc.AddMessage(sc.ctx, asMari, c1.ID, desk.NewMessage{Body: "Any news on the refund?"}))
		if inbox := must(sc.svc.Cases(sc.ctx, sc.sys, service.CaseList{OwnerID: sc.bob.ID})); len(inbox) != 3 {
			t.Errorf("Bob's cases %v", inbox)
		}
		// When the leave ends (Tuesday 1 Dec, 00:00), the cases go back to Ann, who is introduced again.
		sc.advance(sc.at(8, "09:00").Sub(sc.clock.Now()))
		if back := must(sc.svc.Case(sc.ctx, sc.sys, c2.ID)); back.OwnerID != sc.ann.ID {
			t.Errorf("after the leave, %s is owned by %d, want Ann", back.Ref, back.OwnerID)
		}
	})
}

// Story 2, sudden sickness: nothing blocks; the cases go to the lead, flagged, and the lead is alerted.
func TestStorySickWithoutHandover(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		c := sc.openCase(sc.ann, "Broken router")
		v := must(sc.svc.AddAbsence(sc.ctx, sc.sys, sc.ann.ID, desk.NewAbsence{Kind: "sick", From: sc.clock.Now(), To: sc.at(3, "00:00")}, nil))
		if len(v.ToManager) != 1 {
			t.Fatalf("to manager %v", v.ToManager)
		}
		got := must(sc.svc.Case(sc.ctx, sc.sys, c.ID))
		if got.OwnerID != sc.lead.ID || !strings.Contains(strings.Join(got.Flags, ","), desk.FlagHandoverMissing) {
			t.Errorf("case owner %d flags %v, want Lea and handover_missing", got.OwnerID, got.Flags)
		}
		if h := lastOf(sc.record(c.ID, sc.sys), desk.KindHandover); h == nil || !strings.Contains(string(h.Data), `"missing":true`) {
			t.Errorf("handover entry %v, want one marked missing", h)
		}
		notes := must(sc.svc.Notifications(sc.ctx, desk.AgentActor(sc.lead)))
		found := false
		for _, n := range notes {
			found = found || (n.Kind == "handover_missing" && strings.Contains(n.Body, c.Ref))
		}
		if !found {
			t.Errorf("Lea's notifications %v lack the alert naming %s", notes, c.Ref)
		}
		// New cases go to someone present.
		next := must(sc.svc.OpenCase(sc.ctx, sc.sys, desk.NewCase{CustomerID: sc.mari.ID, Subject: "Another", Body: "x", Channel: "web"}))
		if next.OwnerID == sc.ann.ID {
			t.Error("a new case went to Ann, who is off sick")
		}
		// Once the lead briefs someone, the case is no longer unattended.
		v2 := must(sc.svc.HandOver(sc.ctx, desk.AgentActor(sc.lead), c.ID, desk.Handover{ToAgentID: sc.head.ID, Briefing: "Router case; Ann was about to replace it."}))
		if strings.Contains(strings.Join(v2.Flags, ","), desk.FlagHandoverMissing) {
			t.Errorf("flags %v after a briefed hand-over, want handover_missing gone", v2.Flags)
		}
	})
}

// Story 3: a slip needs a reason and a message to the customer; the second slip escalates.
func TestStoryByNoonTomorrow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		c := sc.openCase(sc.ann, "Delivery late")
		ann := desk.AgentActor(sc.ann)
		p := must(sc.svc.MakePromise(sc.ctx, ann, c.ID, desk.NewPromise{Kind: "delivery", DueAt: sc.at(1, "12:00"), Words: "Your parcel arrives by noon tomorrow"}))
		if _, err := sc.svc.SlipPromise(sc.ctx, ann, p.ID, desk.Slip{DueAt: sc.at(1, "16:00")}); err == nil {
			t.Fatal("a slip without reason and message was accepted")
		}
		p = must(sc.svc.SlipPromise(sc.ctx, ann, p.ID, desk.Slip{DueAt: sc.at(1, "16:00"), Reason: "The courier missed the pick-up", Message: "Sorry: your parcel will arrive by 16:00 tomorrow."}))
		if p.Slips != 1 || p.State != desk.PromiseOpen || !p.DueAt.Equal(sc.at(1, "16:00")) {
			t.Fatalf("after one slip: %+v", p.Promise)
		}
		if got := must(sc.svc.Case(sc.ctx, sc.sys, c.ID)); got.Rung != 0 {
			t.Fatalf("one slip escalated the case to rung %d", got.Rung)
		}
		rec := sc.record(c.ID, desk.CustomerActor(sc.mari))
		if s := lastOf(rec, desk.KindPromiseSlipped); s == nil || !strings.Contains(string(s.Data), "courier") {
			t.Errorf("slip entry %v, want the reason on the record", s)
		}
		if m := lastOf(rec, desk.KindMessageOut); m == nil || !strings.Contains(m.Body, "16:00 tomorrow") {
			t.Errorf("message to the customer %v", m)
		}
		p = must(sc.svc.SlipPromise(sc.ctx, ann, p.ID, desk.Slip{DueAt: sc.at(2, "12:00"), Reason: "Warehouse closed", Message: "It will now be noon on Wednesday."}))
		got := must(sc.svc.Case(sc.ctx, sc.sys, c.ID))
		if got.Rung != 1 || got.OwnerID != sc.lead.ID || p.Slips != 2 || p.OwnerID != sc.lead.ID {
			t.Fatalf("after the second slip: rung %d owner %d, promise owner %d slips %d; want rung 1, Lea owning both", got.Rung, got.OwnerID, p.OwnerID, p.Slips)
		}
		esc := lastOf(sc.record(c.ID, sc.sys), desk.KindEscalated)
		if esc == nil || !strings.Contains(string(esc.Data), desk.TriggerSecondSlip) {
			t.Errorf("escalation entry %v, want trigger second_slip", esc)
		}
		counts := must(sc.svc.SlipCounts(sc.ctx, sc.sys, monday.AddDate(0, 0, -1)))
		if len(counts["agents"]) != 1 || counts["agents"][0].Slips != 2 || len(counts["teams"]) != 1 || counts["teams"][0].Slips != 2 {
			t.Errorf("slip counts %+v, want Ann and Billing with 2", counts)
		}
	})
}

// Story 6: reminders before the due time; at the due time an unkept promise breaks, the
// customer is told honestly, the case escalates, and a new promise is required.
func TestStoryThreeMonthsLate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		c := sc.openCase(sc.ann, "Call me back")
		ann := desk.AgentActor(sc.ann)
		must(sc.svc.AddMessage(sc.ctx, ann, c.ID, desk.NewMessage{Body: "We are looking into it."}))
		due := sc.at(2, "10:00") // Wednesday
		p := must(sc.svc.MakePromise(sc.ctx, ann, c.ID, desk.NewPromise{Kind: "callback", DueAt: due, Words: "I will call you back on Wednesday at 10"}))
		reminders := func() int {
			n := 0
			for _, x := range must(sc.svc.Notifications(sc.ctx, ann)) {
				if x.Kind == "promise_reminder" {
					n++
				}
			}
			return n
		}
		sc.advance(due.Add(-24*time.Hour).Sub(sc.clock.Now()) + time.Second)
		if reminders() != 1 {
			t.Fatalf("%d reminders 24 h before, want 1", reminders())
		}
		sc.advance(due.Add(-time.Hour).Sub(sc.clock.Now()) + time.Second)
		if reminders() != 2 {
			t.Fatalf("%d reminders 1 h before, want 2", reminders())
		}
		if got := must(sc.svc.Case(sc.ctx, sc.sys, c.ID)); got.Rung != 0 {
			t.Fatal("escalated before the due time")
		}
		sc.advance(due.Sub(sc.clock.Now()) + 500*time.Millisecond)
		got := must(sc.svc.Case(sc.ctx, sc.sys, c.ID))
		if got.Rung != 1 || got.OwnerID != sc.lead.ID || !strings.Contains(strings.Join(got.Flags, ","), desk.FlagPromiseRequired) {
			t.Fatalf("after the due time: rung %d owner %d flags %v", got.Rung, got.OwnerID, got.Flags)
		}
		if got.Promises[0].State != desk.PromiseBroken {
			t.Errorf("promise state %s, want broken", got.Promises[0].State)
		}
		rec := sc.record(c.ID, desk.CustomerActor(sc.mari))
		k := strings.Join(kindsOf(rec), ",")
		if !strings.Contains(k, "promise_broken,message_out,escalated,introduction") {
			t.Errorf("record kinds %s: want the breach, the honest message, the escalation and the lead's introduction", k)
		}
		if m := lastOf(rec, desk.KindMessageOut); m == nil || !strings.Contains(m.Body, "did not keep") {
			t.Errorf("message to the customer: %v", m)
		}
		// The timer fires once: running again an hour later adds nothing.
		before := len(sc.record(c.ID, sc.sys))
		sc.advance(time.Hour)
		after := sc.record(c.ID, sc.sys)
		if len(after) != before || strings.Count(strings.Join(kindsOf(after), ","), "promise_broken") != 1 {
			t.Errorf("the record grew from %d to %d entries an hour after the breach: %v", before, len(after), kindsOf(after))
		}
		if _, err := sc.svc.KeepPromise(sc.ctx, ann, p.ID, ""); err == nil {
			t.Error("a broken promise was kept")
		}
		must(sc.svc.MakePromise(sc.ctx, desk.AgentActor(sc.lead), c.ID, desk.NewPromise{Kind: "callback", DueAt: sc.at(3, "10:00"), Words: "I, Lea, will call you on Thursday at 10"}))
		if got := must(sc.svc.Case(sc.ctx, sc.sys, c.ID)); strings.Contains(strings.Join(got.Flags, ","), desk.FlagPromiseRequired) {
			t.Error("a new promise did not settle promise_required")
		}
	})
}

// Story 7: two messages without an answer escalate by themselves; so does one past the
// team's response target.
func TestStoryTwoMessagesNoCallBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		asMari := desk.CustomerActor(sc.mari)
		c := sc.openCase(sc.ann, "No internet")
		must(sc.svc.AddMessage(sc.ctx, asMari, c.ID, desk.NewMessage{Body: "Hello? Still no internet."}))
		got := must(sc.svc.Case(sc.ctx, sc.sys, c.ID))
		if got.Rung != 1 || got.OwnerID != sc.lead.ID {
			t.Fatalf("after two unanswered messages: rung %d owner %d, want 1 and Lea", got.Rung, got.OwnerID)
		}
		// An answer in between resets the count; so does a call.
		c1 := sc.openCase(sc.ann, "Phone line")
		must(sc.svc.LogCall(sc.ctx, desk.AgentActor(sc.ann), c1.ID, desk.NewCall{Direction: "outbound", At: sc.clock.Now(), DurationS: 120, Summary: "Talked it through"}))
		must(sc.svc.AddMessage(sc.ctx, asMari, c1.ID, desk.NewMessage{Body: "As we said on the phone: the line still crackles."}))
		if got := must(sc.svc.Case(sc.ctx, sc.sys, c1.ID)); got.Rung != 0 {
			t.Fatalf("a call did not count as an answer: rung %d", got.Rung)
		}
		c2 := sc.openCase(sc.ann, "Slow internet")
		must(sc.svc.AddMessage(sc.ctx, desk.AgentActor(sc.ann), c2.ID, desk.NewMessage{Body: "Checking the line now."}))
		must(sc.svc.AddMessage(sc.ctx, asMari, c2.ID, desk.NewMessage{Body: "Thanks, any result?"}))
		if got := must(sc.svc.Case(sc.ctx, sc.sys, c2.ID)); got.Rung != 0 {
			t.Fatalf("an answered case escalated to rung %d", got.Rung)
		}
		// The response target: one unanswered message escalates once the team's target passes.
		target := 2 * time.Hour
		must(sc.svc.SetTeamSettings(sc.ctx, sc.sys, "Billing", service.TeamSettingsIn{ResponseTarget: &target}))
		c3 := sc.openCase(sc.ann, "Bill question")
		sc.advance(time.Hour)
		if got := must(sc.svc.Case(sc.ctx, sc.sys, c3.ID)); got.Rung != 0 {
			t.Fatal("escalated before the response target")
		}
		sc.advance(time.Hour + time.Second)
		got = must(sc.svc.Case(sc.ctx, sc.sys, c3.ID))
		if esc := lastOf(sc.record(c3.ID, sc.sys), desk.KindEscalated); got.Rung != 1 || esc == nil || !strings.Contains(string(esc.Data), desk.TriggerResponseTarget) {
			t.Errorf("after the response target: rung %d, entry %v", got.Rung, esc)
		}
	})
}

// Story 5: an escalated case does not go back down without the customer's recorded agreement.
func TestStoryPassedBackDown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		c := sc.openCase(sc.ann, "Faulty laptop")
		must(sc.svc.Escalate(sc.ctx, desk.CustomerActor(sc.mari), c.ID, "I want to speak to someone more senior"))
		got := must(sc.svc.Case(sc.ctx, sc.sys, c.ID))
		if got.Rung != 1 || got.OwnerID != sc.lead.ID {
			t.Fatalf("after the customer's request: rung %d owner %d", got.Rung, got.OwnerID)
		}
		_, err := sc.svc.HandOver(sc.ctx, desk.AgentActor(sc.lead), c.ID, desk.Handover{ToAgentID: sc.ann.ID, Briefing: "Argue it out with the technician"})
		conflict(t, err, "downward_reassignment")
		// Down with the customer's agreement to that move: the desk asks, the customer answers.
		asMari := desk.CustomerActor(sc.mari)
		q := must(sc.svc.AskHandoverAgreement(sc.ctx, desk.AgentActor(sc.lead), c.ID, desk.HandoverAsk{ToAgentID: sc.ann.ID}))
		a := must(sc.svc.AnswerHandover(sc.ctx, asMari, c.ID, q.Seq, true))
		if _, err := sc.svc.HandOver(sc.ctx, desk.AgentActor(sc.lead), c.ID, desk.Handover{ToAgentID: sc.ann.ID, Briefing: "x", AgreementID: q.EntryID}); err == nil {
			t.Error("the desk's question was taken as the customer's agreement")
		}
		v := must(sc.svc.HandOver(sc.ctx, desk.AgentActor(sc.lead), c.ID, desk.Handover{ToAgentID: sc.ann.ID, Briefing: "The customer agreed; replace the battery.", AgreementID: a.AnswerEntryID}))
		if v.OwnerID != sc.ann.ID || v.Rung != 1 {
			t.Errorf("after an agreed hand-over: owner %d rung %d", v.OwnerID, v.Rung)
		}
	})
}

// Story 4 and 12: everyone who acts is introduced; the manager's list shows each open promise
// with its words and maker.
func TestStoryWhoIsBobAndNoneOfMyStaff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		c := sc.openCase(sc.ann, "Transfer")
		must(sc.svc.AddMessage(sc.ctx, desk.AgentActor(sc.bob), c.ID, desk.NewMessage{Body: "I send the transfers: done today.", Internal: true}))
		rec := sc.record(c.ID, desk.CustomerActor(sc.mari))
		intro := lastOf(rec, desk.KindIntroduction)
		if intro == nil || !strings.HasPrefix(intro.Body, "Bob Kask (agent, Billing) has joined your case") {
			t.Errorf("introduction %v", intro)
		}
		parts := must(sc.svc.Case(sc.ctx, desk.CustomerActor(sc.mari), c.ID)).Participants
		if len(parts) != 3 {
			t.Errorf("participants %v, want Mari, Ann and Bob", parts)
		}
		must(sc.svc.MakePromise(sc.ctx, desk.AgentActor(sc.bob), c.ID, desk.NewPromise{Kind: "update", DueAt: sc.at(0, "15:00"), Words: "The transfer will show by 15:00"}))
		list := must(sc.svc.Promises(sc.ctx, desk.AgentActor(sc.lead), service.PromiseList{State: desk.PromiseOpen, Team: "Billing"}))
		if len(list) != 1 || list[0].Words != "The transfer will show by 15:00" || list[0].Maker.Name != "Bob Kask" || list[0].Owner.Name != "Ann Tamm" || list[0].CaseRef != c.Ref {
			t.Errorf("the lead's list %+v", list)
		}
		if _, err := sc.svc.Promises(sc.ctx, sc.sys, service.PromiseList{Team: "Nowhere"}); err == nil {
			t.Error("an unknown team was accepted")
		}
	})
}

// Story 16: the desk says how long such promises took and warns of an unrealistic one.
func TestStoryRealisticPromises(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		ann := desk.AgentActor(sc.ann)
		// Five fixes kept after 1, 2, 2, 3 and 4 days.
		for i, days := range []int{1, 2, 2, 3, 4} {
			c := sc.openCase(sc.ann, "Repair "+string(rune('A'+i)))
			p := must(sc.svc.MakePromise(sc.ctx, ann, c.ID, desk.NewPromise{Kind: "fix", DueAt: sc.at(4, "16:00"), Words: "Fixed by Friday"}))
			sc.clock.Advance(time.Duration(days) * 24 * time.Hour)
			must(sc.svc.KeepPromise(sc.ctx, ann, p.ID, "done"))
			sc.clock.Set(monday)
		}
		c := sc.openCase(sc.ann, "Repair F")
		p := must(sc.svc.MakePromise(sc.ctx, ann, c.ID, desk.NewPromise{Kind: "fix", DueAt: sc.at(1, "10:00"), Words: "Fixed by tomorrow"}))
		if p.Estimate == nil || p.Estimate.Samples != 5 || p.Estimate.MedianS != 2*86400 || p.Estimate.P90S != 4*86400 || p.Estimate.Warning == "" {
			b, _ := json.Marshal(p.Estimate)
			t.Errorf("estimate %s, want 5 samples, median 2 days, p90 4 days and a warning", b)
		}
	})
}
