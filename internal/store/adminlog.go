package store

import (
	"context"
	"fmt"

	"github.com/keptdesk/kept/internal/desk"
)

// InsertAdminChange writes one row of the admin log, in the transaction of the change itself.
func (t *Tx) InsertAdminChange(ctx context.Context, c *desk.AdminChange) error {
	err := t.tx.QueryRowContext(ctx, `INSERT INTO admin_log (at, actor_kind, actor_id, actor_name, action, object, before, after)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		c.At, string(c.ActorKind), c.ActorID, c.ActorName, c.Action, c.Object, c.Before, c.After).Scan(&c.ID)
	if err != nil {
		return fmt.Errorf("write admin log (%s %s): %w", c.Action, c.Object, err)
	}
	return nil
}

// AdminChanges lists the admin log newest first: limit rows older than the row before (all
// when before is 0).
func (t *Tx) AdminChanges(ctx context.Context, before int64, limit int) ([]desk.AdminChange, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT id, at, actor_kind, actor_id, actor_name, action, object, before, after FROM admin_log
		WHERE (CAST($1 AS BIGINT) = 0 OR id < CAST($1 AS BIGINT)) ORDER BY id DESC LIMIT $2`, before, limit)
	if err != nil {
		return nil, fmt.Errorf("list admin log: %w", err)
	}
	defer rows.Close()
	out := []desk.AdminChange{}
	for rows.Next() {
		var c desk.AdminChange
		var kind string
		if err := rows.Scan(&c.ID, &c.At, &kind, &c.ActorID, &c.ActorName, &c.Action, &c.Object, &c.Before, &c.After); err != nil {
			return nil, fmt.Errorf("list admin log: %w", err)
		}
		c.ActorKind, c.At = desk.ActorKind(kind), c.At.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}
