package store

import (
	"context"
	"fmt"

	"github.com/keptdesk/kept/internal/desk"
)

// InsertAdminChange writes one row of the admin log, in the transaction of the change itself,
// chained onto the log's head (desk.ChainAdminChange). The head row is locked first, so
// concurrent writers on PostgreSQL take turns and never chain onto the same row.
func (t *Tx) InsertAdminChange(ctx context.Context, c *desk.AdminChange) error {
	head, err := t.adminLogHead(ctx, true)
	if err != nil {
		return fmt.Errorf("write admin log (%s %s): %w", c.Action, c.Object, err)
	}
	desk.ChainAdminChange(&head, c)
	err = t.tx.QueryRowContext(ctx, `INSERT INTO admin_log (seq, at, actor_kind, actor_id, actor_name, action, object, before, after, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		c.Seq, c.At, string(c.ActorKind), c.ActorID, c.ActorName, c.Action, c.Object, c.Before, c.After, c.PrevHash, c.Hash).Scan(&c.ID)
	if err == nil {
		err = t.setAdminLogHead(ctx, head)
	}
	if err != nil {
		return fmt.Errorf("write admin log (%s %s): %w", c.Action, c.Object, err)
	}
	return nil
}

// AdminLogHead is where the admin log's chain ends.
func (t *Tx) AdminLogHead(ctx context.Context) (desk.AdminLogHead, error) {
	h, err := t.adminLogHead(ctx, false)
	if err != nil {
		return h, fmt.Errorf("admin log head: %w", err)
	}
	return h, nil
}

func (t *Tx) adminLogHead(ctx context.Context, lock bool) (desk.AdminLogHead, error) {
	q := `SELECT seq, hash FROM admin_log_head WHERE id = 1`
	if lock {
		q = t.forUpdate(q)
	}
	var h desk.AdminLogHead
	err := t.tx.QueryRowContext(ctx, q).Scan(&h.Seq, &h.Hash)
	return h, err
}

func (t *Tx) setAdminLogHead(ctx context.Context, h desk.AdminLogHead) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE admin_log_head SET seq = $1, hash = $2 WHERE id = 1`, h.Seq, h.Hash)
	return err
}

const adminLogColumns = `id, seq, at, actor_kind, actor_id, actor_name, action, object, before, after, prev_hash, hash`

func scanAdminChange(sc scanner) (desk.AdminChange, error) {
	var c desk.AdminChange
	var kind string
	err := sc.Scan(&c.ID, &c.Seq, &c.At, &kind, &c.ActorID, &c.ActorName, &c.Action, &c.Object, &c.Before, &c.After, &c.PrevHash, &c.Hash)
	c.ActorKind, c.At = desk.ActorKind(kind), c.At.UTC()
	return c, err
}

// AdminChanges lists the admin log newest first: limit rows older than the row before (all
// when before is 0).
func (t *Tx) AdminChanges(ctx context.Context, before int64, limit int) ([]desk.AdminChange, error) {
	return listOf(ctx, t, "list admin log", scanAdminChange, `SELECT `+adminLogColumns+` FROM admin_log
		WHERE (CAST($1 AS BIGINT) = 0 OR id < CAST($1 AS BIGINT)) ORDER BY id DESC LIMIT $2`, before, limit)
}

// WalkAdminLog calls fn with every row of the admin log in the chain's order (rows not yet
// chained, seq 0, first, so a check finds them).
func (t *Tx) WalkAdminLog(ctx context.Context, fn func(desk.AdminChange) error) error {
	return walkRows(ctx, t, "walk admin log", scanAdminChange, fn, `SELECT `+adminLogColumns+` FROM admin_log ORDER BY seq, id`)
}

// chainAdminLog chains the rows of the admin log written before it was a chain (migration
// 00043), in the order they were written: it runs after every migration and finds nothing to do
// once they are chained. The triggers let a row's place and hash be set once, from ”.
func (s *Store) chainAdminLog(ctx context.Context) (int, error) {
	n := 0
	err := s.Write(ctx, func(t *Tx) error {
		head, err := t.adminLogHead(ctx, true)
		if err != nil {
			return err
		}
		todo, err := queryAll(ctx, t, scanAdminChange, `SELECT `+adminLogColumns+` FROM admin_log WHERE hash = '' ORDER BY id`)
		if err != nil {
			return err
		}
		for _, c := range todo {
			desk.ChainAdminChange(&head, &c)
			if _, err := t.tx.ExecContext(ctx, `UPDATE admin_log SET seq = $1, prev_hash = $2, hash = $3 WHERE id = $4 AND hash = ''`,
				c.Seq, c.PrevHash, c.Hash, c.ID); err != nil {
				return err
			}
			n++
		}
		if n == 0 {
			return nil
		}
		return t.setAdminLogHead(ctx, head)
	})
	if err != nil {
		return 0, fmt.Errorf("chain the admin log: %w", err)
	}
	return n, nil
}
