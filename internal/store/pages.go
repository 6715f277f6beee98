package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// What the API's busiest pages read (an agent's list of cases, a case and its record): each
// request costs its CPU in reading rows, so they read only the columns they show, in as few
// statements and transactions as they can.

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

// ListedCase is a case as a list shows it, with what access checks read.
type ListedCase struct {
	ID         int64
	CustomerID int64
	OwnerID    int64
	PartnerID  int64
	Subject    string
	Status     desk.Status
	Rung       int
	Flags      []string
	UpdatedAt  time.Time
}

// Case is the listed case as a desk.Case for access checks; the columns a list does not read
// are left zero.
func (c ListedCase) Case() desk.Case {
	return desk.Case{ID: c.ID, CustomerID: c.CustomerID, OwnerID: c.OwnerID, PartnerID: c.PartnerID, Subject: c.Subject,
		Status: c.Status, Rung: c.Rung, Flags: c.Flags, UpdatedAt: c.UpdatedAt}
}

// CaseList is Cases with only the columns a list shows: a page of 50 read twenty columns a row
// (the original request among them) and parsed two times, for eight.
func (t *Tx) CaseList(ctx context.Context, f CaseFilter) ([]ListedCase, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT id, customer_id, owner_id, COALESCE(partner_id, 0), subject, status, rung, flags, `+t.d.untyped("updated_at")+`
		FROM cases`+f.where(), f.args()...)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	defer rows.Close()
	out := make([]ListedCase, 0, min(max(f.Limit, 0), 500))
	var c ListedCase
	var status, flags string
	var updatedAt anyTime
	dest := []any{&c.ID, &c.CustomerID, &c.OwnerID, &c.PartnerID, &c.Subject, &status, &c.Rung, &flags, &updatedAt}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("list cases: %w", err)
		}
		c.Status, c.UpdatedAt = desk.Status(status), updatedAt.Time
		if c.Flags, err = decodeFlags(flags); err != nil {
			return nil, fmt.Errorf("list cases: case %d flags: %w", c.ID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// decodeFlags reads a case's flags column; most cases have none.
func decodeFlags(s string) ([]string, error) {
	if s == "[]" {
		return []string{}, nil
	}
	var flags []string
	if err := json.Unmarshal([]byte(s), &flags); err != nil {
		return nil, err
	}
	if flags == nil {
		flags = []string{}
	}
	return flags, nil
}
