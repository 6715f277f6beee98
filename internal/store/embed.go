package store

import (
	"context"
	"fmt"
	"time"
)

// EmbedRequest is a request sent from the embeddable request page, waiting for its address's
// owner to confirm it. Request is the request itself as the service wrote it (JSON).
type EmbedRequest struct {
	ID        int64
	Email     string
	Name      string
	Lang      string
	Request   string
	Digest    []byte
	ExpiresAt time.Time
	Used      bool
	CaseID    int64
}

// InsertEmbedRequest stores a request and its link's digest and returns its id.
func (t *Tx) InsertEmbedRequest(ctx context.Context, r EmbedRequest, now time.Time) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO embed_requests (email, name, lang, request, digest, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, r.Email, r.Name, r.Lang, r.Request, r.Digest, now, r.ExpiresAt).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert embed request: %w", err)
	}
	return id, nil
}

// EmbedRequestByID loads a request.
func (t *Tx) EmbedRequestByID(ctx context.Context, id int64) (EmbedRequest, error) {
	r := EmbedRequest{ID: id}
	var used *time.Time
	var caseID *int64
	err := t.tx.QueryRowContext(ctx, `SELECT email, name, lang, request, digest, expires_at, used_at, case_id FROM embed_requests WHERE id = $1`, id).
		Scan(&r.Email, &r.Name, &r.Lang, &r.Request, &r.Digest, &r.ExpiresAt, &used, &caseID)
	if err != nil {
		return r, fmt.Errorf("load embed request %d: %w", id, notFound(err))
	}
	r.Used = used != nil
	if caseID != nil {
		r.CaseID = *caseID
	}
	return r, nil
}

// UseEmbedRequest marks a request confirmed, with the case it opened, and reports whether this
// call was the one that confirmed it, so two clicks racing each other cannot open two cases.
func (t *Tx) UseEmbedRequest(ctx context.Context, id, caseID int64, now time.Time) (bool, error) {
	n, err := t.changedRows(ctx, fmt.Sprintf("use embed request %d", id), `UPDATE embed_requests SET used_at = $1, case_id = $2 WHERE id = $3 AND used_at IS NULL`, now, caseID, id)
	if err != nil {
		return false, err
	}
	return n == 1, nil
}
