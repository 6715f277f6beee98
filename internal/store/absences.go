package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/keptdesk/kept/internal/desk"
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

// PendingTimersOfKind lists the pending timers of one kind, soonest first: by the index of kinds
// (the state unindexed, see dialect.unindexed), not every pending timer of the desk.
func (t *Tx) PendingTimersOfKind(ctx context.Context, kind string) ([]Timer, error) {
	return t.timers(ctx, "pending "+kind+" timers",
		`SELECT `+t.d.cols(timerColumns)+` FROM timers WHERE kind = $1 AND `+t.d.unindexed("state")+` = 'pending' ORDER BY due_at, id`, kind)
}

// UpdateAgent saves an agent's name, role, team, manager, zone, hours and whether they are
// active (the email and partner stay as they were made).
func (t *Tx) UpdateAgent(ctx context.Context, a desk.Agent) error {
	hours, err := json.Marshal(a.Hours)
	if err != nil {
		return fmt.Errorf("encode hours: %w", err)
	}
	_, err = t.tx.ExecContext(ctx, `UPDATE agents SET name = $1, role = $2, team_id = $3, manager_id = $4, timezone = $5, hours = $6, active = $7 WHERE id = $8`,
		a.Name, string(a.Role), nullID(a.TeamID), nullID(a.ManagerID), a.Timezone, string(hours), a.Active, a.ID)
	if err != nil {
		return fmt.Errorf("update agent %d: %w", a.ID, err)
	}
	return nil
}
