package service_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
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

// Promises that fall due break, tell their customers and escalate, whether the timer runner
// takes them one at a time or a hundred at once (its batches): the same scene run both ways
// shows the same desk. It holds an escalation to a manager, a case with two promises due, one at
// the top of the ladder, one whose manager is on the case already, and a stale timer of a
// slipped promise.
func TestPromiseBreaks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		for _, together := range []bool{false, true} {
			scene, fired := breakScene(t, backend, together)
			if fired != 11 {
				t.Errorf("together %v: fired %d timers, want 11 (five reminders, five breaks and the stale one)", together, fired)
			}
			for _, want := range []string{
				// Escalated to the lead, who is introduced to the customer.
				"case 1 entry 4 promise_broken", "case 1 entry 6 escalated", "case 1 entry 7 introduction",
				// Two promises of one case: the second break climbs from the lead to the head.
				"case 2 promise 2 broken owner 3", "case 2 promise 3 broken owner 2", "case 2 owner 1 rung 2",
				// The head has no one above: the case stays with them.
				"case 3 owner 1 rung 0",
				// The slipped promise is still open, its stale timer done.
				"case 4 promise 5 open owner 4",
				// The lead, already on the case, is not introduced again.
				"case 5 participants agent:2,agent:3,customer:1",
				"agent 2 escalated K-1001",
			} {
				if !strings.Contains(scene, want+"\n") && !strings.Contains(scene, want+" ") {
					t.Errorf("together %v: missing %q in:\n%s", together, want, scene)
				}
			}
			if strings.Contains(scene, "case 5 entry 7 introduction") {
				t.Errorf("together %v: the lead was introduced again on case 5:\n%s", together, scene)
			}
		}
	})
}

// breakScene makes five cases' promises fall due a few seconds apart, runs their timers one at a
// time or all together, and describes what the desk then holds.
func breakScene(t *testing.T, backend string, together bool) (string, int) {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, backend)
	clk := clock.NewFake(monday)
	svc := service.New(st, clk, slog.New(slog.DiscardHandler))
	sys := desk.SystemActor()
	head := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Head", Email: "head@example.com", Role: "admin"}))
	lead := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Lead", Email: "lead@example.com", Role: "lead", ManagerID: head.ID}))
	ann := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Ann", Email: "ann@example.com", Role: "agent", ManagerID: lead.ID}))
	bob := must(svc.CreateAgent(ctx, sys, desk.NewAgent{Name: "Bob", Email: "bob@example.com", Role: "agent", ManagerID: lead.ID}))
	cu := must(svc.CreateCustomer(ctx, sys, desk.NewCustomer{Name: "Mari", Email: "mari@example.com"}))
	open := func(owner desk.Agent) int64 {
		return must(svc.OpenCase(ctx, sys, desk.NewCase{CustomerID: cu.ID, Subject: "Call me", Body: "Please call", Channel: "email", OwnerID: owner.ID})).ID
	}
	due := monday.Add(2 * time.Hour)
	var dues []time.Time
	promise := func(by desk.Agent, caseID int64, at time.Time) desk.Promise {
		dues = append(dues, at)
		return must(svc.MakePromise(ctx, desk.AgentActor(by), caseID, desk.NewPromise{Kind: "callback", DueAt: at, Words: "I call you back"})).Promise
	}
	c1, c2, c3, c4, c5 := open(ann), open(ann), open(head), open(bob), open(ann)
	promise(ann, c1, due.Add(time.Second))
	promise(ann, c2, due.Add(2*time.Second))
	promise(ann, c2, due.Add(3*time.Second))
	promise(head, c3, due.Add(4*time.Second))
	slipped := promise(bob, c4, due.Add(3*time.Hour))
	promise(lead, c5, due.Add(5*time.Second)) // the lead joins case 5 by making the promise
	// A timer left from before the promise slipped: it must do nothing.
	err := st.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.AddTimer(ctx, store.Timer{Kind: "promise_due", DueAt: due, CaseID: c4, RefID: slipped.ID,
			Payload: []byte(fmt.Sprintf(`{"due_at":%q}`, due.Format(time.RFC3339)))}, monday)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	runner := jobs.NewRunner(st, clk, slog.New(slog.DiscardHandler), svc.Handlers())
	steps := []time.Time{due.Add(time.Minute)}
	if !together {
		steps = []time.Time{due} // the reminders, and the stale timer
		for _, at := range dues {
			if at.Before(due.Add(time.Minute)) {
				steps = append(steps, at)
			}
		}
	}
	fired := 0
	for _, at := range steps {
		clk.Set(at)
		n, err := runner.RunDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !together && at.After(due) && n != 1 {
			t.Errorf("at %s: fired %d timers, want 1 (one at a time)", at.Format(time.TimeOnly), n)
		}
		fired += n
	}
	if rep := must(svc.Verify(ctx, 0, nil)); len(rep.Faults) > 0 {
		t.Errorf("verify: %v", rep.Faults)
	}
	var b strings.Builder
	for _, id := range []int64{c1, c2, c3, c4, c5} {
		c := must(svc.Case(ctx, sys, id))
		fmt.Fprintf(&b, "case %d owner %d rung %d flags %v\n", id, c.OwnerID, c.Rung, c.Flags)
		for _, e := range must(svc.Record(ctx, sys, id)) {
			fmt.Fprintf(&b, "case %d entry %d %s %s:%d internal=%v %q %s %s\n", id, e.Seq, e.Kind, e.Actor.Kind, e.Actor.ID, e.Internal, e.Body, e.Data, e.Hash)
		}
		res := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) (string, error) {
			var out []string
			ps, err := tx.Promises(ctx, store.PromiseFilter{CaseID: id})
			for _, p := range ps {
				out = append(out, fmt.Sprintf("case %d promise %d %s owner %d done %v", id, p.ID, p.State, p.OwnerID, p.DoneAt))
			}
			if err != nil {
				return "", err
			}
			parts, err := tx.Participants(ctx, id)
			var who []string
			for _, p := range parts {
				who = append(who, fmt.Sprintf("%s:%d", p.Kind, p.PersonID))
			}
			slices.Sort(who)
			out = append(out, fmt.Sprintf("case %d participants %s", id, strings.Join(who, ",")))
			tms, err2 := tx.PendingTimers(ctx, id)
			for _, tm := range tms {
				out = append(out, fmt.Sprintf("case %d timer %s ref %d due %s", id, tm.Kind, tm.RefID, tm.DueAt))
			}
			return strings.Join(out, "\n"), errorsJoin(err, err2)
		})
		b.WriteString(res + "\n")
	}
	for _, a := range []desk.Agent{head, lead, ann, bob} {
		for _, n := range must(svc.Notifications(ctx, desk.AgentActor(a))) {
			fmt.Fprintf(&b, "agent %d %s %s\n", a.ID, n.Kind, n.Body)
		}
	}
	return b.String(), fired
}

func errorsJoin(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
