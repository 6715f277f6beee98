package store

import (
	"context"
	"fmt"
	"time"
)

// EndAbsence moves an absence's end (shortening it, or ending it now).
func (t *Tx) EndAbsence(ctx context.Context, id int64, to time.Time) error {
	if _, err := t.tx.ExecContext(ctx, `UPDATE absences SET to_at = $1 WHERE id = $2`, to, id); err != nil {
		return fmt.Errorf("end absence %d: %w", id, err)
	}
	return nil
}

// DeleteAbsence removes an absence that never started (cancelled).
func (t *Tx) DeleteAbsence(ctx context.Context, id int64) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM absences WHERE id = $1`, id); err != nil {
		return fmt.Errorf("delete absence %d: %w", id, err)
	}
	return nil
}

// PendingTimersOfKind lists the pending timers of one kind, soonest first.
func (t *Tx) PendingTimersOfKind(ctx context.Context, kind string) ([]Timer, error) {
	return t.timers(ctx, "pending "+kind+" timers",
		`SELECT `+timerColumns+` FROM timers WHERE kind = $1 AND state = 'pending' ORDER BY due_at, id`, kind)
}
