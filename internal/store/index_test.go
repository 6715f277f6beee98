package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestIndexUndoneWithItsWrites checks that a text indexed in a savepoint that is rolled back,
// or in a transaction that is, cannot be found, by its words or by its references, while
// the texts indexed before, after and in released savepoints of the same transaction can
// once it has committed (Index writes a transaction's texts only then).
func TestIndexUndoneWithItsWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := context.Background()
		_, cu, c := seed(t, st)
		doc := func(entry int64, word, ref string) store.SearchDoc {
			return store.SearchDoc{CaseID: c.ID, CustomerID: cu.ID, EntryID: entry, Words: []string{word, "common"}, Refs: []string{ref}}
		}
		failed := errors.New("command failed")
		err := st.Write(ctx, func(tx *store.Tx) error {
			if err := tx.Index(ctx, doc(1, "before", "ref-before")); err != nil {
				return err
			}
			// Written at commit: a search in the same transaction does not see it yet (no
			// command searches inside a write; searches run in ReadLoose).
			if hits, err := tx.SearchWords(ctx, []string{"before"}, store.SearchFilter{}, 10); err != nil || len(hits) != 0 {
				t.Errorf("search before the commit: %v, %v; want nothing yet", hits, err)
			}
			fnErr, txErr := tx.Savepoint(ctx, func() error {
				if err := tx.Index(ctx, doc(2, "undone", "ref-undone")); err != nil {
					return err
				}
				// A savepoint inside a savepoint that is rolled back, released itself.
				if _, txErr := tx.Savepoint(ctx, func() error { return tx.Index(ctx, doc(3, "inner", "ref-inner")) }); txErr != nil {
					return txErr
				}
				return failed
			})
			if txErr != nil || !errors.Is(fnErr, failed) {
				t.Fatalf("savepoint: %v, %v", fnErr, txErr)
			}
			if _, txErr := tx.Savepoint(ctx, func() error { return tx.Index(ctx, doc(4, "kept", "ref-kept")) }); txErr != nil {
				return txErr
			}
			return tx.Index(ctx, doc(5, "after", "ref-after"))
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Write(ctx, func(tx *store.Tx) error {
			if err := tx.Index(ctx, doc(6, "rolledback", "ref-rolledback")); err != nil {
				return err
			}
			return failed
		}); !errors.Is(err, failed) {
			t.Fatalf("rolled back write: %v", err)
		}

		hits := func(entries ...int64) []store.Hit {
			var out []store.Hit
			for _, e := range entries {
				out = append(out, store.Hit{CaseID: c.ID, EntryID: e})
			}
			return out
		}
		want := map[string][]store.Hit{"before": hits(1), "kept": hits(4), "after": hits(5), "undone": nil, "inner": nil, "rolledback": nil,
			"common": hits(5, 4, 1)}
		for word, w := range want {
			got := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) ([]store.Hit, error) {
				return tx.SearchWords(ctx, []string{word}, store.SearchFilter{}, 10)
			})
			if !reflect.DeepEqual(got, w) {
				t.Errorf("word %q: %v, want %v", word, got, w)
			}
			// Within the case too: SQLite reads the case's list of its texts for this.
			got = storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) ([]store.Hit, error) {
				return tx.SearchWords(ctx, []string{word}, store.SearchFilter{CaseIDs: []int64{c.ID}}, 10)
			})
			if !reflect.DeepEqual(got, w) {
				t.Errorf("word %q within the case: %v, want %v", word, got, w)
			}
			got = storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) ([]store.Hit, error) {
				return tx.SearchRefs(ctx, []string{"ref-" + word}, store.SearchFilter{}, 10)
			})
			if word != "common" && !reflect.DeepEqual(got, w) {
				t.Errorf("reference %q: %v, want %v", "ref-"+word, got, w)
			}
		}
	})
}

// TestIndexManyTextsInOneTransaction checks that the texts a transaction indexes, many of
// them with the same references, are all found after it commits, and that texts indexed by later transactions follow them, newest first.
func TestIndexManyTextsInOneTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := context.Background()
		_, cu, c := seed(t, st)
		write := func(first, n int64) {
			t.Helper()
			err := st.Write(ctx, func(tx *store.Tx) error {
				for e := first; e < first+n; e++ {
					d := store.SearchDoc{CaseID: c.ID, CustomerID: cu.ID, EntryID: e, Internal: e%2 == 0,
						Words: []string{"parcel", "parcel", "it's \"quoted\"", "ünïcode"}, Refs: []string{"ord-1", "ord-1", "ord-2"}}
					if err := tx.Index(ctx, d); err != nil {
						return err
					}
					// The same reference of the same text, indexed twice.
					if err := tx.Index(ctx, store.SearchDoc{CaseID: c.ID, CustomerID: cu.ID, EntryID: e, Refs: []string{"ord-2"}}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		write(1, 300)
		write(301, 3)
		var want []store.Hit
		for e := int64(303); e >= 1; e-- {
			want = append(want, store.Hit{CaseID: c.ID, EntryID: e})
		}
		for _, words := range [][]string{{"parcel"}, {"ünïcode"}, {"it's \"quoted\""}} {
			for _, f := range []store.SearchFilter{{}, {CaseIDs: []int64{c.ID}}} {
				got := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) ([]store.Hit, error) {
					return tx.SearchWords(ctx, words, f, 1000)
				})
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%q %+v: %d hits (first %v), want %d", words, f, len(got), got[:min(3, len(got))], len(want))
				}
			}
		}
		public := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) ([]store.Hit, error) {
			return tx.SearchWords(ctx, []string{"parcel"}, store.SearchFilter{PublicOnly: true}, 1000)
		})
		if len(public) != 152 {
			t.Errorf("public texts: %d, want 152", len(public))
		}
		for _, ref := range []string{"ord-1", "ord-2"} {
			got := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) ([]store.Hit, error) {
				return tx.SearchRefs(ctx, []string{ref}, store.SearchFilter{}, 1000)
			})
			if want := []store.Hit{{CaseID: c.ID, EntryID: 303}}; !reflect.DeepEqual(got, want) {
				t.Errorf("reference %s: %v, want %v", ref, got, want)
			}
		}
	})
}
