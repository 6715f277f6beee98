package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

var errTimerRollback = errors.New("timer test: rolled back on purpose")

func addTimer(t *testing.T, st *store.Store, tm store.Timer) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := st.Write(ctx, func(tx *store.Tx) error {
		var err error
		id, err = tx.AddTimer(ctx, tm, t0)
		return err
	})
	if err != nil {
		t.Fatalf("add timer: %v", err)
	}
	return id
}

func pendingTimers(t *testing.T, st *store.Store, caseID int64) []store.Timer {
	t.Helper()
	return storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) ([]store.Timer, error) { return tx.PendingTimers(ctx, caseID) })
}

func nextDue(t *testing.T, st *store.Store) (time.Time, bool) {
	t.Helper()
	ctx := context.Background()
	var at time.Time
	var ok bool
	err := st.Read(ctx, func(tx *store.Tx) error {
		var err error
		at, ok, err = tx.NextTimerDue(ctx)
		return err
	})
	if err != nil {
		t.Fatalf("next timer due: %v", err)
	}
	return at, ok
}

func claim(t *testing.T, st *store.Store, now time.Time, limit int) []store.Timer {
	t.Helper()
	ctx := context.Background()
	var out []store.Timer
	// Rolled back: the claim's locks are all these tests need, not a change.
	err := st.Write(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.ClaimDueTimers(ctx, now, limit)
		if err != nil {
			return err
		}
		return errTimerRollback
	})
	if !errors.Is(err, errTimerRollback) {
		t.Fatalf("claim due timers: %v", err)
	}
	return out
}

