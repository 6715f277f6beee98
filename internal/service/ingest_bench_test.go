package service

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/mail"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// BenchPeople adds the agents of a desk at scale S to s: four teams of a manager, a lead and 15
// line agents, in three time zones with four working weeks, some with leave booked ahead. A new
// case's owner is chosen among them, so intake benchmarks pay for a desk's worth of agents.
func BenchPeople(tb testing.TB, s *Service) {
	tb.Helper()
	ctx := context.Background()
	sys := desk.SystemActor()
	weeks := []map[string][]string{
		{"mon": {"09:00-12:30", "13:00-17:30"}, "tue": {"09:00-12:30", "13:00-17:30"}, "wed": {"09:00-12:30", "13:00-17:30"}, "thu": {"09:00-12:30", "13:00-17:30"}, "fri": {"09:00-12:30", "13:00-16:00"}},
		{"mon": {"08:00-16:00"}, "tue": {"08:00-16:00"}, "wed": {"08:00-16:00"}, "thu": {"08:00-16:00"}, "fri": {"08:00-14:00"}},
		{"tue": {"10:00-18:00"}, "wed": {"10:00-18:00"}, "thu": {"10:00-18:00"}, "fri": {"10:00-18:00"}, "sat": {"09:00-15:00"}},
		{"mon": {"12:00-20:00"}, "tue": {"12:00-20:00"}, "wed": {"12:00-20:00"}, "thu": {"12:00-20:00"}, "fri": {"12:00-20:00"}},
	}
	zones := []string{"Europe/Tallinn", "Europe/Zagreb", "Europe/London"}
	head, err := s.CreateAgent(ctx, sys, desk.NewAgent{Name: "Head", Email: "head@desk.test", Role: "admin", Timezone: "Europe/Tallinn"})
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	for ti, team := range []string{"Orders", "Billing", "Returns", "Accounts"} {
		mk := func(role string, boss int64, i int) desk.Agent {
			n++
			a, err := s.CreateAgent(ctx, sys, desk.NewAgent{Name: fmt.Sprintf("Agent %d", n), Email: fmt.Sprintf("agent%d@desk.test", n), Role: role,
				Team: team, ManagerID: boss, Timezone: zones[(ti+i)%len(zones)], Hours: weeks[(ti+i)%len(weeks)]})
			if err != nil {
				tb.Fatal(err)
			}
			return a
		}
		mgr := mk("manager", head.ID, 0)
		lead := mk("lead", mgr.ID, 1)
		for i := range 15 {
			a := mk("agent", lead.ID, i)
			if i%5 == 3 { // leave booked weeks ahead: an absence to look at, not one that counts today
				from := time.Now().Add(time.Duration(35+i) * 24 * time.Hour).Truncate(24 * time.Hour)
				if _, err := s.AddAbsence(ctx, sys, a.ID, desk.NewAbsence{Kind: "leave", From: from, To: from.Add(7 * 24 * time.Hour)}, nil); err != nil {
					tb.Fatal(err)
				}
			}
		}
	}
}

// BenchmarkFileMail measures the database work of filing one mail (a new case for a known
// sender) as a group commit does, maxGroup mails to a transaction.
//
//	go test -run '^$' -bench FileMail ./internal/service/
func BenchmarkFileMail(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) { benchFileMail(b, backend, automationsNone) })
	}
}

// BenchmarkFileMailAutomated is BenchmarkFileMail with 10 active automations and 5 webhook
// endpoints hearing of every event (BenchAutomations; issue 17: they should cost intake less
// than 15% of its rate). Compare it with BenchmarkFileMail run alternately (BENCHMARKS.md).
//
//	go test -run '^$' -bench 'FileMail' ./internal/service/
func BenchmarkFileMailAutomated(b *testing.B) {
	for _, backend := range storetest.Backends {
		b.Run(backend+"/watching", func(b *testing.B) { benchFileMail(b, backend, automationsWatching) })
		b.Run(backend+"/acting", func(b *testing.B) { benchFileMail(b, backend, automationsActing) })
	}
}

// How a bench desk is automated (BenchAutomations).
const (
	automationsNone     = iota
	automationsWatching // 10 rules look at every mail, none acts; 5 endpoints hear of everything
	automationsActing   // as watching, and one rule tags every new case
)

