package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// Issue 16, finding 3: the inbox stopped at 200 rows. Pages follow each other by a cursor in
// every sort: walked page by page they give exactly the list read at once, with ties (the same
// due time, the same update) and cases with nothing due; priority and tag narrow it.
func TestInboxPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := context.Background()
		ann, cust, _ := seed(t, st)
		prios := desk.Priorities()
		err := st.Write(ctx, func(tx *store.Tx) error {
			for i := range 23 {
				tags := []string{}
				if i%3 == 0 {
					tags = []string{"refund", "kettle_x"}
				}
				c := desk.Case{CustomerID: cust.ID, Subject: fmt.Sprint("case ", i), Status: desk.StatusOpen, OwnerID: ann.ID, Channel: "email",
					OriginalRequest: "x", Flags: []string{}, CreatedAt: t0, UpdatedAt: t0.Add(time.Duration(i%4) * time.Minute),
					Priority: prios[i%4], Tags: tags}
				if err := tx.InsertCase(ctx, &c); err != nil {
					return err
				}
				if i%2 == 0 { // half have a promise due, some at the same time
					if err := tx.InsertPromise(ctx, &desk.Promise{CaseID: c.ID, Kind: desk.PromiseCallback, Words: "I will call",
						DueAt: t0.Add(time.Duration(i%5) * time.Hour), State: desk.PromiseOpen, MakerID: ann.ID, OwnerID: ann.ID, CreatedAt: t0}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		list := func(f store.InboxFilter) []store.InboxRow {
			t.Helper()
			var rows []store.InboxRow
			if err := st.Read(ctx, func(tx *store.Tx) error {
				var err error
				rows, err = tx.Inbox(ctx, f)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return rows
		}
		ids := func(rows []store.InboxRow) []int64 {
			out := []int64{}
			for _, r := range rows {
				out = append(out, r.CaseID)
			}
			return out
		}
		for _, sort := range store.InboxSorts {
			all := list(store.InboxFilter{OwnerID: ann.ID, Sort: sort, Limit: 500})
			if len(all) != 24 { // the seeded case too
				t.Fatalf("%s: %d rows", sort, len(all))
			}
			var walked []int64
			f := store.InboxFilter{OwnerID: ann.ID, Sort: sort, Limit: 5}
			for range 10 {
				page := list(f)
				walked = append(walked, ids(page)...)
				if len(page) < 5 {
					break
				}
				f.After = page[len(page)-1].Cursor(sort)
			}
			if !slices.Equal(walked, ids(all)) {
				t.Errorf("%s: page by page\n%v\nat once\n%v", sort, walked, ids(all))
			}
		}
		byPrio := list(store.InboxFilter{OwnerID: ann.ID, Sort: store.SortPriority, Limit: 500})
		for i := 1; i < len(byPrio); i++ {
			if slices.Index(prios, byPrio[i].Priority) > slices.Index(prios, byPrio[i-1].Priority) {
				t.Fatalf("by priority, %s comes after %s", byPrio[i].Priority, byPrio[i-1].Priority)
			}
		}
		if urgent := list(store.InboxFilter{OwnerID: ann.ID, Priority: desk.PriorityUrgent}); len(urgent) != 5 {
			t.Errorf("urgent cases: %d, want 5", len(urgent))
		}
		tagged := list(store.InboxFilter{OwnerID: ann.ID, Tag: "kettle_x"})
		if len(tagged) != 8 || fmt.Sprint(tagged[0].Tags) != "[refund kettle_x]" {
			t.Errorf("tagged kettle_x: %d %v", len(tagged), tagged)
		}
		if none := list(store.InboxFilter{OwnerID: ann.ID, Tag: "kettle%"}); len(none) != 0 {
			t.Errorf("a tag with a wildcard matched %d", len(none))
		}
		if none := list(store.InboxFilter{OwnerID: ann.ID, Tag: "kettle"}); len(none) != 0 {
			t.Errorf("a part of a tag matched %d", len(none))
		}
	})
}
