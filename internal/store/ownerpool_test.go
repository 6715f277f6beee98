package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestOwnerPools checks that an owner pool read once gives, later in the same transaction, what
// a pool read afresh gives: the same agents, open counts kept with the transaction's own changes
// (cases opened, closed, given to others, a savepoint rolled back), and absences that keep new
// cases away exactly as a fresh pool's do, at times on either side of absences starting and
// ending, while the pool holds.
func TestOwnerPools(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := context.Background()
		ann, cust, seeded := seed(t, st)
		h := time.Hour
		err := st.Write(ctx, func(tx *store.Tx) error {
			agent := func(name string, role desk.Role, active bool) desk.Agent {
				a := desk.Agent{Name: name, Email: name + "@example.ee", Role: role, TeamID: ann.TeamID, Timezone: "UTC", Hours: desk.DefaultHours(), Active: active, CreatedAt: t0}
				if err := tx.InsertAgent(ctx, &a); err != nil {
					t.Fatal(err)
				}
				return a
			}
			away := func(a desk.Agent, kind desk.AbsenceKind, from, to time.Time) {
				if err := tx.InsertAbsence(ctx, &desk.Absence{AgentID: a.ID, Kind: kind, From: from, To: to, CreatedAt: t0}); err != nil {
					t.Fatal(err)
				}
			}
			bob, cid, dan := agent("bob", desk.RoleAgent, true), agent("cid", desk.RoleLead, true), agent("dan", desk.RoleAgent, true)
			agent("eve", desk.RolePartner, true)
			agent("fay", desk.RoleAgent, false)
			away(bob, "leave", t0.Add(2*h), t0.Add(50*h))            // within the next day from the start
			away(cid, "sick", t0.Add(-48*h), t0.Add(30*time.Minute)) // back half an hour in
			away(dan, desk.AbsenceBreak, t0, t0.Add(5*h))            // not leave or sickness
			away(dan, "leave", t0.Add(-10*h), t0.Add(-2*h))          // over before the pool
			away(ann, "leave", t0.Add(24*h+10*time.Minute), t0.Add(40*h))
			away(dan, "sick", t0.Add(40*h), t0.Add(60*h)) // only past what a pool read at t0 holds
			// Another team's agent with open cases, and a team with nobody: a team's pool reads
			// only its own candidates' counts.
			sales, err := tx.EnsureTeam(ctx, "Sales", t0)
			if err != nil {
				return err
			}
			gus := desk.Agent{Name: "gus", Email: "gus@example.ee", Role: desk.RoleAgent, TeamID: sales, Timezone: "UTC", Hours: desk.DefaultHours(), Active: true, CreatedAt: t0}
			if err := tx.InsertAgent(ctx, &gus); err != nil {
				return err
			}
			empty, err := tx.EnsureTeam(ctx, "Nobody", t0)
			if err != nil {
				return err
			}
			pool, err := tx.OwnerPool(ctx, 0, t0)
			if err != nil {
				return err
			}
			salesPool, err := tx.OwnerPool(ctx, sales, t0)
			if err != nil {
				return err
			}
			emptyPool, err := tx.OwnerPool(ctx, empty, t0)
			if err != nil {
				return err
			}
			team, err := tx.OwnerPool(ctx, ann.TeamID, t0)
			if err != nil {
				return err
			}
			check := func(step string, now time.Time) {
				t.Helper()
				for _, tc := range []struct {
					p      *store.OwnerPool
					teamID int64
				}{{&pool, 0}, {&team, ann.TeamID}, {&salesPool, sales}, {&emptyPool, empty}} {
					if !tc.p.Holds(now) {
						continue // the service reads a new pool
					}
					fresh, err := tx.OwnerPool(ctx, tc.teamID, now)
					if err != nil {
						t.Fatal(err)
					}
					want, err := tx.OpenCounts(ctx, &fresh)
					if err != nil {
						t.Fatal(err)
					}
					got, err := tx.OpenCounts(ctx, tc.p)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(tc.p.Agents, fresh.Agents) {
						t.Errorf("%s, team %d: agents %+v, afresh %+v", step, tc.teamID, tc.p.Agents, fresh.Agents)
					}
					for _, a := range fresh.Agents {
						if got[a.ID] != want[a.ID] {
							t.Errorf("%s, team %d: agent %d has %d open cases in the pool, %d afresh", step, tc.teamID, a.ID, got[a.ID], want[a.ID])
						}
						if g, w := desk.AwayForNewCases(tc.p.Absences[a.ID], now), desk.AwayForNewCases(fresh.Absences[a.ID], now); g != w {
							t.Errorf("%s, team %d: agent %d away %v in the pool, %v afresh", step, tc.teamID, a.ID, g, w)
						}
					}
				}
			}
			check("at first", t0)
			for i, owner := range []int64{bob.ID, gus.ID, bob.ID, dan.ID, gus.ID} {
				c := desk.Case{CustomerID: cust.ID, Subject: "s", Status: desk.StatusOpen, TeamID: ann.TeamID, OwnerID: owner, Channel: "email",
					OriginalRequest: "r", Flags: []string{}, CreatedAt: t0, UpdatedAt: t0}
				if err := tx.InsertCase(ctx, &c); err != nil {
					return err
				}
				check("after a case opened", t0.Add(time.Duration(i)*time.Second))
			}
			// The pools keep the counts they read, with the transaction's own changes: cases
			// saved after loading them (closed, given to another owner, reopened), several saved
			// at once, a savepoint rolled back.
			opened := func(owner int64) desk.Case {
				c := desk.Case{CustomerID: cust.ID, Subject: "s", Status: desk.StatusOpen, TeamID: ann.TeamID, OwnerID: owner, Channel: "email",
					OriginalRequest: "r", Flags: []string{}, CreatedAt: t0, UpdatedAt: t0}
				if err := tx.InsertCase(ctx, &c); err != nil {
					t.Fatal(err)
				}
				return c
			}
			save := func(step string, c desk.Case) {
				t.Helper()
				if err := tx.SaveCase(ctx, c); err != nil {
					t.Fatal(err)
				}
				check(step, t0.Add(2*time.Second))
			}
			c := opened(bob.ID)
			check("another case opened", t0.Add(2*time.Second))
			c, err = tx.Case(ctx, c.ID)
			if err != nil {
				return err
			}
			c.Status = desk.StatusClosed
			save("bob's case closed", c)
			c.OwnerID = dan.ID
			save("a closed case given to dan", c)
			c.Status = desk.StatusAwaitingConfirmation
			save("dan's case awaiting confirmation", c)
			c.OwnerID = gus.ID
			save("dan's case given to gus", c)
			c.Subject = "t"
			save("gus's case renamed", c)
			if seeded, err = tx.Case(ctx, seeded.ID); err != nil {
				return err
			}
			seeded.OwnerID, seeded.Status = bob.ID, desk.StatusOpen
			save("the seeded case given to bob", seeded)
			seeded.Status = desk.StatusClosed
			save("and closed", seeded)
			d := opened(dan.ID)
			d.UpdatedAt = t0
			seeded.Status, seeded.UpdatedAt = desk.StatusOpen, t0
			d.Status = desk.StatusClosed
			if err := tx.SaveCase(ctx, d); err != nil {
				return err
			}
			if err := tx.SaveCase(ctx, seeded); err != nil {
				return err
			}
			check("a batch saved", t0.Add(2*time.Second))
			ferr, err := tx.Savepoint(ctx, func() error {
				opened(gus.ID)
				e := opened(dan.ID)
				e.Status = desk.StatusClosed
				if err := tx.SaveCase(ctx, e); err != nil {
					return err
				}
				check("in a savepoint", t0.Add(2*time.Second))
				return errors.New("undone")
			})
			if err != nil || ferr == nil {
				return fmt.Errorf("savepoint: %v, %v", ferr, err)
			}
			check("a savepoint rolled back", t0.Add(2*time.Second))
			opened(dan.ID)
			check("after it, a case opened", t0.Add(2*time.Second))
			check("cid back", t0.Add(31*time.Minute))
			check("ann's leave starts within the day", t0.Add(11*time.Minute))
			check("just before ann's leave is within the day", t0.Add(9*time.Minute))
			if pool.Holds(t0.Add(30 * h)) {
				t.Error("a pool read at the start holds a day later")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestOwnerPoolKept checks that a team's owner pool is kept between transactions, read again
// (one statement instead of three) only after agents, teams or absences were written, and that
// a write rolled back leaves nothing of itself in the pool kept.
func TestOwnerPoolKept(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := context.Background()
		ann, _, _ := seed(t, st)
		// pool reads the team's pool in a transaction of its own, with the statements it ran.
		pool := func(at time.Time) (store.OwnerPool, int64) {
			t.Helper()
			var p store.OwnerPool
			before := st.Statements()
			err := st.Write(ctx, func(tx *store.Tx) error {
				var err error
				p, err = tx.OwnerPool(ctx, ann.TeamID, at)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return p, st.Statements() - before
		}
		write := func(fn func(tx *store.Tx) error) {
			t.Helper()
			if err := st.Write(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		first, _ := pool(t0)
		if len(first.Agents) != 1 || len(first.Absences) != 0 {
			t.Fatalf("first pool: %d agents, %d with absences; want 1 and 0", len(first.Agents), len(first.Absences))
		}
		if p, n := pool(t0.Add(time.Minute)); n != 1 || !reflect.DeepEqual(p.Agents, first.Agents) {
			t.Errorf("nothing written: %d statements, agents %v; want 1 (the stamp) and the same agents", n, p.Agents)
		}

		// An absence booked: the next pool has it.
		write(func(tx *store.Tx) error {
			return tx.InsertAbsence(ctx, &desk.Absence{AgentID: ann.ID, Kind: "sick", From: t0, To: t0.Add(8 * time.Hour), CreatedAt: t0})
		})
		p, n := pool(t0.Add(2 * time.Minute))
		if n < 3 || len(p.Absences[ann.ID]) != 1 {
			t.Errorf("after an absence: %d statements, absences %v; want the pool read again with it", n, p.Absences)
		}

		// An agent added to the team, in a transaction that reads the pool and then rolls back:
		// the pool kept must not keep the agent that never was.
		rolledBack := errors.New("roll back")
		err := st.Write(ctx, func(tx *store.Tx) error {
			bo := desk.Agent{Name: "Bo", Email: "bo@example.ee", Role: desk.RoleAgent, TeamID: ann.TeamID, Timezone: "UTC", Hours: desk.DefaultHours(), Active: true, CreatedAt: t0}
			if err := tx.InsertAgent(ctx, &bo); err != nil {
				return err
			}
			p, err := tx.OwnerPool(ctx, ann.TeamID, t0.Add(3*time.Minute))
			if err != nil {
				return err
			}
			if len(p.Agents) != 2 {
				t.Errorf("in the transaction that added Bo: %d agents, want 2", len(p.Agents))
			}
			return rolledBack
		})
		if !errors.Is(err, rolledBack) {
			t.Fatal(err)
		}
		if p, _ := pool(t0.Add(4 * time.Minute)); len(p.Agents) != 1 {
			t.Errorf("after the rollback: %d agents in the pool, want 1", len(p.Agents))
		}

		// The agent changed (made inactive): seen at once.
		write(func(tx *store.Tx) error { return tx.SetAgentActive(ctx, ann.ID, false) })
		if p, _ := pool(t0.Add(5 * time.Minute)); len(p.Agents) != 1 || p.Agents[0].Active {
			t.Errorf("after making Ann inactive: %+v", p.Agents)
		}

		// A pool no longer holding at a later time is read again though nothing changed.
		if _, n := pool(t0.Add(3 * time.Hour)); n < 3 {
			t.Errorf("three hours later: %d statements, want the pool read again", n)
		}
	})
}

// TestEnsureTeamKeepsThePoolStamp: asking for a team that exists writes nothing, so the owner
// pools kept stay kept (on PostgreSQL a statement trigger fires even for an INSERT that adds no
// row, and an import asks for its teams every batch).
func TestEnsureTeamKeepsThePoolStamp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := context.Background()
		ann, _, _ := seed(t, st)
		stamp := func() int64 {
			t.Helper()
			s, err := st.PoolStamp(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		before := stamp()
		err := st.Write(ctx, func(tx *store.Tx) error {
			id, err := tx.EnsureTeam(ctx, "Billing", t0)
			if err == nil && id != ann.TeamID {
				t.Errorf("EnsureTeam of an existing team: %d, want %d", id, ann.TeamID)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if after := stamp(); after != before {
			t.Errorf("asking for an existing team moved the pools' stamp %d → %d", before, after)
		}
	})
}
