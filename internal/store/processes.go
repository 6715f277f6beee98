package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// InsertCaseType stores a case type and sets its id.
func (t *Tx) InsertCaseType(ctx context.Context, ct *desk.CaseType) error {
	refs, _ := json.Marshal(ct.RequiredReferences) // strings always encode
	steps, _ := json.Marshal(ct.Steps)
	err := t.tx.QueryRowContext(ctx, `INSERT INTO case_types (name, team_id, required_refs, steps, response_target_s, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		ct.Name, nullID(ct.TeamID), string(refs), string(steps), int64(ct.ResponseTarget/time.Second), ct.CreatedAt).Scan(&ct.ID)
	if err != nil {
		return fmt.Errorf("insert case type %q: %w", ct.Name, err)
	}
	return nil
}

const caseTypeQuery = `SELECT ct.id, ct.name, COALESCE(ct.team_id, 0), COALESCE(tm.name, ''), ct.required_refs, ct.steps, ct.response_target_s, ct.created_at
	FROM case_types ct LEFT JOIN teams tm ON tm.id = ct.team_id`

func scanCaseType(row scanner) (desk.CaseType, error) {
	var ct desk.CaseType
	var refs, steps string
	if err := row.Scan(&ct.ID, &ct.Name, &ct.TeamID, &ct.Team, &refs, &steps, &ct.ResponseTargetS, &ct.CreatedAt); err != nil {
		return ct, err
	}
	ct.ResponseTarget = time.Duration(ct.ResponseTargetS) * time.Second
	ct.CreatedAt = ct.CreatedAt.UTC()
	if err := json.Unmarshal([]byte(refs), &ct.RequiredReferences); err != nil {
		return ct, fmt.Errorf("case type %d references: %w", ct.ID, err)
	}
	if err := json.Unmarshal([]byte(steps), &ct.Steps); err != nil {
		return ct, fmt.Errorf("case type %d steps: %w", ct.ID, err)
	}
	return ct, nil
}

// CaseType loads a case type by id, or by name when id is 0.
func (t *Tx) CaseType(ctx context.Context, id int64, name string) (desk.CaseType, error) {
	q, arg := caseTypeQuery+` WHERE ct.id = $1`, any(id)
	if id == 0 {
		q, arg = caseTypeQuery+` WHERE ct.name = $1`, name
	}
	ct, err := scanCaseType(t.tx.QueryRowContext(ctx, q, arg))
	if err != nil {
		return ct, fmt.Errorf("load case type %v%s: %w", id, name, notFound(err))
	}
	return ct, nil
}

// CaseTypes lists every case type by name.
func (t *Tx) CaseTypes(ctx context.Context) ([]desk.CaseType, error) {
	return listOf(ctx, t, "list case types", scanCaseType, caseTypeQuery+` ORDER BY ct.name`)
}

// EnterStep closes the case's current step and opens the next, for the durations history.
func (t *Tx) EnterStep(ctx context.Context, caseID int64, caseType string, position int, name string, now time.Time) error {
	if _, err := t.tx.ExecContext(ctx, `UPDATE case_steps SET ended_at = $1 WHERE case_id = $2 AND ended_at IS NULL`, now, caseID); err != nil {
		return fmt.Errorf("close step of case %d: %w", caseID, err)
	}
	if position == 0 {
		return nil
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO case_steps (case_id, case_type, position, name, started_at) VALUES ($1, $2, $3, $4, $5)`,
		caseID, caseType, position, name, now)
	if err != nil {
		return fmt.Errorf("open step of case %d: %w", caseID, err)
	}
	return nil
}

// StepDurations returns how long the most recent finished passes through a step of a case
// type took.
func (t *Tx) StepDurations(ctx context.Context, caseType, step string, limit int) ([]time.Duration, error) {
	var out []time.Duration
	err := t.tx.eachRow(ctx, appendTo(&out, func(row scanner) (time.Duration, error) {
		var from, to time.Time
		err := row.Scan(&from, &to)
		return to.Sub(from), err
	}), `SELECT started_at, ended_at FROM case_steps WHERE case_type = $1 AND name = $2 AND ended_at IS NOT NULL
		ORDER BY ended_at DESC LIMIT $3`, caseType, step, limit)
	if err != nil {
		return nil, fmt.Errorf("step history: %w", err)
	}
	return out, nil
}

