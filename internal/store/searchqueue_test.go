package store_test

import (
	"context"
	"log/slog"
	"reflect"
	"testing"

	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestDeferredWordsQueuedUntilIndexed checks mail intake's deferred index (DeferWords): a
// text's references are found as soon as its transaction commits, its words only once
// IndexQueued has run; the queue survives the store being closed and opened again (a process
// killed before indexing), nothing rolled back is queued, and the texts of several queued
// transactions come out newest first, as if indexed at their commits.
func TestDeferredWordsQueuedUntilIndexed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		cfg := storetest.Config(t, backend)
		st, err := store.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatal(err)
		}
		_, cu, c := seed(t, st)
		deferred := func(entry int64, word, ref string, fail bool) {
			t.Helper()
			err := st.Write(ctx, func(tx *store.Tx) error {
				tx.DeferWords()
				if err := tx.Index(ctx, store.SearchDoc{CaseID: c.ID, CustomerID: cu.ID, EntryID: entry, Words: []string{word, "parcel"}, Refs: []string{ref}}); err != nil {
					return err
				}
				if fail {
					return context.Canceled
				}
				return nil
			})
			if (err != nil) != fail {
				t.Fatalf("write %d: %v", entry, err)
			}
		}
		deferred(1, "first", "ord-1", false)
		deferred(2, "second", "ord-2", false)
		deferred(3, "undone", "ord-3", true)
		words := func(st *store.Store, word string) []store.Hit {
			return storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) ([]store.Hit, error) {
				return tx.SearchWords(ctx, []string{word}, store.SearchFilter{}, 10)
			})
		}
		refs := func(st *store.Store, ref string) []store.Hit {
			return storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) ([]store.Hit, error) {
				return tx.SearchRefs(ctx, []string{ref}, store.SearchFilter{}, 10)
			})
		}
		hit := func(entries ...int64) []store.Hit {
			var out []store.Hit
			for _, e := range entries {
				out = append(out, store.Hit{CaseID: c.ID, EntryID: e})
			}
			return out
		}
		if got := refs(st, "ord-1"); !reflect.DeepEqual(got, hit(1)) {
			t.Errorf("reference of a committed text: %v, want it at once", got)
		}
		if got := words(st, "first"); len(got) != 0 {
			t.Errorf("words before indexing: %v, want none yet", got)
		}
		// Closed with its texts queued, as a killed process leaves them.
		st.Close()
		st, err = store.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		for _, skipLocked := range []bool{true, false} {
			var n int
			if err := st.Write(ctx, func(tx *store.Tx) error {
				n, err = tx.IndexQueued(ctx, 1, skipLocked)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Errorf("indexed %d queued transactions, want 1", n)
			}
		}
		var n int
		if err := st.Write(ctx, func(tx *store.Tx) error {
			n, err = tx.IndexQueued(ctx, 10, false)
			return err
		}); err != nil || n != 0 {
			t.Errorf("an empty queue: %d rows, %v", n, err)
		}
		for word, want := range map[string][]store.Hit{"first": hit(1), "second": hit(2), "undone": nil, "parcel": hit(2, 1)} {
			if got := words(st, word); !reflect.DeepEqual(got, want) {
				t.Errorf("word %q after indexing: %v, want %v", word, got, want)
			}
			got := storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) ([]store.Hit, error) {
				return tx.SearchWords(ctx, []string{word}, store.SearchFilter{CaseIDs: []int64{c.ID}}, 10)
			})
			if !reflect.DeepEqual(got, want) {
				t.Errorf("word %q within the case: %v, want %v", word, got, want)
			}
		}
		if got := refs(st, "ord-3"); len(got) != 0 {
			t.Errorf("reference of a rolled back text: %v", got)
		}
	})
}
