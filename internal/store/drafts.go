package store

import (
	"context"
	"fmt"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// SaveHandoverDrafts stores an agent's drafts, each replacing the one of its kind and key.
func (t *Tx) SaveHandoverDrafts(ctx context.Context, agentID int64, drafts []desk.HandoverDraft, now time.Time) error {
	for _, d := range drafts {
		_, err := t.tx.ExecContext(ctx, `INSERT INTO handover_drafts (agent_id, kind, key, to_agent_id, text, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (agent_id, kind, key)
			DO UPDATE SET to_agent_id = excluded.to_agent_id, text = excluded.text, updated_at = excluded.updated_at`,
			agentID, d.Kind, d.Key, d.ToAgentID, d.Text, dbTime(now))
		if err != nil {
			return fmt.Errorf("save hand-over draft %s %s of agent %d: %w", d.Kind, d.Key, agentID, err)
		}
	}
	return nil
}

// HandoverDrafts lists an agent's drafts.
func (t *Tx) HandoverDrafts(ctx context.Context, agentID int64) ([]desk.HandoverDraft, error) {
	return listOf(ctx, t, fmt.Sprintf("hand-over drafts of agent %d", agentID), func(row scanner) (desk.HandoverDraft, error) {
		var d desk.HandoverDraft
		err := row.Scan(&d.Kind, &d.Key, &d.ToAgentID, &d.Text)
		return d, err
	}, `SELECT kind, key, to_agent_id, text FROM handover_drafts WHERE agent_id = $1 ORDER BY kind, key`, agentID)
}

// ClearHandoverDrafts forgets an agent's drafts (their absence is recorded, or they start again).
func (t *Tx) ClearHandoverDrafts(ctx context.Context, agentID int64) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM handover_drafts WHERE agent_id = $1`, agentID); err != nil {
		return fmt.Errorf("clear hand-over drafts of agent %d: %w", agentID, err)
	}
	return nil
}
