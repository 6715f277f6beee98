package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestBatchOfManyRows: a batch larger than SQLite's largest chunk (101 rows: 64 + 32 + 4 + 1)
// stores every entry with its own id, body and internal flag in order, and a list of 101 ids
// finds exactly the rows that exist.
func TestBatchOfManyRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		_, cu, c := seed(t, st)
		ctx := context.Background()
		var stored []desk.Entry
		err := st.Write(ctx, func(tx *store.Tx) error {
			var err error
			if c, err = tx.Case(ctx, c.ID); err != nil { // a case is saved where it was loaded
				return err
			}
			var drafts []desk.Draft
			for i := range 101 {
				drafts = append(drafts, desk.Draft{Kind: desk.KindCall, Actor: desk.Actor{Kind: desk.ActorCustomer, ID: cu.ID, Name: "Mari Kask"},
					Internal: i%2 == 0, Channel: "phone", Body: fmt.Sprintf("entry %d", i),
					Data: desk.CallData{At: desk.InstantOf(t0), Direction: "inbound", DurationS: i}})
			}
			stored, err = desk.Chain(&c, drafts, t0.Add(time.Minute))
			if err != nil {
				return err
			}
			if err := tx.AppendEntries(ctx, stored); err != nil {
				return err
			}
			return tx.SaveCase(ctx, c)
		})
		if err != nil {
			t.Fatal(err)
		}
		got := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) ([]desk.Entry, error) { return tx.Entries(ctx, c.ID) })
		if len(got) != len(stored) {
			t.Fatalf("%d entries read, %d stored", len(got), len(stored))
		}
		for i, e := range got {
			want := stored[i]
			if e.ID == 0 || e.ID != want.ID || e.Seq != want.Seq || e.Body != want.Body || e.Internal != want.Internal || e.Hash != want.Hash {
				t.Fatalf("entry %d read as id %d seq %d %q internal %v, stored as id %d seq %d %q internal %v", i,
					e.ID, e.Seq, e.Body, e.Internal, want.ID, want.Seq, want.Body, want.Internal)
			}
		}
		ids := []int64{c.ID}
		for i := range 100 {
			ids = append(ids, c.ID+1000+int64(i))
		}
		cases := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) (map[int64]desk.Case, error) {
			return tx.CasesForUpdate(ctx, ids)
		})
		if len(cases) != 1 || cases[c.ID].LastSeq != c.LastSeq {
			t.Errorf("101 ids found %d cases (%v), want case %d at seq %d", len(cases), cases, c.ID, c.LastSeq)
		}
	})
}
