package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestRollupsReadClosingsOnlyForNewCases: the roll-ups read the customer's earlier closings
// (which a new case of theirs can make repeat contacts) only when the transaction opened a case.
// A status changed or a promise broken cannot change them; reading them for each batch of
// breaks was two fifths of the roll-ups' time at scale M.
func TestRollupsReadClosingsOnlyForNewCases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := context.Background()
		ann, cust, c := seed(t, st)
		err := st.Write(ctx, func(tx *store.Tx) error {
			closed := desk.Case{CustomerID: cust.ID, Subject: "Old", Status: desk.StatusClosed, TeamID: ann.TeamID, OwnerID: ann.ID, Channel: "email",
				OriginalRequest: "r", Flags: []string{}, CreatedAt: t0.Add(-48 * time.Hour), UpdatedAt: t0}
			if err := tx.InsertCase(ctx, &closed); err != nil {
				return err
			}
			return tx.RecordOutcome(ctx, closed.ID, ann.ID, "confirmed", t0.Add(-time.Hour))
		})
		if err != nil {
			t.Fatal(err)
		}
		// run saves the case with its status changed (to awaiting confirmation and back, in turn),
		// and opens a new case of the customer when open is set; it answers the statements the
		// transaction ran.
		statuses := []desk.Status{desk.StatusAwaitingConfirmation, desk.StatusOpen}
		runs := 0
		run := func(open bool) int64 {
			t.Helper()
			status := statuses[runs%2]
			runs++
			before := st.Statements()
			err := st.Write(ctx, func(tx *store.Tx) error {
				got, err := tx.Case(ctx, c.ID)
				if err != nil {
					return err
				}
				got.Status = status
				if err := tx.SaveCase(ctx, got); err != nil {
					return err
				}
				if open {
					n := desk.Case{CustomerID: cust.ID, Subject: "Again", Status: desk.StatusOpen, TeamID: ann.TeamID, OwnerID: ann.ID, Channel: "email",
						OriginalRequest: "r", Flags: []string{}, CreatedAt: t0, UpdatedAt: t0}
					return tx.InsertCase(ctx, &n)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return st.Statements() - before
		}
		// A status saved: the case's load, its facts (read and written), the sums and the held
		// save; reading the customer's closings too made it 11.
		if n := run(false); n > 8 {
			t.Errorf("a status saved: %d statements, want at most 8 (the customer's closings not read)", n)
		}
		// A case opened as well: its customer's closings are read (the earliest case opened, then
		// the closings since the longest repeat window before it).
		if saved, opened := run(false), run(true); opened-saved < 3 {
			t.Errorf("a status saved: %d statements; with a case opened too: %d; want at least 3 more", saved, opened)
		}
	})
}

// TestRolledEntriesThroughTheirIndex: the roll-ups read a case's status changes, escalations
// and hand-overs through the partial index of those kinds, with statistics like scale M's
// (11 million entries). Reading escalations beside the status changes first went through the
// index of (case, seq), every entry of each case, since the index of status changes alone no
// longer applied.
func TestRolledEntriesThroughTheirIndex(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, "sqlite")
	if err := st.ExecForTest(ctx, `ANALYZE`, `DELETE FROM sqlite_stat1 WHERE tbl = 'entries'`,
		`INSERT INTO sqlite_stat1 VALUES ('entries', 'entries_kind_at', '11000000 500000 2'), ('entries', 'entries_rolled_kinds', '600000 1'),
			('entries', 'sqlite_autoindex_entries_1', '11000000 11 1'), ('entries', NULL, '11000000')`,
		`ANALYZE sqlite_schema`); err != nil { // the writer, where the roll-ups run, reads them again
		t.Fatal(err)
	}
	plan, err := st.RolledEntriesPlan(ctx, "[1, 2, 3]")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "USING INDEX entries_rolled_kinds") {
		t.Errorf("plan:\n%s\nwant a search of entries_rolled_kinds", plan)
	}
}

// TestRolledEntriesPerCaseOnPostgres: on PostgreSQL the roll-ups read a batch's status changes,
// escalations and hand-overs a case at a time through the partial index of those kinds, even
// when the statistics were taken before the desk had any escalation. Planned as one join, they
// had every escalation of the desk read for each case of the batch.
func TestRolledEntriesPerCaseOnPostgres(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, "postgres")
	const row = `INSERT INTO entries (case_id, seq, kind, at, actor_kind, actor_id, actor_name, internal, channel, body, data, prev_hash, hash)
		SELECT c, %s, '%s', now(), 'system', 0, 'Kept', false, 'email', 'text', '{}', '', '' FROM generate_series(1, 2000) c`
	storetest.Unchecked(t, st, // entries of no case
		fmt.Sprintf(row, "1", "case_opened"), fmt.Sprintf(row, "2", "message_in"), `ANALYZE entries`, // no escalation seen
		fmt.Sprintf(row, "3", "escalated"), fmt.Sprintf(row, "4", "escalated"))
	plan, err := st.RolledEntriesPlan(ctx, "[11, 12, 13, 14, 15]")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "Index Scan using entries_rolled_kinds") || !strings.Contains(plan, "Index Cond: (case_id =") ||
		strings.Contains(plan, "Rows Removed") || !strings.Contains(plan, "rows=10 loops=1") {
		t.Errorf("plan:\n%s\nwant the partial index searched for each case, ten rows read in all", plan)
	}
}
