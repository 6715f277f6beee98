package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// Incidents and their linked cases, promise groups and notices; decisions and their policies
// (see service/incidents.go and service/decisions.go).

// The team's name is a subquery, not an outer join: PostgreSQL locks no outer join's rows.
const incidentColumns = `i.id, i.title, i.area, i.public_status, COALESCE(i.team_id, 0),
	COALESCE((SELECT tm.name FROM teams tm WHERE tm.id = i.team_id), ''), i.owner_id, i.state,
	i.summary, i.created_by, i.created_at, i.resolved_at`

const incidentFrom = ` FROM incidents i`

func scanIncident(row scanner) (desk.Incident, error) {
	var i desk.Incident
	var resolved sql.NullTime
	err := row.Scan(&i.ID, &i.Title, &i.Area, &i.PublicStatus, &i.TeamID, &i.Team, &i.OwnerID, &i.State, &i.Summary, &i.CreatedBy, &i.CreatedAt, &resolved)
	i.CreatedAt = i.CreatedAt.UTC()
	if resolved.Valid {
		at := resolved.Time.UTC()
		i.ResolvedAt = &at
	}
	return i, err
}

// InsertIncident stores a new incident and sets its id.
func (t *Tx) InsertIncident(ctx context.Context, i *desk.Incident) error {
	err := t.tx.QueryRowContext(ctx, `INSERT INTO incidents (title, area, public_status, team_id, owner_id, state, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		i.Title, i.Area, i.PublicStatus, nullID(i.TeamID), i.OwnerID, string(i.State), i.CreatedBy, dbTime(i.CreatedAt)).Scan(&i.ID)
	if err != nil {
		return fmt.Errorf("insert incident: %w", err)
	}
	return nil
}

// Incident loads an incident (locked for a command).
func (t *Tx) Incident(ctx context.Context, id int64) (desk.Incident, error) {
	return loadByID(ctx, t, "incident", id, scanIncident, t.forUpdate(`SELECT `+incidentColumns+incidentFrom+` WHERE i.id = $1`))
}

// SaveIncident stores an incident's state, status and summary.
func (t *Tx) SaveIncident(ctx context.Context, i desk.Incident) error {
	var resolved any
	if i.ResolvedAt != nil {
		resolved = dbTime(*i.ResolvedAt)
	}
	_, err := t.tx.ExecContext(ctx, `UPDATE incidents SET public_status = $1, state = $2, summary = $3, resolved_at = $4 WHERE id = $5`,
		i.PublicStatus, string(i.State), i.Summary, resolved, i.ID)
	if err != nil {
		return fmt.Errorf("save incident %d: %w", i.ID, err)
	}
	return nil
}

// Incidents lists incidents, newest first; state "" lists every one.
func (t *Tx) Incidents(ctx context.Context, state desk.IncidentState) ([]desk.Incident, error) {
	q := `SELECT ` + incidentColumns + incidentFrom
	args := []any{}
	if state != "" {
		q += ` WHERE i.state = $1`
		args = append(args, string(state))
	}
	return listOf(ctx, t, "list incidents", scanIncident, q+` ORDER BY i.id DESC LIMIT 500`, args...)
}

// IncidentsOfCase are the incidents a case is linked to, oldest link first.
func (t *Tx) IncidentsOfCase(ctx context.Context, caseID int64) ([]desk.Incident, error) {
	return listOf(ctx, t, fmt.Sprintf("incidents of case %d", caseID), scanIncident, `SELECT `+incidentColumns+incidentFrom+` JOIN incident_cases ic ON ic.incident_id = i.id
		WHERE ic.case_id = $1 ORDER BY ic.linked_at, i.id`, caseID)
}

// IncidentCase is a case linked to an incident.
type IncidentCase struct {
	CaseID     int64     `json:"case_id"`
	CustomerID int64     `json:"customer_id"`
	LinkedBy   int64     `json:"linked_by"`
	LinkedAt   time.Time `json:"linked_at"`
}

// LinkIncidentCase links a case to an incident; false when it already was.
func (t *Tx) LinkIncidentCase(ctx context.Context, incidentID, caseID, by int64, at time.Time) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `INSERT INTO incident_cases (incident_id, case_id, linked_by, linked_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (incident_id, case_id) DO NOTHING`, incidentID, caseID, by, dbTime(at))
	if err != nil {
		return false, fmt.Errorf("link case %d to incident %d: %w", caseID, incidentID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// IncidentCases are the cases linked to an incident, in the order they were linked.
func (t *Tx) IncidentCases(ctx context.Context, incidentID int64) ([]IncidentCase, error) {
	return listOf(ctx, t, fmt.Sprintf("cases of incident %d", incidentID), func(row scanner) (IncidentCase, error) {
		var c IncidentCase
		err := row.Scan(&c.CaseID, &c.CustomerID, &c.LinkedBy, &c.LinkedAt)
		c.LinkedAt = c.LinkedAt.UTC()
		return c, err
	}, `SELECT ic.case_id, c.customer_id, ic.linked_by, ic.linked_at FROM incident_cases ic
		JOIN cases c ON c.id = ic.case_id WHERE ic.incident_id = $1 ORDER BY ic.linked_at, ic.case_id`, incidentID)
}

// AddIncidentPromise puts a promise made on a linked case into an incident's promise group.
func (t *Tx) AddIncidentPromise(ctx context.Context, promiseID, incidentID, groupID int64) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO incident_promises (promise_id, incident_id, group_id) VALUES ($1, $2, $3)`, promiseID, incidentID, groupID)
	if err != nil {
		return fmt.Errorf("add promise %d to incident %d: %w", promiseID, incidentID, err)
	}
	return nil
}

// IncidentPromise is the incident and group of a promise made for an incident (ok false: a
// promise of its case alone).
func (t *Tx) IncidentPromise(ctx context.Context, promiseID int64) (incidentID, groupID int64, ok bool, err error) {
	err = t.tx.QueryRowContext(ctx, `SELECT incident_id, group_id FROM incident_promises WHERE promise_id = $1`, promiseID).Scan(&incidentID, &groupID)
	if err == sql.ErrNoRows {
		return 0, 0, false, nil
	}
	if err != nil {
		return 0, 0, false, fmt.Errorf("incident of promise %d: %w", promiseID, err)
	}
	return incidentID, groupID, true, nil
}

// IncidentPromiseRef is the incident and group of a promise made for an incident.
type IncidentPromiseRef struct{ PromiseID, IncidentID, GroupID int64 }

// IncidentPromisesOf are, of the promises, those made for incidents (a batch of breaks reads
// them at once), by promise id.
func (t *Tx) IncidentPromisesOf(ctx context.Context, promiseIDs []int64) (map[int64]IncidentPromiseRef, error) {
	return byIDs(ctx, t, "incidents of promises", promiseIDs, func(in string) string {
		return `SELECT promise_id, incident_id, group_id FROM incident_promises WHERE promise_id IN ` + in
	}, func(s scanner) (IncidentPromiseRef, error) {
		var r IncidentPromiseRef
		err := s.Scan(&r.PromiseID, &r.IncidentID, &r.GroupID)
		return r, err
	}, func(r IncidentPromiseRef) int64 { return r.PromiseID })
}

// IncidentPromiseIDs are the promises of an incident's groups: groupID 0 every group's, by
// group then promise.
func (t *Tx) IncidentPromiseIDs(ctx context.Context, incidentID, groupID int64) ([][2]int64, error) {
	q := `SELECT group_id, promise_id FROM incident_promises WHERE incident_id = $1`
	args := []any{incidentID}
	if groupID != 0 {
		q += ` AND group_id = $2`
		args = append(args, groupID)
	}
	var out [][2]int64
	err := t.tx.eachRow(ctx, appendTo(&out, func(row scanner) ([2]int64, error) {
		var gp [2]int64
		err := row.Scan(&gp[0], &gp[1])
		return gp, err
	}), q+` ORDER BY group_id, promise_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("promises of incident %d: %w", incidentID, err)
	}
	return out, nil
}

// IncidentNotice is one telling of a customer about an incident: what (promise, slip,
// resolved), on which case, when.
type IncidentNotice struct {
	CustomerID int64     `json:"customer_id"`
	CaseID     int64     `json:"case_id"`
	What       string    `json:"what"`
	RefID      int64     `json:"ref_id,omitempty"`
	At         time.Time `json:"at"`
}

// AddIncidentNotice records that a customer was told something of an incident.
func (t *Tx) AddIncidentNotice(ctx context.Context, incidentID int64, n IncidentNotice) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO incident_notices (incident_id, customer_id, case_id, what, ref_id, at) VALUES ($1, $2, $3, $4, $5, $6)`,
		incidentID, n.CustomerID, n.CaseID, n.What, n.RefID, dbTime(n.At))
	if err != nil {
		return fmt.Errorf("incident %d notice: %w", incidentID, err)
	}
	return nil
}

// WasTold reports whether a customer was told something of an incident already.
func (t *Tx) WasTold(ctx context.Context, incidentID, customerID int64, what string, ref int64) (bool, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM incident_notices WHERE incident_id = $1 AND customer_id = $2 AND what = $3 AND ref_id = $4`,
		incidentID, customerID, what, ref).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("incident %d notices: %w", incidentID, err)
	}
	return n > 0, nil
}

// IncidentNotices are who was told what of an incident, oldest first.
func (t *Tx) IncidentNotices(ctx context.Context, incidentID int64) ([]IncidentNotice, error) {
	return listOf(ctx, t, fmt.Sprintf("notices of incident %d", incidentID), func(row scanner) (IncidentNotice, error) {
		var n IncidentNotice
		err := row.Scan(&n.CustomerID, &n.CaseID, &n.What, &n.RefID, &n.At)
		n.At = n.At.UTC()
		return n, err
	}, `SELECT customer_id, case_id, what, ref_id, at FROM incident_notices WHERE incident_id = $1 ORDER BY id`, incidentID)
}

// Decisions.

const decisionColumns = `id, case_id, kind, amount, currency, reason, state, answer, requested_by, approver_id, decided_by, rung,
	promise_id, created_at, decided_at`

func scanDecision(row scanner) (desk.Decision, error) {
	var d desk.Decision
	var decided sql.NullTime
	err := row.Scan(&d.ID, &d.CaseID, &d.Kind, &d.Amount, &d.Currency, &d.Reason, &d.State, &d.Answer, &d.RequestedBy, &d.ApproverID,
		&d.DecidedBy, &d.Rung, &d.PromiseID, &d.CreatedAt, &decided)
	d.CreatedAt = d.CreatedAt.UTC()
	if decided.Valid {
		at := decided.Time.UTC()
		d.DecidedAt = &at
	}
	return d, err
}

// InsertDecision stores a new decision of a team and sets its id.
func (t *Tx) InsertDecision(ctx context.Context, d *desk.Decision, teamID int64) error {
	err := t.tx.QueryRowContext(ctx, `INSERT INTO decisions (case_id, kind, amount, currency, reason, state, answer, requested_by, approver_id,
		decided_by, rung, promise_id, team_id, created_at, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
		d.CaseID, string(d.Kind), int64(d.Amount), d.Currency, d.Reason, string(d.State), d.Answer, d.RequestedBy, d.ApproverID, d.DecidedBy,
		string(d.Rung), d.PromiseID, teamID, dbTime(d.CreatedAt), optTime(d.DecidedAt)).Scan(&d.ID)
	if err != nil {
		return fmt.Errorf("insert decision: %w", err)
	}
	return nil
}

func optTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return dbTime(*t)
}