// benchFileMail files b.N mails, with the automations and webhooks of BenchAutomations set up
// first as automated says.
func benchFileMail(b *testing.B, backend string, automated int) {
	ctx := context.Background()
	st := storetest.Open(b, backend)
	s := New(st, clock.System{}, slog.New(slog.DiscardHandler), WithMail(MailConfig{Address: "support@desk.test"}), WithWebhooks(true))
	BenchPeople(b, s)
	if err := s.PrepareMail(ctx); err != nil {
		b.Fatal(err)
	}
	if automated != automationsNone {
		BenchAutomations(b, s, automated == automationsActing)
	}
	body := strings.Repeat("My order ORD-2026-00417 has not arrived and the tracking page says nothing new. ", 12)
	jobs := make([]*mailJob, b.N)
	for i := range jobs {
		from := fmt.Sprintf("customer%d@example.com", i%500)
		raw := fmt.Sprintf("From: %s\r\nTo: support@desk.test\r\nSubject: Parcel %d\r\nMessage-ID: <bench-%d@example.com>\r\n\r\n%s\r\n", from, i, i, body)
		in, err := s.parseMail(ctx, mail.Delivery{From: from, To: []string{"support@desk.test"}, Raw: []byte(raw)})
		if err != nil {
			b.Fatal(err)
		}
		jobs[i] = &mailJob{ctx: ctx, in: in}
	}
	b.ResetTimer()
	cpu, stmts := CPUTime(), st.Statements()
	for start := 0; start < b.N; start += maxGroup {
		if _, err := s.fileMails(ctx, jobs[start:min(start+maxGroup, b.N)], false); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.FlushSearch(ctx); err != nil { // the words indexed after commit are its work too
		b.Fatal(err)
	}
	b.StopTimer()
	// The process's CPU time a mail (with SQLite, all the work): steadier than the wall
	// clock on a machine others share.
	b.ReportMetric(float64((CPUTime()-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
	// On PostgreSQL each is a round trip.
	b.ReportMetric(float64(st.Statements()-stmts)/float64(b.N), "stmts/op")
}

// CPUTime is the CPU time the process has used, user and system.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchAutomations sets up, on a bench desk (BenchPeople), 5 webhook endpoints hearing of
// every event ("*") and 10 active automations as a desk would have them: on new cases, new
// messages, broken promises and passed targets, with conditions on words, team, priority,
// channel and tags. The bench's mails ("My order … has not arrived … tracking …") meet none of
// their conditions, unless acting: then one rule tags every new case (a command of its own: one
// more entry, sent to the 5 endpoints too).
func BenchAutomations(tb testing.TB, s *Service, acting bool) {
	tb.Helper()
	ctx, sys := context.Background(), desk.SystemActor()
	for i := range 5 {
		if _, err := s.CreateWebhook(ctx, sys, WebhookIn{URL: fmt.Sprintf("http://127.0.0.1:9/hook%d", i), Events: []string{"*"}, Secret: "a bench secret of length"}); err != nil {
			tb.Fatal(err)
		}
	}
	note := func(body string) []desk.AutomationAction {
		return []desk.AutomationAction{{Do: desk.DoNote, Body: body}}
	}
	deliveries := []string{"lost in transit", "damaged parcel"}
	if acting {
		deliveries = append(deliveries, "not arrived")
	}
	rules := []desk.Automation{
		{Name: "Invoices", When: desk.AutomationWhen{Event: "case_opened"}, If: desk.AutomationIf{Words: []string{"invoice", "arve", "račun"}},
			Then: []desk.AutomationAction{{Do: desk.DoAddTags, Tags: []string{"invoice"}}, {Do: desk.DoAssign, Team: "Billing"}}},
		{Name: "Refunds are high", When: desk.AutomationWhen{Event: "case_opened"}, If: desk.AutomationIf{Words: []string{"refund", "money back", "chargeback"}},
			Then: []desk.AutomationAction{{Do: desk.DoSetPriority, Priority: "high"}}},
		{Name: "Deliveries", When: desk.AutomationWhen{Event: "case_opened"}, If: desk.AutomationIf{Words: deliveries},
			Then: []desk.AutomationAction{{Do: desk.DoAddTags, Tags: []string{"delivery"}}}},
		{Name: "Billing's new cases", When: desk.AutomationWhen{Event: "case_opened"}, If: desk.AutomationIf{Team: "Billing", Priority: "urgent"},
			Then: note("Urgent billing case: check the payment first.")},
		{Name: "Urgent replies", When: desk.AutomationWhen{Event: "message_in"}, If: desk.AutomationIf{Priority: "urgent"},
			Then: []desk.AutomationAction{{Do: desk.DoRemind, Body: "The customer wrote again on an urgent case."}}},
		{Name: "Cancellations", When: desk.AutomationWhen{Event: "message_in"}, If: desk.AutomationIf{Words: []string{"cancel my order", "tühista", "otkaži"}},
			Then: []desk.AutomationAction{{Do: desk.DoSetPriority, Priority: "high"}}},
		{Name: "Broken promises", When: desk.AutomationWhen{Event: "promise_broken"},
			Then: []desk.AutomationAction{{Do: desk.DoRemind, Body: "A promise on this case was broken."}}},
		{Name: "Orders late", When: desk.AutomationWhen{Event: "target_passed"}, If: desk.AutomationIf{Team: "Orders"},
			Then: []desk.AutomationAction{{Do: desk.DoSetPriority, Priority: "high"}}},
		{Name: "Phone follow-up", When: desk.AutomationWhen{Event: "message_in"}, If: desk.AutomationIf{Channel: "phone", Tags: []string{"vip"}},
			Then: note("A VIP called: answer today.")},
		{Name: "Escalated urgent", When: desk.AutomationWhen{Event: "escalated"}, If: desk.AutomationIf{Priority: "urgent"},
			Then: note("Escalated while urgent.")},
	}
	for _, a := range rules {
		a.Active = true
		if _, err := s.CreateAutomation(ctx, sys, a); err != nil {
			tb.Fatal(err)
		}
	}
}
