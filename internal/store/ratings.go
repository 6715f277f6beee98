package store

import (
	"context"
	"fmt"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// SaveRating stores a case's rating; a second rating of the same case replaces the first (the
// customer changed their mind), keeping when it was first given.
func (t *Tx) SaveRating(ctx context.Context, r desk.Rating, now time.Time) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO ratings (case_id, customer_id, score, comment, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5)
		ON CONFLICT (case_id) DO UPDATE SET score = excluded.score, comment = excluded.comment, updated_at = excluded.updated_at`,
		r.CaseID, r.CustomerID, r.Score, r.Comment, dbTime(now))
	if err != nil {
		return fmt.Errorf("save rating of case %d: %w", r.CaseID, err)
	}
	return nil
}

// Rating loads a case's rating; a case nobody rated is "not found".
func (t *Tx) Rating(ctx context.Context, caseID int64) (desk.Rating, error) {
	r := desk.Rating{CaseID: caseID}
	err := t.tx.QueryRowContext(ctx, `SELECT customer_id, score, comment, created_at, updated_at FROM ratings WHERE case_id = $1`, caseID).
		Scan(&r.CustomerID, &r.Score, &r.Comment, &r.CreatedAt, &r.UpdatedAt)
	if err != nil {
		return r, fmt.Errorf("rating of case %d: %w", caseID, notFound(err))
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, nil
}
