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
	return t.insertID(ctx, "embed request", `INSERT INTO embed_requests (email, name, lang, request, digest, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, r.Email, r.Name, r.Lang, r.Request, r.Digest, now, r.ExpiresAt)
}

// EmbedRequestByID loads a request.
func (t *Tx) EmbedRequestByID(ctx context.Context, id int64) (EmbedRequest, error) {
	r := EmbedRequest{ID: id}
	err := t.scanByID(ctx, "load embed request", id, `SELECT email, name, lang, request, digest, expires_at, used_at IS NOT NULL, COALESCE(case_id, 0)
		FROM embed_requests WHERE id = $1`, &r.Email, &r.Name, &r.Lang, &r.Request, &r.Digest, &r.ExpiresAt, &r.Used, &r.CaseID)
	return r, err
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
