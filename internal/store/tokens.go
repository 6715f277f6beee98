package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// API tokens: a row per token, holding only its secret's digest (internal/auth).

// NewToken is a token to store.
type NewToken struct {
	AgentID   int64
	Digest    []byte
	Label     string
	Scopes    []string
	IssuedBy  int64     // the agent who issued it; 0: the command line
	ExpiresAt time.Time // zero: never
	CreatedAt time.Time
}

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// InsertToken stores an API token's digest for an agent, issued on the command line, never
// expiring, and returns the token's id.
func (t *Tx) InsertToken(ctx context.Context, agentID int64, digest []byte, label string, now time.Time) (int64, error) {
	return t.InsertIssuedToken(ctx, NewToken{AgentID: agentID, Digest: digest, Label: label, CreatedAt: now})
}

// InsertIssuedToken stores a token and returns its id.
func (t *Tx) InsertIssuedToken(ctx context.Context, k NewToken) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO api_tokens (agent_id, digest, label, scopes, issued_by, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		k.AgentID, k.Digest, k.Label, strings.Join(k.Scopes, " "), nullID(k.IssuedBy), nullTime(k.ExpiresAt), k.CreatedAt).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert token for agent %d: %w", k.AgentID, err)
	}
	return id, nil
}

// Token loads an unrevoked token's digest and its agent.
func (t *Tx) Token(ctx context.Context, id int64) (agentID int64, digest []byte, err error) {
	err = t.tx.QueryRowContext(ctx, `SELECT agent_id, digest FROM api_tokens WHERE id = $1 AND revoked_at IS NULL`, id).Scan(&agentID, &digest)
	if err != nil {
		return 0, nil, fmt.Errorf("load token %d: %w", id, notFound(err))
	}
	return agentID, digest, nil
}

const tokenColumns = `k.id, k.agent_id, a.email, k.label, k.scopes, COALESCE(k.issued_by, 0), COALESCE(i.name, ''),
	k.created_at, k.last_used_at, k.expires_at, k.revoked_at
	FROM api_tokens k JOIN agents a ON a.id = k.agent_id LEFT JOIN agents i ON i.id = k.issued_by`

func scanToken(row scanner, now time.Time) (desk.Token, error) {
	var k desk.Token
	var scopes string
	var used, expires, revoked sql.NullTime
	if err := row.Scan(&k.ID, &k.AgentID, &k.AgentEmail, &k.Label, &scopes, &k.IssuedBy, &k.IssuedByName,
		&k.CreatedAt, &used, &expires, &revoked); err != nil {
		return k, err
	}
	k.CreatedAt = k.CreatedAt.UTC()
	k.Scopes = splitScopes(scopes)
	k.LastUsedAt, k.ExpiresAt, k.RevokedAt = timePtr(used), timePtr(expires), timePtr(revoked)
	k.State = desk.TokenState(k.RevokedAt, k.ExpiresAt, now)
	return k, nil
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// splitScopes reads the scopes column (space-separated; most tokens have none).
func splitScopes(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Fields(s)
}

// Tokens lists tokens, oldest first: an agent's own, or everyone's when agentID is 0. State is
// worked out at now.
func (t *Tx) Tokens(ctx context.Context, agentID int64, now time.Time) ([]desk.Token, error) {
	q, args := `SELECT `+tokenColumns, []any{}
	if agentID != 0 {
		q += ` WHERE k.agent_id = $1`
		args = append(args, agentID)
	}
	rows, err := t.tx.QueryContext(ctx, q+` ORDER BY k.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	out := []desk.Token{}
	for rows.Next() {
		k, err := scanToken(rows, now)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// TokenByID loads a token (revoked or not) as lists show it.
func (t *Tx) TokenByID(ctx context.Context, id int64, now time.Time) (desk.Token, error) {
	k, err := scanToken(t.tx.QueryRowContext(ctx, `SELECT `+tokenColumns+` WHERE k.id = $1`, id), now)
	if err != nil {
		return k, fmt.Errorf("load token %d: %w", id, notFound(err))
	}
	return k, nil
}

// RevokeToken revokes a token at now, unless it was revoked before.
func (t *Tx) RevokeToken(ctx context.Context, id int64, now time.Time) error {
	if _, err := t.tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, now, id); err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	return nil
}

// RevokeLabelledTokens revokes an agent's unrevoked tokens with this label and says how many
// there were.
func (t *Tx) RevokeLabelledTokens(ctx context.Context, agentID int64, label string, now time.Time) (int64, error) {
	return t.changedRows(ctx, fmt.Sprintf("revoke tokens %q of agent %d", label, agentID), `UPDATE api_tokens SET revoked_at = $1 WHERE agent_id = $2 AND label = $3 AND revoked_at IS NULL`, now, agentID, label)
}

// TouchToken records that a token was used at.
func (t *Tx) TouchToken(ctx context.Context, id int64, at time.Time) error {
	if _, err := t.tx.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, at, id); err != nil {
		return fmt.Errorf("note use of token %d: %w", id, err)
	}
	return nil
}

// TokenCheck is what checking an API token reads.
type TokenCheck struct {
	Digest    []byte
	Actor     desk.Actor // the token's agent, with Actor.Token set
	Active    bool       // whether the agent is active
	ExpiresAt time.Time  // zero: never
	LastUsed  time.Time  // zero: never
}

// TokenAgent loads an API token that is not revoked with its agent, as an actor: one statement
// of the columns an API request needs (every request checks its token). The token's issuer is
// joined by primary key, so naming them costs no statement of its own.
func (t *Tx) TokenAgent(ctx context.Context, tokenID int64) (TokenCheck, error) {
	var k TokenCheck
	var g desk.TokenGrant
	var role, scopes string
	var expires, used sql.NullTime
	err := t.tx.QueryRowContext(ctx, `SELECT k.digest, k.label, k.scopes, COALESCE(k.issued_by, 0), COALESCE(i.name, ''), k.expires_at, k.last_used_at,
		a.id, a.name, a.role, COALESCE(a.partner_id, 0), a.active
		FROM api_tokens k JOIN agents a ON a.id = k.agent_id LEFT JOIN agents i ON i.id = k.issued_by
		WHERE k.id = $1 AND k.revoked_at IS NULL`, tokenID).
		Scan(&k.Digest, &g.Label, &scopes, &g.IssuedBy, &g.IssuedByName, &expires, &used,
			&k.Actor.ID, &k.Actor.Name, &role, &k.Actor.PartnerID, &k.Active)
	if err != nil {
		return k, fmt.Errorf("load token %d: %w", tokenID, notFound(err))
	}
	g.ID, g.Scopes = tokenID, splitScopes(scopes)
	k.Actor.Kind, k.Actor.Role, k.Actor.Token = desk.ActorAgent, desk.Role(role), &g
	if expires.Valid {
		k.ExpiresAt = expires.Time.UTC()
	}
	if used.Valid {
		k.LastUsed = used.Time.UTC()
	}
	return k, nil
}
