package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// CancelTimers cancels several kinds and refs in one statement, and nothing else: not the same
// kind of another ref, another kind of the same ref, or a timer already parked as failed.
func TestCancelTimers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := context.Background()
		addTimer(t, st, store.Timer{Kind: "promise_reminder", DueAt: t0, CaseID: 1, RefID: 7})
		addTimer(t, st, store.Timer{Kind: "promise_reminder", DueAt: t0.Add(time.Hour), CaseID: 1, RefID: 7})
		addTimer(t, st, store.Timer{Kind: "response_due", DueAt: t0, CaseID: 1, RefID: 1})
		keep := []int64{
			addTimer(t, st, store.Timer{Kind: "promise_due", DueAt: t0, CaseID: 1, RefID: 7}),
			addTimer(t, st, store.Timer{Kind: "promise_reminder", DueAt: t0, CaseID: 1, RefID: 8}),
			addTimer(t, st, store.Timer{Kind: "response_due", DueAt: t0, CaseID: 1, RefID: 2}),
		}
		failed := addTimer(t, st, store.Timer{Kind: "response_due", DueAt: t0, CaseID: 3, RefID: 1})
		err := st.Write(ctx, func(tx *store.Tx) error {
			if err := tx.RetryTimer(ctx, failed, t0, "gave up", true); err != nil {
				return err
			}
			return tx.CancelTimers(ctx, store.TimerRef{Kind: "promise_reminder", RefID: 7}, store.TimerRef{Kind: "response_due", RefID: 1})
		})
		if err != nil {
			t.Fatal(err)
		}
		var left []int64
		for _, tm := range pendingTimers(t, st, 1) {
			left = append(left, tm.ID)
		}
		if len(left) != len(keep) || left[0] != keep[0] || left[1] != keep[1] || left[2] != keep[2] {
			t.Errorf("left %v, want %v", left, keep)
		}
		if err := st.Write(ctx, func(tx *store.Tx) error { return tx.CancelTimers(ctx) }); err != nil {
			t.Errorf("cancelling nothing: %v", err)
		}
		if n := len(pendingTimers(t, st, 1)); n != len(keep) {
			t.Errorf("cancelling nothing left %d timers, want %d", n, len(keep))
		}
	})
}