// RecordOutcome counts how a resolution ended for the agent who proposed it.
func (t *Tx) RecordOutcome(ctx context.Context, caseID, agentID int64, outcome string, at time.Time) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO resolution_outcomes (case_id, agent_id, outcome, at) VALUES ($1, $2, $3, $4)`, caseID, agentID, outcome, at)
	if err != nil {
		return fmt.Errorf("record resolution outcome of case %d: %w", caseID, err)
	}
	t.noteCases(caseID)
	return nil
}

// OutcomeCounts counts resolution outcomes per agent since a time.
func (t *Tx) OutcomeCounts(ctx context.Context, since time.Time) ([]desk.OutcomeCount, error) {
	return listOf(ctx, t, "resolution outcomes", scanOutcomeCount, `SELECT o.agent_id, COALESCE(a.name, ''), o.outcome, COUNT(*) FROM resolution_outcomes o
		LEFT JOIN agents a ON a.id = o.agent_id WHERE o.at >= $1 GROUP BY o.agent_id, a.name, o.outcome ORDER BY o.agent_id, o.outcome`, since)
}

func scanOutcomeCount(row scanner) (desk.OutcomeCount, error) {
	var c desk.OutcomeCount
	err := row.Scan(&c.AgentID, &c.Name, &c.Outcome, &c.Count)
	return c, err
}

// TeamOutcomeCounts counts per agent how the resolutions since a time of one team's cases
// (every team's for 0) ended, whoever resolved them.
func (t *Tx) TeamOutcomeCounts(ctx context.Context, since time.Time, teamID int64) ([]desk.OutcomeCount, error) {
	return listOf(ctx, t, "team resolution outcomes", scanOutcomeCount, `SELECT o.agent_id, COALESCE(a.name, ''), o.outcome, COUNT(*) FROM resolution_outcomes o
		JOIN cases c ON c.id = o.case_id LEFT JOIN agents a ON a.id = o.agent_id
		WHERE o.at >= $1 AND (CAST($2 AS BIGINT) = 0 OR c.team_id = CAST($2 AS BIGINT)) GROUP BY o.agent_id, a.name, o.outcome ORDER BY o.agent_id, o.outcome`, since, teamID)
}

// InsertCannedReply stores a canned reply and sets its id.
func (t *Tx) InsertCannedReply(ctx context.Context, r *desk.CannedReply) error {
	err := t.tx.QueryRowContext(ctx, `INSERT INTO canned_replies (name, body, offer, created_at, folder, scope, team_id, agent_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		r.Name, r.Body, r.Offer, r.CreatedAt, r.Folder, r.Scope, r.TeamID, r.AgentID).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("insert canned reply %q: %w", r.Name, err)
	}
	return nil
}

// CannedReplies lists canned replies by folder and name (one, when id is not 0), each team's
// with the team's name.
func (t *Tx) CannedReplies(ctx context.Context, id int64) ([]desk.CannedReply, error) {
	q, args := `SELECT c.id, c.name, c.body, c.offer, c.created_at, c.folder, c.scope, c.team_id, COALESCE(tm.name, ''), c.agent_id
		FROM canned_replies c LEFT JOIN teams tm ON tm.id = c.team_id`, []any{}
	if id != 0 {
		q, args = q+` WHERE c.id = $1`, append(args, id)
	}
	return listOf(ctx, t, "list canned replies", func(row scanner) (desk.CannedReply, error) {
		var r desk.CannedReply
		err := row.Scan(&r.ID, &r.Name, &r.Body, &r.Offer, &r.CreatedAt, &r.Folder, &r.Scope, &r.TeamID, &r.Team, &r.AgentID)
		r.CreatedAt = r.CreatedAt.UTC()
		return r, err
	}, q+` ORDER BY c.folder, c.name, c.id`, args...)
}

// UpdateCaseType stores a case type's changed team, references, target and process (its name
// stays: cases name their type by it).
func (t *Tx) UpdateCaseType(ctx context.Context, ct desk.CaseType) error {
	refs, _ := json.Marshal(ct.RequiredReferences) // strings always encode
	steps, _ := json.Marshal(ct.Steps)
	res, err := t.tx.ExecContext(ctx, `UPDATE case_types SET team_id = $1, required_refs = $2, steps = $3, response_target_s = $4 WHERE id = $5`,
		nullID(ct.TeamID), string(refs), string(steps), int64(ct.ResponseTarget/time.Second), ct.ID)
	return oneRow(res, err, "change case type", ct.ID)
}

// UpdateCannedReply stores a canned reply's changed name, body, offer mark and folder (its
// scope stays as it was made).
func (t *Tx) UpdateCannedReply(ctx context.Context, r desk.CannedReply) error {
	res, err := t.tx.ExecContext(ctx, `UPDATE canned_replies SET name = $1, body = $2, offer = $3, folder = $4 WHERE id = $5`,
		r.Name, r.Body, r.Offer, r.Folder, r.ID)
	return oneRow(res, err, "change canned reply", r.ID)
}

// DeleteCannedReply removes a canned reply (what was sent with it stays on the records).
func (t *Tx) DeleteCannedReply(ctx context.Context, id int64) error {
	res, err := t.tx.ExecContext(ctx, `DELETE FROM canned_replies WHERE id = $1`, id)
	return oneRow(res, err, "change canned reply", id)
}
