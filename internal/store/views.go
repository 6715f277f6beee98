package store

import (
	"context"
	"fmt"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// SaveView stores an agent's view, replacing the query of one of the same name.
func (t *Tx) SaveView(ctx context.Context, v desk.SavedView) (desk.SavedView, error) {
	err := t.tx.QueryRowContext(ctx, `INSERT INTO saved_views (agent_id, name, query, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (agent_id, name) DO UPDATE SET query = excluded.query RETURNING id`,
		v.AgentID, v.Name, v.Query, dbTime(v.CreatedAt)).Scan(&v.ID)
	if err != nil {
		return v, fmt.Errorf("save view %q of agent %d: %w", v.Name, v.AgentID, err)
	}
	return v, nil
}

// Views lists an agent's saved views by name.
func (t *Tx) Views(ctx context.Context, agentID int64) ([]desk.SavedView, error) {
	out, err := queryAll(ctx, t, func(row scanner) (desk.SavedView, error) {
		var v desk.SavedView
		var at time.Time
		err := row.Scan(&v.ID, &v.AgentID, &v.Name, &v.Query, &at)
		v.CreatedAt = at.UTC()
		return v, err
	}, `SELECT id, agent_id, name, query, created_at FROM saved_views WHERE agent_id = $1 ORDER BY lower(name), id`, agentID)
	if err != nil {
		return nil, fmt.Errorf("saved views of agent %d: %w", agentID, err)
	}
	return out, nil
}

// DeleteView removes one of the agent's views; another's, or one gone already, is left alone
// (false).
func (t *Tx) DeleteView(ctx context.Context, agentID, id int64) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `DELETE FROM saved_views WHERE id = $1 AND agent_id = $2`, id, agentID)
	if err != nil {
		return false, fmt.Errorf("delete view %d of agent %d: %w", id, agentID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
