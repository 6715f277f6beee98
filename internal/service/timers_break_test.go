package service_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/clock"
	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/jobs"
	"github.com/keptdesk/kept/internal/service"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// A break that escalates to a manager cancels, with the case's response target, the promise's
// reminders still pending (one retrying after a failure may fall due after the promise), and
// leaves the case's other timers alone.
func TestBreakCancelsRemindersAndResponseTarget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		sc := newScene(t, backend)
		c := sc.openCase(sc.ann, "Call me back")
		due := sc.at(0, "11:00")
		p := must(sc.svc.MakePromise(sc.ctx, desk.AgentActor(sc.ann), c.ID, desk.NewPromise{Kind: "callback", DueAt: due, Words: "I call you back at 11"}))
		// The written promise answered the customer; their next message starts the clock again.
		must(sc.svc.AddMessage(sc.ctx, desk.CustomerActor(sc.mari), c.ID, desk.NewMessage{Body: "Thanks, I wait for your call."}))
		kinds := func() string {
			tms := storetest.Read(t, sc.st, func(ctx context.Context, tx *store.Tx) ([]store.Timer, error) { return tx.PendingTimers(ctx, c.ID) })
			var ks []string
			for _, tm := range tms {
				ks = append(ks, tm.Kind)
			}
			return strings.Join(ks, ",")
		}
		// A reminder due after the promise, as one retried after failures would be, and a
		// timer of another kind on the case.
		err := sc.st.Write(sc.ctx, func(tx *store.Tx) error {
			for _, tm := range []store.Timer{
				{Kind: "promise_reminder", DueAt: due.Add(time.Hour), CaseID: c.ID, RefID: p.ID},
				{Kind: "handover_return", DueAt: due.Add(2 * time.Hour), CaseID: c.ID, RefID: c.ID, Payload: []byte(`{}`)},
			} {
				if _, err := tx.AddTimer(sc.ctx, tm, sc.clock.Now()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := kinds(); !strings.Contains(got, "response_due") || !strings.Contains(got, "promise_due") || !strings.Contains(got, "promise_reminder") {
			t.Fatalf("before the break: %s", got)
		}
		sc.advance(due.Sub(sc.clock.Now()) + time.Second)
		if got := must(sc.svc.Case(sc.ctx, sc.sys, c.ID)); got.Rung != 1 || got.OwnerID != sc.lead.ID {
			t.Fatalf("after the break: rung %d owner %d", got.Rung, got.OwnerID)
		}
		if got := kinds(); got != "handover_return" {
			t.Errorf("pending after the break: %s, want only handover_return", got)
		}
	})
}

// A batch in which a later timer fails runs again (see jobs): the break before it is recorded,
// mailed and logged once.
func TestBreakInABatchThatRunsAgain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		st := storetest.Open(t, backend)
		clk := clock.NewFake(monday)
		var logs strings.Builder
		var mu sync.Mutex
		log := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))
		svc := service.New(st, clk, log, service.WithMail(service.MailConfig{Address: "support@desk.test", Outbound: true}))
		sys := desk.SystemActor()
		head := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Head", Email: "head@example.com", Role: "admin"}))
		lead := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Lead", Email: "lead@example.com", Role: "lead", ManagerID: head.ID}))
		cu := must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari", Email: "mari@example.com"}))
		c := must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: cu.ID, Subject: "Call me", Body: "Please call", Channel: "email", OwnerID: lead.ID}))
		due := monday.Add(2 * time.Hour) // 10:00 UTC, in the default working hours
		must(svc.MakePromise(ctx, desk.AgentActor(lead), c.ID, desk.NewPromise{Kind: "callback", DueAt: due, Words: "I call you back"}))
		err := st.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.AddTimer(ctx, store.Timer{Kind: "boom", DueAt: due.Add(time.Second), CaseID: c.ID}, monday)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		handlers := svc.Handlers()
		handlers["boom"] = func(context.Context, *store.Tx, []store.Timer, time.Time) (func(), error) {
			return nil, errors.New("boom")
		}
		clk.Set(due.Add(time.Minute))
		if n, err := jobs.NewRunner(st, clk, log, handlers).RunDue(ctx); err != nil || n != 2 {
			t.Fatalf("fired %d, %v; want the reminder and the break", n, err)
		}
		rec := must(svc.Record(ctx, sys, c.ID))
		if k := strings.Join(kindsOf(rec), ","); strings.Count(k, "promise_broken") != 1 || strings.Count(k, "escalated") != 1 {
			t.Errorf("record %s: want one break and one escalation", k)
		}
		mu.Lock()
		out := logs.String()
		mu.Unlock()
		if n := strings.Count(out, `msg="promise broken"`); n != 1 {
			t.Errorf("%d promise broken log lines, want 1:\n%s", n, out)
		}
		if n := strings.Count(out, "timer failed; will retry"); n != 1 {
			t.Errorf("%d retry log lines, want 1:\n%s", n, out)
		}
	})
}

// lockedWriter lets a logger write to a builder the test reads.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
