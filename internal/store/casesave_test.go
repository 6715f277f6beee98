package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
	"github.com/keptdesk/kept/internal/store/storetest"
)

// TestCaseSavesWriteWhatChanged: a save that leaves a case's indexed columns as its row holds
// them (a reply, a note) writes the other columns only, and one that changes any of them writes
// them all. After a savepoint that saved a new owner and was rolled back, the row is back as it
// was: a save of that owner again must still write it (both databases).
func TestCaseSavesWriteWhatChanged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		st := storetest.Open(t, backend)
		ctx := context.Background()
		ann, _, c := seed(t, st)
		var bob desk.Agent
		if err := st.Write(ctx, func(tx *store.Tx) error {
			bob = desk.Agent{Name: "Bob Kask", Email: "bob@example.ee", Role: desk.RoleAgent, TeamID: ann.TeamID, Timezone: "Europe/Tallinn",
				Hours: desk.DefaultHours(), Active: true, CreatedAt: t0}
			return tx.InsertAgent(ctx, &bob)
		}); err != nil {
			t.Fatal(err)
		}
		stored := func() desk.Case {
			t.Helper()
			return storetest.Read(t, st, func(ctx context.Context, tx *store.Tx) (desk.Case, error) { return tx.Case(ctx, c.ID) })
		}
		later := t0.Add(time.Hour)
		err := st.Write(ctx, func(tx *store.Tx) error {
			c, err := tx.Case(ctx, c.ID)
			if err != nil {
				return err
			}
			c.Subject, c.Unanswered, c.UpdatedAt = "Arve on ikka vale", 2, later // the light save
			if err := tx.SaveCase(ctx, c); err != nil {
				return err
			}
			moved := c
			moved.OwnerID = bob.ID
			_, txErr := tx.Savepoint(ctx, func() error {
				if err := tx.SaveCase(ctx, moved); err != nil {
					return err
				}
				if _, err := tx.Case(ctx, c.ID); err != nil { // a read makes the held save
					return err
				}
				return errors.New("undone")
			})
			if txErr != nil {
				return txErr
			}
			return tx.SaveCase(ctx, moved)
		})
		if err != nil {
			t.Fatal(err)
		}
		got := stored()
		if got.Subject != "Arve on ikka vale" || got.Unanswered != 2 || !got.UpdatedAt.Equal(later) {
			t.Errorf("after the saves: subject %q, unanswered %d, updated %v; want the light save's", got.Subject, got.Unanswered, got.UpdatedAt)
		}
		if got.OwnerID != bob.ID || got.Status != desk.StatusOpen {
			t.Errorf("after the savepoint rolled back and the case saved with Bob: owner %d, status %s; want Bob (%d), open", got.OwnerID, got.Status, bob.ID)
		}

		// Status, priority and since when it waits: each written when it alone changes.
		err = st.Write(ctx, func(tx *store.Tx) error {
			c, err := tx.Case(ctx, c.ID)
			if err != nil {
				return err
			}
			c.Priority, c.WaitingSince = desk.PriorityHigh, later
			return tx.SaveCase(ctx, c)
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := stored(); got.Priority != desk.PriorityHigh || !got.WaitingSince.Equal(later) {
			t.Errorf("priority %q, waiting since %v; want high since %v", got.Priority, got.WaitingSince, later)
		}
	})
}