// SaveDecision stores what became of a decision.
func (t *Tx) SaveDecision(ctx context.Context, d desk.Decision) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE decisions SET state = $1, answer = $2, approver_id = $3, decided_by = $4, promise_id = $5, decided_at = $6 WHERE id = $7`,
		string(d.State), d.Answer, d.ApproverID, d.DecidedBy, d.PromiseID, optTime(d.DecidedAt), d.ID)
	if err != nil {
		return fmt.Errorf("save decision %d: %w", d.ID, err)
	}
	return nil
}

// Decision loads a decision (locked for a command).
func (t *Tx) Decision(ctx context.Context, id int64) (desk.Decision, error) {
	return loadByID(ctx, t, "decision", id, scanDecision, t.forUpdate(`SELECT `+decisionColumns+` FROM decisions WHERE id = $1`))
}

// DecisionsOfCase are a case's decisions, oldest first.
func (t *Tx) DecisionsOfCase(ctx context.Context, caseID int64) ([]desk.Decision, error) {
	return listOf(ctx, t, fmt.Sprintf("decisions of case %d", caseID), scanDecision, `SELECT `+decisionColumns+` FROM decisions WHERE case_id = $1 ORDER BY id`, caseID)
}

// DecisionPolicy is a team's written policy (team 0: the desk's); ok is false when none is
// written.
func (t *Tx) DecisionPolicy(ctx context.Context, teamID int64) (desk.DecisionPolicy, bool, error) {
	var p desk.DecisionPolicy
	var limits string
	var at time.Time
	err := t.tx.QueryRowContext(ctx, `SELECT limits, decide_within_s, text, updated_at FROM decision_policies WHERE team_id = $1`, teamID).
		Scan(&limits, &p.DecideWithS, &p.Text, &at)
	if err == sql.ErrNoRows {
		return p, false, nil
	}
	if err != nil {
		return p, false, fmt.Errorf("decision policy of team %d: %w", teamID, err)
	}
	if err := json.Unmarshal([]byte(limits), &p.Limits); err != nil {
		return p, false, fmt.Errorf("decision policy of team %d limits: %w", teamID, err)
	}
	p.DecideWithin = time.Duration(p.DecideWithS) * time.Second
	at = at.UTC()
	p.UpdatedAt = &at
	return p, true, nil
}

// SaveDecisionPolicy writes a team's policy (team 0: the desk's).
func (t *Tx) SaveDecisionPolicy(ctx context.Context, teamID int64, p desk.DecisionPolicy, by int64, at time.Time) error {
	limits, err := json.Marshal(p.Limits)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(ctx, `INSERT INTO decision_policies (team_id, limits, decide_within_s, text, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (team_id) DO UPDATE SET limits = excluded.limits, decide_within_s = excluded.decide_within_s, text = excluded.text,
		updated_by = excluded.updated_by, updated_at = excluded.updated_at`, teamID, string(limits), p.DecideWithS, p.Text, by, dbTime(at))
	if err != nil {
		return fmt.Errorf("save decision policy of team %d: %w", teamID, err)
	}
	return nil
}

// DecisionCounts counts the decisions asked for in [from, to) per agent who asked: how many,
// granted, refused, still waiting, and sent up the ladder for approval.
func (t *Tx) DecisionCounts(ctx context.Context, from, to time.Time, f ReportFilter) ([]AgentCount, error) {
	args := []any{dbTime(from), dbTime(to)}
	return t.agentCounts(ctx, "decision report", `SELECT d.requested_by, a.name, x.key, COUNT(*) FROM decisions d
		JOIN agents a ON a.id = d.requested_by JOIN cases c ON c.id = d.case_id
		JOIN (SELECT 'requested' AS key UNION ALL SELECT 'granted' UNION ALL SELECT 'refused' UNION ALL SELECT 'pending' UNION ALL SELECT 'sent_up') x
		  ON x.key = 'requested' OR (x.key = 'granted' AND d.state = 'granted') OR (x.key = 'refused' AND d.state = 'refused')
		  OR (x.key = 'pending' AND d.state = 'pending_approval') OR (x.key = 'sent_up' AND d.approver_id <> 0)
		WHERE d.created_at >= $1 AND d.created_at < $2 AND `+f.where("d.requested_by", &args)+`
		GROUP BY d.requested_by, a.name, x.key ORDER BY a.name, d.requested_by`, args...)
}

// DecisionsAsked are the decisions asked for in [from, to) on the cases of the filter (the
// agent: who asked), oldest first: the decision reports group them.
func (t *Tx) DecisionsAsked(ctx context.Context, from, to time.Time, f ReportFilter) ([]desk.Decision, error) {
	args := []any{dbTime(from), dbTime(to)}
	var out []desk.Decision
	err := t.tx.eachRow(ctx, appendTo(&out, scanDecision), `SELECT `+decisionColumns+` FROM decisions WHERE id IN (SELECT d.id FROM decisions d
		JOIN cases c ON c.id = d.case_id WHERE d.created_at >= $1 AND d.created_at < $2 AND `+f.where("d.requested_by", &args)+`)
		ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("decisions asked: %w", err)
	}
	return out, nil
}

// SetCaseTypeChannel writes the channel that serves a case type best (write or call).
func (t *Tx) SetCaseTypeChannel(ctx context.Context, caseTypeID int64, channel string, at time.Time) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO case_type_advice (case_type_id, channel, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (case_type_id) DO UPDATE SET channel = excluded.channel, updated_at = excluded.updated_at`, caseTypeID, channel, dbTime(at))
	if err != nil {
		return fmt.Errorf("set the channel of case type %d: %w", caseTypeID, err)
	}
	return nil
}

// CaseTypeChannels are the channels set per case type, by case type id.
func (t *Tx) CaseTypeChannels(ctx context.Context) (map[int64]string, error) {
	return queryMap[int64, string](ctx, t.tx, "case type channels", `SELECT case_type_id, channel FROM case_type_advice`)
}
