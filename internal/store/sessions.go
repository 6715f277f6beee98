package store

import (
	"context"
	"fmt"
	"time"
)

// Session is a signed-in browser: an agent's or a customer's.
type Session struct {
	ID        int64
	Kind      string // "agent" or "customer"
	PersonID  int64
	Digest    []byte
	ExpiresAt time.Time
	Lang      string // the person's chosen language, "" when never chosen
}

// InsertSession stores a new session's digest and returns its id.
func (t *Tx) InsertSession(ctx context.Context, kind string, personID int64, digest []byte, now, expires time.Time) (int64, error) {
	return t.insertID(ctx, "session", `INSERT INTO sessions (kind, person_id, digest, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, kind, personID, digest, now, expires)
}

// Session loads a session with its person's language.
func (t *Tx) Session(ctx context.Context, id int64) (Session, error) {
	s := Session{ID: id}
	err := t.scanByID(ctx, "load session", id, `SELECT s.kind, s.person_id, s.digest, s.expires_at,
		COALESCE(CASE s.kind WHEN 'agent' THEN a.lang ELSE c.lang END, '')
		FROM sessions s
		LEFT JOIN agents a ON s.kind = 'agent' AND a.id = s.person_id
		LEFT JOIN customers c ON s.kind = 'customer' AND c.id = s.person_id
		WHERE s.id = $1`, &s.Kind, &s.PersonID, &s.Digest, &s.ExpiresAt, &s.Lang)
	return s, err
}

// DeleteSession ends one session.
func (t *Tx) DeleteSession(ctx context.Context, id int64) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, id); err != nil {
		return fmt.Errorf("delete session %d: %w", id, err)
	}
	return nil
}

// DeleteSessions ends every session of one person, and any expired session of anyone.
func (t *Tx) DeleteSessions(ctx context.Context, kind string, personID int64, now time.Time) error {
	_, err := t.tx.ExecContext(ctx, `DELETE FROM sessions WHERE (kind = $1 AND person_id = $2) OR expires_at < $3`, kind, personID, now)
	if err != nil {
		return fmt.Errorf("delete sessions of %s %d: %w", kind, personID, err)
	}
	return nil
}

// SetLang stores the language a person chose ("agent" or "customer").
func (t *Tx) SetLang(ctx context.Context, kind string, personID int64, lang string) error {
	q := `UPDATE agents SET lang = $1 WHERE id = $2`
	if kind == "customer" {
		q = `UPDATE customers SET lang = $1 WHERE id = $2`
	}
	if _, err := t.tx.ExecContext(ctx, q, lang, personID); err != nil {
		return fmt.Errorf("set language of %s %d: %w", kind, personID, err)
	}
	return nil
}

// PortalLink is a one-time sign-in link mailed to a customer.
type PortalLink struct {
	ID         int64
	CustomerID int64
	Email      string
	Digest     []byte
	ExpiresAt  time.Time
	Used       bool
}

// InsertPortalLink stores a sign-in link's digest and returns its id.
func (t *Tx) InsertPortalLink(ctx context.Context, customerID int64, email string, digest []byte, now, expires time.Time) (int64, error) {
	return t.insertID(ctx, "portal link", `INSERT INTO portal_links (customer_id, email, digest, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, customerID, email, digest, now, expires)
}

// PortalLink loads a sign-in link.
func (t *Tx) PortalLink(ctx context.Context, id int64) (PortalLink, error) {
	l := PortalLink{ID: id}
	err := t.scanByID(ctx, "load portal link", id, `SELECT customer_id, email, digest, expires_at, used_at IS NOT NULL FROM portal_links WHERE id = $1`,
		&l.CustomerID, &l.Email, &l.Digest, &l.ExpiresAt, &l.Used)
	return l, err
}

// UsePortalLink marks a link used and reports whether this call was the one that used it, so
// two clicks racing each other cannot both sign in.
func (t *Tx) UsePortalLink(ctx context.Context, id int64, now time.Time) (bool, error) {
	n, err := t.changedRows(ctx, fmt.Sprintf("use portal link %d", id), `UPDATE portal_links SET used_at = $1 WHERE id = $2 AND used_at IS NULL`, now, id)
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// PasswordReset is a one-time link mailed to an agent who forgot their password.
type PasswordReset struct {
	ID        int64
	AgentID   int64
	Digest    []byte
	ExpiresAt time.Time
	Used      bool
}

// InsertPasswordReset stores a reset link's digest and returns its id.
func (t *Tx) InsertPasswordReset(ctx context.Context, agentID int64, digest []byte, now, expires time.Time) (int64, error) {
	return t.insertID(ctx, "password reset", `INSERT INTO password_resets (agent_id, digest, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		agentID, digest, now, expires)
}

// PasswordReset loads a reset link.
func (t *Tx) PasswordReset(ctx context.Context, id int64) (PasswordReset, error) {
	l := PasswordReset{ID: id}
	err := t.scanByID(ctx, "load password reset", id, `SELECT agent_id, digest, expires_at, used_at IS NOT NULL FROM password_resets WHERE id = $1`,
		&l.AgentID, &l.Digest, &l.ExpiresAt, &l.Used)
	return l, err
}

// UsePasswordResets marks every unused reset link of the agent used (the one used, and any
// older one still lying in their mailbox), reporting whether the one with id was among them.
func (t *Tx) UsePasswordResets(ctx context.Context, agentID, id int64, now time.Time) (bool, error) {
	var n int
	if err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM password_resets WHERE id = $1 AND used_at IS NULL`, id).Scan(&n); err != nil {
		return false, fmt.Errorf("use password reset %d: %w", id, err)
	}
	if _, err := t.tx.ExecContext(ctx, `UPDATE password_resets SET used_at = $1 WHERE agent_id = $2 AND used_at IS NULL`, now, agentID); err != nil {
		return false, fmt.Errorf("use password resets of agent %d: %w", agentID, err)
	}
	return n == 1, nil
}
