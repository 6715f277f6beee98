package store_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestAppendEntriesIDs appends several entries per statement (and more than one statement's
// worth at once): each entry gets the id of its own row.
func TestAppendEntriesIDs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		_, _, c := seed(t, st)
		for _, n := range []int{1, 3, 150} {
			bodies := make([]string, n)
			for i := range bodies {
				bodies[i] = fmt.Sprintf("text %d of %d", i, n)
			}
			written := appendEntries(t, st, c.ID, bodies...)
			stored := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) (map[int64]desk.Entry, error) {
				ids := make([]int64, len(written))
				for i, e := range written {
					ids[i] = e.ID
				}
				return tx.EntriesByID(ctx, ids)
			})
			for _, e := range written {
				if got := stored[e.ID]; got.Seq != e.Seq || got.Body != e.Body || got.Hash != e.Hash {
					t.Errorf("%d entries: entry seq %d got id %d, which holds seq %d %q", n, e.Seq, e.ID, got.Seq, got.Body)
				}
			}
		}
	})
}

// TestAddParticipants adds several people in one go: each once, someone already there (or
// named twice) keeping their first date.
func TestAddParticipants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := context.Background()
		a, cu, c := seed(t, st)
		cust := desk.Participant{Kind: desk.ActorCustomer, PersonID: cu.ID, Name: cu.Name, Role: "customer", Since: t0}
		ann := desk.Participant{Kind: desk.ActorAgent, PersonID: a.ID, Name: a.Name, Role: "agent", Since: t0.Add(time.Minute)}
		later := ann
		later.Since = t0.Add(time.Hour)
		for _, ps := range [][]desk.Participant{{cust, ann, later}, {later, cust}, nil} {
			cps := make([]store.CaseParticipant, len(ps))
			for i, p := range ps {
				cps[i] = store.CaseParticipant{CaseID: c.ID, Participant: p}
			}
			if err := st.Write(ctx, func(tx *store.Tx) error { return tx.AddParticipants(ctx, cps...) }); err != nil {
				t.Fatal(err)
			}
		}
		got := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) ([]desk.Participant, error) { return tx.Participants(ctx, c.ID) })
		if want := []desk.Participant{cust, ann}; !reflect.DeepEqual(got, want) {
			t.Errorf("participants %+v, want %+v", got, want)
		}
	})
}

// TestInsertMailOnce stores a mail once per dedupe key: a retry stores nothing and says so.
func TestInsertMailOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := context.Background()
		insert := func(key string) (desk.ReceivedMail, bool) {
			m := desk.ReceivedMail{SHA256: "ab", Raw: []byte("raw " + key), MessageID: "<" + key + "@example.com>", From: "mari@example.ee", DedupeKey: key, ReceivedAt: t0}
			var ok bool
			err := st.Write(ctx, func(tx *store.Tx) error {
				var err error
				ok, err = tx.InsertMail(ctx, &m)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return m, ok
		}
		first, ok := insert("k1")
		if !ok || first.ID == 0 {
			t.Fatalf("first mail: stored %v, id %d", ok, first.ID)
		}
		if again, ok := insert("k1"); ok || again.ID != 0 {
			t.Errorf("retry: stored %v, id %d; want nothing stored", ok, again.ID)
		}
		if other, ok := insert("k2"); !ok || other.ID == first.ID {
			t.Errorf("another mail: stored %v, id %d", ok, other.ID)
		}
		id := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) (int64, error) {
			id, _, err := tx.MailByDedupeKey(ctx, "k1")
			return id, err
		})
		if id != first.ID {
			t.Errorf("k1 finds mail %d, want %d", id, first.ID)
		}
	})
}

// TestCustomerAt finds a customer by a contact point, whole, as Customer loads them.
func TestCustomerAt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		_, cu, _ := seed(t, st)
		type both struct{ at, byID desk.Customer }
		got := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) (both, error) {
			at, err := tx.CustomerAt(ctx, desk.Contact{Kind: "email", Value: "mari@example.ee"})
			if err != nil {
				return both{}, err
			}
			byID, err := tx.Customer(ctx, cu.ID)
			return both{at, byID}, err
		})
		if !reflect.DeepEqual(got.at, got.byID) || got.at.ID != cu.ID || len(got.at.References) != 1 || len(got.at.Contacts) != 1 {
			t.Errorf("CustomerAt %+v, Customer %+v", got.at, got.byID)
		}
		err := st.Read(context.Background(), func(tx *store.Tx) error {
			_, err := tx.CustomerAt(context.Background(), desk.Contact{Kind: "email", Value: "nobody@example.ee"})
			return err
		})
		if !store.IsNotFound(err) {
			t.Errorf("unknown address: %v, want not found", err)
		}
	})
}
