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

const partnerColumns = `id, name, active, created_at`

func scanPartner(row scanner) (desk.Partner, error) {
	var p desk.Partner
	err := row.Scan(&p.ID, &p.Name, &p.Active, &p.CreatedAt)
	p.CreatedAt = p.CreatedAt.UTC()
	return p, err
}

// Partner loads a partner organisation.
func (t *Tx) Partner(ctx context.Context, id int64) (desk.Partner, error) {
	return loadByID(ctx, t, "partner", id, scanPartner, `SELECT `+partnerColumns+` FROM partners WHERE id = $1`)
}

// Partners lists the partner organisations by name.
func (t *Tx) Partners(ctx context.Context) ([]desk.Partner, error) {
	return listOf(ctx, t, "list partners", scanPartner, `SELECT `+partnerColumns+` FROM partners ORDER BY name`)
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
	var ids []int64
	err := t.tx.eachRow(ctx, appendTo(&ids, scanValue[int64]), `SELECT id FROM cases WHERE partner_id = $1 ORDER BY id DESC LIMIT $2`, partnerID, limit)
	if err != nil {
		return nil, fmt.Errorf("cases of partner %d: %w", partnerID, err)
	}
	return ids, nil
}