func TestTimers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()

		t.Run("a timer added in a rolled back transaction is not there", func(t *testing.T) {
			st := storetest.Open(t, backend)
			err := st.Write(ctx, func(tx *store.Tx) error {
				if _, err := tx.AddTimer(ctx, store.Timer{Kind: "promise.break", DueAt: t0, CaseID: 1}, t0); err != nil {
					return err
				}
				return errTimerRollback
			})
			if !errors.Is(err, errTimerRollback) {
				t.Fatalf("write: %v", err)
			}
			if at, ok := nextDue(t, st); ok {
				t.Errorf("next due %v after a rollback, want none", at)
			}
			if got := claim(t, st, t0.Add(time.Hour), 10); len(got) != 0 {
				t.Errorf("claimed %v after a rollback", got)
			}
		})

		t.Run("fields round-trip and claims come oldest first", func(t *testing.T) {
			st := storetest.Open(t, backend)
			// Whole, fractional and near seconds: SQLite compares them as text, which must sort as time.
			sec := t0.Truncate(time.Second)
			dues := []time.Time{sec.Add(500 * time.Millisecond), sec, sec.Add(123456 * time.Microsecond), sec.Add(-time.Microsecond), sec.Add(time.Hour)}
			ids := make([]int64, len(dues))
			for i, d := range dues {
				ids[i] = addTimer(t, st, store.Timer{Kind: "reply.target", DueAt: d, CaseID: 5, RefID: int64(i), Payload: json.RawMessage(`{"n":1}`)})
			}
			got := claim(t, st, sec.Add(200*time.Millisecond), 10)
			want := []int64{ids[3], ids[1], ids[2]}
			if len(got) != len(want) {
				t.Fatalf("claimed %d timers, want %d: %+v", len(got), len(want), got)
			}
			for i, tm := range got {
				if tm.ID != want[i] {
					t.Errorf("claim %d is timer %d (due %v), want %d", i, tm.ID, tm.DueAt, want[i])
				}
			}
			tm := got[2]
			if !tm.DueAt.Equal(dues[2]) || tm.DueAt.Location() != time.UTC || tm.Kind != "reply.target" || tm.CaseID != 5 || tm.RefID != 2 ||
				string(tm.Payload) != `{"n":1}` || tm.Attempts != 0 || tm.LastError != "" || tm.Key != "" {
				t.Errorf("timer read back as %+v", tm)
			}
			if got := claim(t, st, sec.Add(time.Hour), 2); len(got) != 2 || got[0].ID != ids[3] {
				t.Errorf("a claim of 2 returned %+v", got)
			}
			if at, ok := nextDue(t, st); !ok || !at.Equal(dues[3]) {
				t.Errorf("next due %v %v, want %v", at, ok, dues[3])
			}
			if p := pendingTimers(t, st, 5); len(p) != 5 || p[0].ID != ids[3] || p[4].ID != ids[4] {
				t.Errorf("pending timers of the case: %+v", p)
			}
			if p := pendingTimers(t, st, 6); len(p) != 0 {
				t.Errorf("another case has timers: %+v", p)
			}
		})

		t.Run("a timer needs a kind, a due time and JSON", func(t *testing.T) {
			st := storetest.Open(t, backend)
			for _, tm := range []store.Timer{{DueAt: t0}, {Kind: "x"}, {Kind: "x", DueAt: t0, Payload: json.RawMessage(`{`)}} {
				err := st.Write(ctx, func(tx *store.Tx) error {
					_, err := tx.AddTimer(ctx, tm, t0)
					return err
				})
				if err == nil {
					t.Errorf("AddTimer(%+v) succeeded", tm)
				}
			}
		})

		t.Run("the same key moves the timer", func(t *testing.T) {
			st := storetest.Open(t, backend)
			id := addTimer(t, st, store.Timer{Kind: "promise.remind", DueAt: t0.Add(time.Hour), CaseID: 3, RefID: 9, Key: "promise:9:remind:1h", Payload: json.RawMessage(`{"before":"1h"}`)})
			again := addTimer(t, st, store.Timer{Kind: "promise.remind", DueAt: t0.Add(2 * time.Hour), CaseID: 3, RefID: 9, Key: "promise:9:remind:1h", Payload: json.RawMessage(`{"before":"1h","v":2}`)})
			if again != id {
				t.Errorf("re-scheduling made timer %d, want %d moved", again, id)
			}
			p := pendingTimers(t, st, 3)
			if len(p) != 1 {
				t.Fatalf("%d timers after re-scheduling, want 1: %+v", len(p), p)
			}
			if !p[0].DueAt.Equal(t0.Add(2*time.Hour)) || string(p[0].Payload) != `{"before":"1h","v":2}` || p[0].Key != "promise:9:remind:1h" {
				t.Errorf("moved timer is %+v", p[0])
			}
			// Timers without a key never collide.
			addTimer(t, st, store.Timer{Kind: "promise.remind", DueAt: t0, CaseID: 3})
			addTimer(t, st, store.Timer{Kind: "promise.remind", DueAt: t0, CaseID: 3})
			if p := pendingTimers(t, st, 3); len(p) != 3 {
				t.Errorf("%d timers, want 3", len(p))
			}
		})

		t.Run("a failed timer is armed again by its key", func(t *testing.T) {
			st := storetest.Open(t, backend)
			id := addTimer(t, st, store.Timer{Kind: "absence.end", DueAt: t0, CaseID: 4, Key: "absence:1:end"})
			if err := st.Write(ctx, func(tx *store.Tx) error { return tx.RetryTimer(ctx, id, t0, "boom", true) }); err != nil {
				t.Fatal(err)
			}
			if p := pendingTimers(t, st, 4); len(p) != 0 {
				t.Fatalf("a failed timer is pending: %+v", p)
			}
			addTimer(t, st, store.Timer{Kind: "absence.end", DueAt: t0.Add(time.Minute), CaseID: 4, Key: "absence:1:end"})
			p := pendingTimers(t, st, 4)
			if len(p) != 1 || p[0].ID != id || p[0].Attempts != 0 || p[0].LastError != "" || !p[0].DueAt.Equal(t0.Add(time.Minute)) {
				t.Errorf("re-armed timer: %+v", p)
			}
		})

		t.Run("cancel removes pending timers of a kind and ref", func(t *testing.T) {
			st := storetest.Open(t, backend)
			addTimer(t, st, store.Timer{Kind: "promise.remind", DueAt: t0, CaseID: 1, RefID: 7, Key: "a"})
			addTimer(t, st, store.Timer{Kind: "promise.remind", DueAt: t0.Add(time.Hour), CaseID: 1, RefID: 7})
			addTimer(t, st, store.Timer{Kind: "promise.break", DueAt: t0.Add(2 * time.Hour), CaseID: 1, RefID: 7})
			addTimer(t, st, store.Timer{Kind: "promise.remind", DueAt: t0, CaseID: 1, RefID: 8})
			err := st.Write(ctx, func(tx *store.Tx) error {
				return tx.CancelTimers(ctx, store.TimerRef{Kind: "promise.remind", RefID: 7})
			})
			if err != nil {
				t.Fatal(err)
			}
			p := pendingTimers(t, st, 1)
			if len(p) != 2 || p[0].RefID != 8 || p[1].Kind != "promise.break" {
				t.Errorf("left after cancelling: %+v", p)
			}
		})

		t.Run("retry, fail and finish", func(t *testing.T) {
			st := storetest.Open(t, backend)
			a := addTimer(t, st, store.Timer{Kind: "k", DueAt: t0, CaseID: 2})
			b := addTimer(t, st, store.Timer{Kind: "k", DueAt: t0.Add(time.Minute), CaseID: 2})
			c := addTimer(t, st, store.Timer{Kind: "k", DueAt: t0.Add(time.Hour), CaseID: 2})
			err := st.Write(ctx, func(tx *store.Tx) error {
				if err := tx.RetryTimer(ctx, a, t0.Add(time.Second), "failed once", false); err != nil {
					return err
				}
				if err := tx.RetryTimer(ctx, b, t0.Add(time.Minute), "gave up", true); err != nil {
					return err
				}
				return tx.FinishTimer(ctx, c)
			})
			if err != nil {
				t.Fatal(err)
			}
			p := pendingTimers(t, st, 2)
			if len(p) != 1 || p[0].ID != a || p[0].Attempts != 1 || p[0].LastError != "failed once" || !p[0].DueAt.Equal(t0.Add(time.Second)) {
				t.Errorf("pending after retry: %+v", p)
			}
			if at, ok := nextDue(t, st); !ok || !at.Equal(t0.Add(time.Second)) {
				t.Errorf("next due %v %v, want %v", at, ok, t0.Add(time.Second))
			}
			if got := claim(t, st, t0.Add(24*time.Hour), 10); len(got) != 1 || got[0].ID != a {
				t.Errorf("claimed %+v, want only timer %d", got, a)
			}
			err = st.Write(ctx, func(tx *store.Tx) error { return tx.FinishTimer(ctx, c) })
			if !store.IsNotFound(err) {
				t.Errorf("finishing a finished timer: %v, want not found", err)
			}
			err = st.Write(ctx, func(tx *store.Tx) error { return tx.RetryTimer(ctx, c, t0, "x", false) })
			if !store.IsNotFound(err) {
				t.Errorf("retrying a finished timer: %v, want not found", err)
			}
			if err := st.Write(ctx, func(tx *store.Tx) error { return tx.FinishTimer(ctx, a) }); err != nil {
				t.Fatal(err)
			}
			// Only the failed timer is left, and the runner must not wake for it.
			if at, ok := nextDue(t, st); ok {
				t.Errorf("next due %v with only a failed timer left", at)
			}
		})

		t.Run("an overlong or broken error text is stored cut and valid", func(t *testing.T) {
			st := storetest.Open(t, backend)
			id := addTimer(t, st, store.Timer{Kind: "k", DueAt: t0, CaseID: 2})
			long := "\xff" + strings.Repeat("ä", 3000)
			if err := st.Write(ctx, func(tx *store.Tx) error { return tx.RetryTimer(ctx, id, t0, long, false) }); err != nil {
				t.Fatal(err)
			}
			p := pendingTimers(t, st, 2)
			if len(p) != 1 || len(p[0].LastError) > 2003 || len(p[0].LastError) < 1000 || !utf8.ValidString(p[0].LastError) {
				t.Errorf("stored error of %d bytes", len(p[0].LastError))
			}
		})

		t.Run("take skips a timer moved or cancelled since the claim", func(t *testing.T) {
			st := storetest.Open(t, backend)
			moved := addTimer(t, st, store.Timer{Kind: "k", DueAt: t0, Key: "m"})
			gone := addTimer(t, st, store.Timer{Kind: "k", DueAt: t0, RefID: 1})
			due := addTimer(t, st, store.Timer{Kind: "k", DueAt: t0, Payload: json.RawMessage(`[1]`)})
			err := st.Write(ctx, func(tx *store.Tx) error {
				if _, err := tx.AddTimer(ctx, store.Timer{Kind: "k", DueAt: t0.Add(time.Hour), Key: "m"}, t0); err != nil {
					return err
				}
				if err := tx.CancelTimers(ctx, store.TimerRef{Kind: "k", RefID: 1}); err != nil {
					return err
				}
				for _, id := range []int64{moved, gone} {
					if _, ok, err := tx.TakeTimer(ctx, id, t0); err != nil || ok {
						t.Errorf("took timer %d: %v %v", id, ok, err)
					}
				}
				tm, ok, err := tx.TakeTimer(ctx, due, t0)
				if err != nil || !ok || tm.ID != due || string(tm.Payload) != `[1]` {
					t.Errorf("take timer %d: %+v %v %v", due, tm, ok, err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if p := pendingTimers(t, st, 0); len(p) != 1 || p[0].ID != moved {
				t.Errorf("left: %+v", p)
			}
		})

		t.Run("a savepoint undoes only its own writes", func(t *testing.T) {
			st := storetest.Open(t, backend)
			err := st.Write(ctx, func(tx *store.Tx) error {
				if _, err := tx.AddTimer(ctx, store.Timer{Kind: "kept", DueAt: t0, CaseID: 8}, t0); err != nil {
					return err
				}
				fnErr, txErr := tx.Savepoint(ctx, func() error {
					if _, err := tx.AddTimer(ctx, store.Timer{Kind: "undone", DueAt: t0, CaseID: 8}, t0); err != nil {
						return err
					}
					// A failing statement too (no such agent): PostgreSQL needs the rollback to go on.
					if _, err := tx.InsertToken(ctx, 999999, []byte{1}, "x", t0); err == nil {
						t.Error("a token of no agent was stored")
					}
					return errTimerRollback
				})
				if txErr != nil || !errors.Is(fnErr, errTimerRollback) {
					t.Errorf("savepoint: %v, %v", fnErr, txErr)
				}
				fnErr, txErr = tx.Savepoint(ctx, func() error {
					_, err := tx.AddTimer(ctx, store.Timer{Kind: "also kept", DueAt: t0, CaseID: 8}, t0)
					return err
				})
				if fnErr != nil || txErr != nil {
					t.Errorf("savepoint: %v, %v", fnErr, txErr)
				}
				_, err := tx.AddTimer(ctx, store.Timer{Kind: "after", DueAt: t0, CaseID: 8}, t0)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, tm := range pendingTimers(t, st, 8) {
				kinds = append(kinds, tm.Kind)
			}
			if len(kinds) != 3 || kinds[0] != "kept" || kinds[1] != "also kept" || kinds[2] != "after" {
				t.Errorf("timers after savepoints: %v", kinds)
			}
		})
	})
}
