package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SecondFactor is an agent's TOTP secret: pending until a code from it is confirmed.
type SecondFactor struct {
	AgentID   int64
	Secret    string
	Confirmed bool
	LastStep  int64 // the latest time step whose code was used (a code works once)
}

// SecondFactor loads an agent's second factor (not found when they have none).
func (t *Tx) SecondFactor(ctx context.Context, agentID int64) (SecondFactor, error) {
	f := SecondFactor{AgentID: agentID}
	err := t.scanByID(ctx, "load second factor of agent", agentID, `SELECT secret, confirmed_at IS NOT NULL, last_step FROM second_factors WHERE agent_id = $1`,
		&f.Secret, &f.Confirmed, &f.LastStep)
	return f, err
}

// StartSecondFactor stores a new, pending secret for an agent in place of any they had, and
// forgets their recovery codes: they belong to the factor being replaced.
func (t *Tx) StartSecondFactor(ctx context.Context, agentID int64, secret string, now time.Time) error {
	if err := t.DeleteSecondFactor(ctx, agentID); err != nil {
		return err
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO second_factors (agent_id, secret, created_at) VALUES ($1, $2, $3)`, agentID, secret, now)
	if err != nil {
		return fmt.Errorf("start second factor of agent %d: %w", agentID, err)
	}
	return nil
}

// UseSecondFactorStep records that the code of step was used (confirming a pending factor),
// and reports whether this call was the first to use it: a step at or before the last one
// used is refused, so a code cannot be used twice, even by two requests racing each other.
func (t *Tx) UseSecondFactorStep(ctx context.Context, agentID, step int64, now time.Time) (bool, error) {
	n, err := t.changedRows(ctx, fmt.Sprintf("use second factor step of agent %d", agentID), `UPDATE second_factors SET last_step = $1, confirmed_at = COALESCE(confirmed_at, $2)
		WHERE agent_id = $3 AND last_step < $1`, step, now, agentID)
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// DeleteSecondFactor removes an agent's second factor and recovery codes.
func (t *Tx) DeleteSecondFactor(ctx context.Context, agentID int64) error {
	for _, q := range []string{`DELETE FROM recovery_codes WHERE agent_id = $1`, `DELETE FROM second_factors WHERE agent_id = $1`} {
		if _, err := t.tx.ExecContext(ctx, q, agentID); err != nil {
			return fmt.Errorf("delete second factor of agent %d: %w", agentID, err)
		}
	}
	return nil
}

// SecondFactorsOn lists the agents whose second factor is confirmed, with how many recovery
// codes each has left.
func (t *Tx) SecondFactorsOn(ctx context.Context) (map[int64]int, error) {
	return queryMap[int64, int](ctx, t.tx, "list second factors", `SELECT f.agent_id,
		(SELECT COUNT(*) FROM recovery_codes r WHERE r.agent_id = f.agent_id AND r.used_at IS NULL)
		FROM second_factors f WHERE f.confirmed_at IS NOT NULL`)
}

// SetRecoveryCodes replaces an agent's recovery codes with these digests.
func (t *Tx) SetRecoveryCodes(ctx context.Context, agentID int64, digests [][]byte) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE agent_id = $1`, agentID); err != nil {
		return fmt.Errorf("replace recovery codes of agent %d: %w", agentID, err)
	}
	for _, d := range digests {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO recovery_codes (agent_id, digest) VALUES ($1, $2)`, agentID, d); err != nil {
			return fmt.Errorf("store recovery code of agent %d: %w", agentID, err)
		}
	}
	return nil
}

// UseRecoveryCode marks the agent's unused code with this digest used, reporting whether there
// was one (a code works once).
func (t *Tx) UseRecoveryCode(ctx context.Context, agentID int64, digest []byte, now time.Time) (bool, error) {
	n, err := t.changedRows(ctx, fmt.Sprintf("use recovery code of agent %d", agentID), `UPDATE recovery_codes SET used_at = $1 WHERE agent_id = $2 AND digest = $3 AND used_at IS NULL`, now, agentID, digest)
	if err != nil {
		return false, err
	}
	return n > 0, nil
}

// RecoveryCodesLeft counts an agent's unused recovery codes.
func (t *Tx) RecoveryCodesLeft(ctx context.Context, agentID int64) (int, error) {
	var n int
	if err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE agent_id = $1 AND used_at IS NULL`, agentID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count recovery codes of agent %d: %w", agentID, err)
	}
	return n, nil
}

// SigninStep is the second step of a sign-in: the password was right, a code is awaited.
type SigninStep struct {
	ID        int64
	AgentID   int64
	Digest    []byte
	ExpiresAt time.Time
	Wrong     int // wrong codes typed in it
	Used      bool
}

// InsertSigninStep stores a second step's digest (and sweeps expired ones) and returns its id.
func (t *Tx) InsertSigninStep(ctx context.Context, agentID int64, digest []byte, now, expires time.Time) (int64, error) {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM signin_steps WHERE expires_at < $1`, now); err != nil {
		return 0, fmt.Errorf("sweep sign-in steps: %w", err)
	}
	return t.insertID(ctx, "sign-in step", `INSERT INTO signin_steps (agent_id, digest, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		agentID, digest, now, expires)
}

// SigninStep loads a second step.
func (t *Tx) SigninStep(ctx context.Context, id int64) (SigninStep, error) {
	s := SigninStep{ID: id}
	err := t.scanByID(ctx, "load sign-in step", id, `SELECT agent_id, digest, expires_at, wrong, used_at IS NOT NULL FROM signin_steps WHERE id = $1`,
		&s.AgentID, &s.Digest, &s.ExpiresAt, &s.Wrong, &s.Used)
	return s, err
}

// WrongSigninCode counts a wrong code typed in a second step.
func (t *Tx) WrongSigninCode(ctx context.Context, id int64) error {
	if _, err := t.tx.ExecContext(ctx, `UPDATE signin_steps SET wrong = wrong + 1 WHERE id = $1`, id); err != nil {
		return fmt.Errorf("count wrong code of sign-in step %d: %w", id, err)
	}
	return nil
}

// UseSigninStep marks a second step done, reporting whether this call was the one to do it.
func (t *Tx) UseSigninStep(ctx context.Context, id int64, now time.Time) (bool, error) {
	n, err := t.changedRows(ctx, fmt.Sprintf("use sign-in step %d", id), `UPDATE signin_steps SET used_at = $1 WHERE id = $2 AND used_at IS NULL`, now, id)
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// SecondFactorRequired says whether the desk requires every agent to have a second factor.
func (t *Tx) SecondFactorRequired(ctx context.Context) (bool, error) {
	var on bool
	err := t.tx.QueryRowContext(ctx, `SELECT require_second_factor FROM signin_policy WHERE id = 1`).Scan(&on)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("load sign-in policy: %w", err)
	}
	return on, nil
}

// SetSecondFactorRequired stores whether every agent must have a second factor.
func (t *Tx) SetSecondFactorRequired(ctx context.Context, on bool, by int64, now time.Time) error {
	var who *int64
	if by != 0 {
		who = &by
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO signin_policy (id, require_second_factor, changed_at, changed_by) VALUES (1, $1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET require_second_factor = excluded.require_second_factor, changed_at = excluded.changed_at, changed_by = excluded.changed_by`,
		on, now, who)
	if err != nil {
		return fmt.Errorf("store sign-in policy: %w", err)
	}
	return nil
}
