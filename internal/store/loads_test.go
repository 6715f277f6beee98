package store_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestOpenCounts checks that the open-case counts the store keeps for agents agree with counting
// the cases in the statuses the desk counts (desk.Status.CountsTowardLoad), through opening,
// closing, reopening and reassigning; and that a case saved without being loaded first is
// refused, since its owner's count could not follow.
func TestOpenCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := context.Background()
		ann, cust, first := seed(t, st)
		var bob desk.Agent
		check := func(step string) {
			t.Helper()
			type counts struct{ counted, kept map[int64]int }
			got := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) (counts, error) {
				var statuses []desk.Status
				for _, s := range desk.Statuses {
					if s.CountsTowardLoad() {
						statuses = append(statuses, s)
					}
				}
				counted, err := tx.CountCases(ctx, statuses)
				if err != nil {
					return counts{}, err
				}
				pool, err := tx.OwnerPool(ctx, 0, t0)
				if err != nil {
					return counts{}, err
				}
				kept, err := tx.OpenCounts(ctx, &pool)
				for id, n := range kept {
					if n == 0 {
						delete(kept, id) // an agent whose cases all closed keeps a row at 0
					}
				}
				return counts{counted, kept}, err
			})
			if !reflect.DeepEqual(got.counted, got.kept) {
				t.Errorf("%s: counted %v, kept %v", step, got.counted, got.kept)
			}
		}
		write := func(fn func(tx *store.Tx) error) {
			t.Helper()
			if err := st.Write(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		write(func(tx *store.Tx) error {
			bob = desk.Agent{Name: "Bob", Email: "bob@example.ee", Role: desk.RoleAgent, Timezone: "UTC", Hours: desk.DefaultHours(), Active: true, CreatedAt: t0}
			return tx.InsertAgent(ctx, &bob)
		})
		check("seeded")
		var ids []int64
		write(func(tx *store.Tx) error {
			for i, status := range []desk.Status{desk.StatusOpen, desk.StatusAwaitingConfirmation, desk.StatusClosed, desk.StatusQuarantined} {
				c := desk.Case{CustomerID: cust.ID, Subject: "s", Status: status, OwnerID: []int64{ann.ID, bob.ID}[i%2], Channel: "email",
					OriginalRequest: "r", Flags: []string{}, CreatedAt: t0, UpdatedAt: t0}
				if err := tx.InsertCase(ctx, &c); err != nil {
					return err
				}
				ids = append(ids, c.ID)
			}
			return nil
		})
		check("inserted")
		update := func(step string, id int64, change func(c *desk.Case)) {
			t.Helper()
			write(func(tx *store.Tx) error {
				c, err := tx.Case(ctx, id)
				if err != nil {
					return err
				}
				change(&c)
				return tx.SaveCase(ctx, c)
			})
			check(step)
		}
		update("closed", first.ID, func(c *desk.Case) { c.Status = desk.StatusClosed })
		update("reopened", first.ID, func(c *desk.Case) { c.Status = desk.StatusOpen })
		update("reassigned", first.ID, func(c *desk.Case) { c.OwnerID = bob.ID })
		update("reassigned and closed", ids[1], func(c *desk.Case) { c.OwnerID, c.Status = ann.ID, desk.StatusClosed })
		update("released", ids[3], func(c *desk.Case) { c.Status = desk.StatusOpen })
		update("unchanged", ids[0], func(c *desk.Case) { c.Subject = "new subject" })
		err := st.Write(ctx, func(tx *store.Tx) error {
			return tx.SaveCase(ctx, desk.Case{ID: first.ID, CustomerID: cust.ID, Status: desk.StatusClosed, OwnerID: ann.ID, Flags: []string{}})
		})
		if err == nil || !strings.Contains(err.Error(), "not loaded") {
			t.Errorf("a case saved without loading it: %v, want it refused", err)
		}
		check("after the refused save")
	})
}

// TestSearchNewestFirst checks the order search promises: the newest matching texts first,
// however common the word, also when narrowed to a customer or to some cases.
func TestSearchNewestFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := context.Background()
		_, cust, c := seed(t, st)
		// Texts 1..60 all say "parcel"; every fifth also says "broken".
		err := st.Write(ctx, func(tx *store.Tx) error {
			for i := int64(1); i <= 60; i++ {
				words := []string{"parcel", "late"}
				if i%5 == 0 {
					words = append(words, "broken")
				}
				if err := tx.Index(ctx, store.SearchDoc{CaseID: c.ID, CustomerID: cust.ID, EntryID: i, Words: words, Internal: i%10 == 0}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		search := func(words []string, f store.SearchFilter, limit int) []int64 {
			hits := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) ([]store.Hit, error) {
				return tx.SearchWords(ctx, words, f, limit)
			})
			var out []int64
			for _, h := range hits {
				out = append(out, h.EntryID)
			}
			return out
		}
		if got, want := search([]string{"parcel"}, store.SearchFilter{}, 4), []int64{60, 59, 58, 57}; !reflect.DeepEqual(got, want) {
			t.Errorf("parcel: %v, want %v", got, want)
		}
		if got, want := search([]string{"broken", "parcel"}, store.SearchFilter{}, 3), []int64{60, 55, 50}; !reflect.DeepEqual(got, want) {
			t.Errorf("broken parcel: %v, want %v", got, want)
		}
		if got, want := search([]string{"broken"}, store.SearchFilter{CustomerID: cust.ID, PublicOnly: true}, 3), []int64{55, 45, 35}; !reflect.DeepEqual(got, want) {
			t.Errorf("broken, the customer's public texts: %v, want %v", got, want)
		}
		if got, want := search([]string{"late"}, store.SearchFilter{CaseIDs: []int64{c.ID}}, 2), []int64{60, 59}; !reflect.DeepEqual(got, want) {
			t.Errorf("late in the case: %v, want %v", got, want)
		}
		if got := search([]string{"broken"}, store.SearchFilter{CustomerID: cust.ID + 1}, 3); len(got) != 0 {
			t.Errorf("another customer finds %v", got)
		}
		if got := search([]string{"nowhere"}, store.SearchFilter{}, 3); len(got) != 0 {
			t.Errorf("a word nobody wrote finds %v", got)
		}
	})
}
