package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestInbox checks the inbox order (what falls due next first: the earlier of an open promise
// and a response target; nothing due last, newest update first) and what narrows it.
func TestInbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := context.Background()
		ann, cust, _ := seed(t, st) // ann (team Billing) owns the seeded case, which has nothing due
		var bob, eve desk.Agent
		ids := map[string]int64{}
		err := st.Write(ctx, func(tx *store.Tx) error {
			billing, err := tx.EnsureTeam(ctx, "Billing", t0)
			if err != nil {
				return err
			}
			repairs, err := tx.EnsureTeam(ctx, "Repairs", t0)
			if err != nil {
				return err
			}
			bob = desk.Agent{Name: "Bob Bee", Email: "bob@example.ee", Role: desk.RoleAgent, TeamID: billing, Timezone: "UTC", Hours: desk.DefaultHours(), Active: true, CreatedAt: t0}
			eve = desk.Agent{Name: "Eve Ek", Email: "eve@example.ee", Role: desk.RoleAgent, TeamID: repairs, Timezone: "UTC", Hours: desk.DefaultHours(), Active: true, CreatedAt: t0}
			for _, a := range []*desk.Agent{&bob, &eve} {
				if err := tx.InsertAgent(ctx, a); err != nil {
					return err
				}
			}
			newCase := func(name string, owner int64, status desk.Status, updated time.Duration, rung int) (int64, error) {
				c := desk.Case{CustomerID: cust.ID, Subject: name, Status: status, OwnerID: owner, Rung: rung, Channel: "email",
					OriginalRequest: name, Flags: []string{"f_" + name}, CreatedAt: t0, UpdatedAt: t0.Add(updated)}
				err := tx.InsertCase(ctx, &c)
				ids[name] = c.ID
				return c.ID, err
			}
			promise := func(caseID int64, due time.Duration, state desk.PromiseState) error {
				return tx.InsertPromise(ctx, &desk.Promise{CaseID: caseID, Kind: desk.PromiseCallback, Words: "I will call", DueAt: t0.Add(due),
					State: state, MakerID: ann.ID, OwnerID: ann.ID, CreatedAt: t0})
			}
			response := func(caseID int64, due time.Duration) error {
				_, err := tx.AddTimer(ctx, store.Timer{Kind: "response_due", DueAt: t0.Add(due), CaseID: caseID, RefID: caseID}, t0)
				return err
			}
			steps := []func() error{
				func() error {
					id, err := newCase("promise2h", ann.ID, desk.StatusOpen, time.Minute, 0)
					must(err)
					return promise(id, 2*time.Hour, desk.PromiseOpen)
				},
				func() error {
					id, err := newCase("response1h", ann.ID, desk.StatusOpen, time.Minute, 1)
					must(err)
					must(promise(id, -time.Hour, desk.PromiseKept)) // kept: not due any more
					return response(id, time.Hour)
				},
				func() error {
					id, err := newCase("both", ann.ID, desk.StatusOpen, time.Minute, 0)
					must(err)
					must(promise(id, 3*time.Hour, desk.PromiseOpen))
					must(promise(id, 4*time.Hour, desk.PromiseOpen))
					return response(id, 30*time.Minute)
				},
				func() error { _, err := newCase("idleNew", ann.ID, desk.StatusOpen, 10*time.Minute, 0); return err },
				func() error { _, err := newCase("idleOld", ann.ID, desk.StatusOpen, 5*time.Minute, 0); return err },
				func() error {
					id, err := newCase("closed", ann.ID, desk.StatusClosed, time.Minute, 0)
					must(err)
					return promise(id, time.Minute, desk.PromiseOpen)
				},
				func() error { _, err := newCase("otherTimer", ann.ID, desk.StatusOpen, 2*time.Minute, 0); return err },
				func() error {
					id, err := newCase("bobOverdue", bob.ID, desk.StatusOpen, time.Minute, 2)
					must(err)
					return promise(id, -time.Hour, desk.PromiseOpen)
				},
				func() error { _, err := newCase("eve", eve.ID, desk.StatusOpen, time.Minute, 0); return err },
			}
			for _, step := range steps {
				if err := step(); err != nil {
					return err
				}
			}
			// A timer of another kind is not a response target.
			_, err = tx.AddTimer(ctx, store.Timer{Kind: "resolution_wait", DueAt: t0, CaseID: ids["otherTimer"], RefID: ids["otherTimer"]}, t0)
			return err
		})
		if err != nil {
			t.Fatalf("seed inbox: %v", err)
		}
		names := func(rows []store.InboxRow) []string {
			byID := map[int64]string{}
			for n, id := range ids {
				byID[id] = n
			}
			out := []string{}
			for _, r := range rows {
				n, ok := byID[r.CaseID]
				if !ok {
					n = "seeded"
				}
				out = append(out, n)
			}
			return out
		}
		inbox := func(f store.InboxFilter) []store.InboxRow {
			return storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) ([]store.InboxRow, error) { return tx.Inbox(ctx, f) })
		}

		rows := inbox(store.InboxFilter{OwnerID: ann.ID})
		want := []string{"both", "response1h", "promise2h", "idleNew", "idleOld", "otherTimer", "seeded"}
		if got := names(rows); !reflect.DeepEqual(got, want) {
			t.Fatalf("ann's inbox = %v, want %v", got, want)
		}
		both := rows[0]
		if both.NextDueKind != store.DueResponse || !both.NextDue.Equal(t0.Add(30*time.Minute)) || both.CustomerName != cust.Name ||
			both.Ref != desk.CaseRef(both.CaseID) || both.Status != desk.StatusOpen || both.OwnerID != ann.ID || !reflect.DeepEqual(both.Flags, []string{"f_both"}) ||
			!both.UpdatedAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("first row = %+v", both)
		}
		if r := rows[1]; !r.Escalated() || r.NextDueKind != store.DueResponse || r.Overdue(t0) || !r.Overdue(t0.Add(2*time.Hour)) {
			t.Errorf("response row = %+v (escalated %v)", r, r.Escalated())
		}
		if r := rows[2]; r.NextDueKind != store.DuePromise || !r.NextDue.Equal(t0.Add(2*time.Hour)) || r.Escalated() {
			t.Errorf("promise row = %+v", r)
		}
		if r := rows[3]; r.NextDueKind != "" || !r.NextDue.IsZero() || r.Overdue(t0.Add(1000*time.Hour)) {
			t.Errorf("idle row = %+v", r)
		}

		team := inbox(store.InboxFilter{TeamID: ann.TeamID, Limit: 3})
		if got, want := names(team), []string{"bobOverdue", "both", "response1h"}; !reflect.DeepEqual(got, want) {
			t.Errorf("Billing's inbox = %v, want %v", got, want)
		}
		if !team[0].Overdue(t0) || team[0].Rung != 2 {
			t.Errorf("overdue row = %+v", team[0])
		}
		closed := inbox(store.InboxFilter{OwnerID: ann.ID, Statuses: []desk.Status{desk.StatusClosed}})
		if got, want := names(closed), []string{"closed"}; !reflect.DeepEqual(got, want) {
			t.Errorf("ann's closed = %v, want %v", got, want)
		}
		if got := names(inbox(store.InboxFilter{OwnerID: eve.ID, TeamID: ann.TeamID})); len(got) != 0 {
			t.Errorf("eve within Billing = %v, want none", got)
		}
		if got := names(inbox(store.InboxFilter{OwnerID: ann.ID, PartnerID: 99})); len(got) != 0 {
			t.Errorf("ann's cases of partner 99 = %v, want none", got)
		}
	})
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
