package store_test

import (
	"context"
	"testing"

	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestReadSeesOneState: a read sees the desk as it was when its first statement ran, whatever
// is committed meanwhile, as Read promises. On PostgreSQL a read transaction was READ
// COMMITTED, so each statement saw what had been committed by then: a page of reports, or a
// case and its record, could disagree.
func TestReadSeesOneState(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := context.Background()
		err := st.Read(ctx, func(tx *store.Tx) error {
			before, err := tx.CountRows(ctx, "report_rollups_rebuild")
			if err != nil {
				return err
			}
			if err := st.ExecForTest(ctx, `INSERT INTO report_rollups_rebuild (one, after_case) VALUES (1, 0)`); err != nil {
				return err
			}
			after, err := tx.CountRows(ctx, "report_rollups_rebuild")
			if err != nil {
				return err
			}
			if after != before {
				t.Errorf("a read saw %d rows, then %d after a write committed beside it", before, after)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
