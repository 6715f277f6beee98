package store

import (
	"context"
	"fmt"

	"github.com/keptdesk/kept/internal/desk"
)

// InsertPartner stores a partner organisation and sets its id.
func (t *Tx) InsertPartner(ctx context.Context, p *desk.Partner) error {
	if err := t.tx.QueryRowContext(ctx, `INSERT INTO partners (name, created_at) VALUES ($1, $2) RETURNING id`, p.Name, p.CreatedAt).Scan(&p.ID); err != nil {
		return fmt.Errorf("insert partner %q: %w", p.Name, err)
	}
	return nil
}

// Partner loads a partner organisation.
func (t *Tx) Partner(ctx context.Context, id int64) (desk.Partner, error) {
	var p desk.Partner
	if err := t.tx.QueryRowContext(ctx, `SELECT id, name, active, created_at FROM partners WHERE id = $1`, id).Scan(&p.ID, &p.Name, &p.Active, &p.CreatedAt); err != nil {
		return p, fmt.Errorf("load partner %d: %w", id, notFound(err))
	}
	p.CreatedAt = p.CreatedAt.UTC()
	return p, nil
}

// Partners lists the partner organisations by name.
func (t *Tx) Partners(ctx context.Context) ([]desk.Partner, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT id, name, active, created_at FROM partners ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list partners: %w", err)
	}
	defer rows.Close()
	out := []desk.Partner{}
	for rows.Next() {
		var p desk.Partner
		if err := rows.Scan(&p.ID, &p.Name, &p.Active, &p.CreatedAt); err != nil {
			return nil, fmt.Errorf("list partners: %w", err)
		}
		p.CreatedAt = p.CreatedAt.UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

// UpdatePartner writes a partner's name and whether the desk still works with it.
func (t *Tx) UpdatePartner(ctx context.Context, p desk.Partner) error {
	if _, err := t.tx.ExecContext(ctx, `UPDATE partners SET name = $1, active = $2 WHERE id = $3`, p.Name, p.Active, p.ID); err != nil {
		return fmt.Errorf("update partner %d: %w", p.ID, err)
	}
	return nil
}

// PartnerCaseIDs lists the ids of the cases handed to a partner, newest first.
func (t *Tx) PartnerCaseIDs(ctx context.Context, partnerID int64, limit int) ([]int64, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT id FROM cases WHERE partner_id = $1 ORDER BY id DESC LIMIT $2`, partnerID, limit)
	if err != nil {
		return nil, fmt.Errorf("cases of partner %d: %w", partnerID, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("cases of partner %d: %w", partnerID, err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
