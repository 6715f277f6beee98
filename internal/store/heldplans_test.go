package store_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestHeldWritesByKeyWithoutStatistics: the held writes (pending.go) join the rows a command
// gives with the table they change. SQLite plans them with guesses on a desk it has gathered no
// statistics for (every desk that was neither imported nor bulk-loaded), and its guesses walked
// every pending timer of the desk (the index on state) for a cancel of two timers, and every
// open promise for a hand-over of two cases: writes that grew with the desk, on the one writer.
// Each held write, given two rows, must find its rows by their keys whatever the statistics.
// TestHeldWritesSearchByKey is PostgreSQL's.
func TestHeldWritesByKeyWithoutStatistics(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, "sqlite")
	a, cu, c1 := seed(t, st)
	c2 := desk.Case{CustomerID: cu.ID, Subject: "Second", Status: desk.StatusOpen, OwnerID: a.ID, Channel: "email", Flags: []string{}, CreatedAt: t0, UpdatedAt: t0}
	b := desk.Agent{Name: "Bo Berg", Email: "bo@example.ee", Role: desk.RoleAgent, Timezone: "Europe/Tallinn", Hours: desk.DefaultHours(), Active: true, CreatedAt: t0}
	err := st.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertAgent(ctx, &b); err != nil {
			return err
		}
		return tx.InsertCase(ctx, &c2)
	})
	if err != nil {
		t.Fatal(err)
	}
	type traced struct {
		q    string
		args []any
	}
	var held []traced
	st.TraceStatements(func(q string, args []any) { held = append(held, traced{q, args}) })
	err = st.Write(ctx, func(tx *store.Tx) error {
		due := t0.Add(time.Hour)
		for _, c := range []desk.Case{c1, c2} {
			if err := tx.HoldTimer(ctx, store.Timer{Kind: "promise_due", DueAt: due, CaseID: c.ID, RefID: c.ID}, t0); err != nil {
				return err
			}
		}
		if err := tx.Flush(ctx); err != nil {
			return err
		}
		// Not held, but of the same kind: an absence changed reads the timers of one kind.
		if _, err := tx.PendingTimersOfKind(ctx, "promise_due"); err != nil {
			return err
		}
		if err := tx.CancelTimers(ctx, store.TimerRef{Kind: "promise_due", RefID: c1.ID}, store.TimerRef{Kind: "promise_reminder", RefID: c2.ID}); err != nil {
			return err
		}
		for i, c := range []desk.Case{c1, c2} {
			if err := tx.ReassignOpenPromises(ctx, c.ID, a.ID, b.ID); err != nil {
				return err
			}
			if err := tx.SavePromise(ctx, desk.Promise{ID: int64(i + 1), CaseID: c.ID, OwnerID: a.ID, State: desk.PromiseOpen, DueAt: due}); err != nil {
				return err
			}
			if err := tx.SetMailEntry(ctx, int64(i+1), c.ID, 1); err != nil {
				return err
			}
			loaded, err := tx.Case(ctx, c.ID)
			if err != nil {
				return err
			}
			loaded.Status, loaded.UpdatedAt = desk.StatusAwaitingConfirmation, t0.Add(time.Minute)
			if err := tx.SaveCase(ctx, loaded); err != nil {
				return err
			}
		}
		return tx.Flush(ctx)
	})
	st.TraceStatements(nil)
	if err != nil {
		t.Fatal(err)
	}
	// A step that reads a table the desk grows in must find its rows by a key: not scan the
	// table, nor walk an index by state alone (a state is one of a few values).
	growing := `(timers|promises|cases|mails|entries|participants|notifications|outbox|inbound_keys|events)`
	scan := regexp.MustCompile(`^SCAN ` + growing + `\b`)
	byState := regexp.MustCompile(`^SEARCH \w+ USING (COVERING )?INDEX \w+ \(state=\?\)`)
	writes := regexp.MustCompile(`^\s*(UPDATE|DELETE FROM|INSERT INTO) (\w+)`)
	tables := map[string]bool{}
	for _, h := range held {
		plan, err := st.PlanOf(ctx, h.q, h.args...)
		if err != nil {
			t.Fatalf("plan of %s: %v", h.q, err)
		}
		for _, line := range strings.Split(plan, "\n") {
			if step := strings.TrimSpace(line); scan.MatchString(step) || byState.MatchString(step) {
				t.Errorf("%s\n  plan: %s", h.q, strings.ReplaceAll(plan, "\n", "; "))
				break
			}
		}
		if m := writes.FindStringSubmatch(h.q); m != nil {
			tables[m[2]] = true
		}
	}
	// The scenario must have made the writes it is about.
	for _, want := range []string{"timers", "promises", "mails", "cases"} {
		if !tables[want] {
			t.Errorf("no held write to %s was traced (traced: %v)", want, tables)
		}
	}
}
