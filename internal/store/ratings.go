package store

import (
	"context"
	"fmt"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// SaveRating stores the rating of a case's resolution confirmed at r.ResolutionAt; a second
// rating of the same resolution replaces the first (the customer changed their mind), keeping
// when it was first given.
func (t *Tx) SaveRating(ctx context.Context, r desk.Rating, now time.Time) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO ratings (case_id, resolution_at, customer_id, score, comment, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6)
		ON CONFLICT (case_id, resolution_at) DO UPDATE SET score = excluded.score, comment = excluded.comment, updated_at = excluded.updated_at`,
		r.CaseID, dbTime(r.ResolutionAt), r.CustomerID, r.Score, r.Comment, dbTime(now))
	if err != nil {
		return fmt.Errorf("save rating of case %d: %w", r.CaseID, err)
	}
	return nil
}

// Rating loads the rating of a case's latest rated resolution; a case nobody rated is "not
// found".
func (t *Tx) Rating(ctx context.Context, caseID int64) (desk.Rating, error) {
	r := desk.Rating{CaseID: caseID}
	err := t.tx.QueryRowContext(ctx, `SELECT resolution_at, customer_id, score, comment, created_at, updated_at FROM ratings
		WHERE case_id = $1 ORDER BY resolution_at DESC LIMIT 1`, caseID).
		Scan(&r.ResolutionAt, &r.CustomerID, &r.Score, &r.Comment, &r.CreatedAt, &r.UpdatedAt)
	if err != nil {
		return r, fmt.Errorf("rating of case %d: %w", caseID, notFound(err))
	}
	r.ResolutionAt, r.CreatedAt, r.UpdatedAt = r.ResolutionAt.UTC(), r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, nil
}

// LastConfirmed is when the customer last confirmed the case's resolution; never is "not
// found".
func (t *Tx) LastConfirmed(ctx context.Context, caseID int64) (time.Time, error) {
	var at anyTime
	err := t.tx.QueryRowContext(ctx, `SELECT MAX(at) FROM resolution_outcomes WHERE case_id = $1 AND outcome = 'confirmed'`, caseID).Scan(&at)
	if err == nil && !at.Valid {
		err = ErrNotFound
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("confirmation of case %d: %w", caseID, notFound(err))
	}
	return at.Time.UTC(), nil
}
