package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// What the reports read: the facts behind each measure over a period, narrowed by a filter.
// The service turns facts into figures (business time, windows, medians); the store only
// selects them.

// ReportFilter narrows a report to the cases of a team, channel and case type, and to the
// figures of one agent (zero values: no narrowing).
type ReportFilter struct {
	TeamID  int64
	AgentID int64
	Channel string
	Type    string
}

// where is the filter as a condition on the case c, agentCol naming the agent a figure counts
// for ("" when the measure counts for nobody in SQL); its arguments are appended to args.
func (f ReportFilter) where(agentCol string, args *[]any) string {
	cs := conds{where: []string{"1 = 1"}, args: *args}
	if f.TeamID != 0 {
		cs.add("c.team_id = $%d", f.TeamID)
	}
	if f.AgentID != 0 && agentCol != "" {
		cs.add(agentCol+" = $%d", f.AgentID)
	}
	if f.Channel != "" {
		cs.add("c.channel = $%d", f.Channel)
	}
	if f.Type != "" {
		cs.add("c.case_type = $%d", f.Type)
	}
	*args = cs.args
	return strings.Join(cs.where, " AND ")
}

// conds are a WHERE clause's conditions as a query builds them, with their parameters.
type conds struct {
	where []string
	args  []any
}

// add adds a condition on one more parameter, v: cond's %d is its number ($1, $2, …).
func (c *conds) add(cond string, v any) {
	c.args = append(c.args, v)
	c.where = append(c.where, fmt.Sprintf(cond, len(c.args)))
}

// AgentCount is one agent's counts in a report.
type AgentCount struct {
	AgentID int64
	Name    string
	Counts  map[string]int
}

// agentCounts runs a query of (agent id, name, key, count) rows into counts per agent.
func (t *Tx) agentCounts(ctx context.Context, what, q string, args ...any) ([]AgentCount, error) {
	rows, err := t.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []AgentCount
	at := map[int64]int{}
	for rows.Next() {
		var id int64
		var name, key string
		var n int
		if err := rows.Scan(&id, &name, &key, &n); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		i, ok := at[id]
		if !ok {
			i, at[id] = len(out), len(out)
			out = append(out, AgentCount{AgentID: id, Name: name, Counts: map[string]int{}})
		}
		out[i].Counts[key] += n
	}
	return out, rows.Err()
}

// PromiseCounts counts the promises made in [from, to) per owner: made, kept, slipped (at
// least once) and broken.
func (t *Tx) PromiseCounts(ctx context.Context, from, to time.Time, f ReportFilter) ([]AgentCount, error) {
	args := []any{dbTime(from), dbTime(to)}
	return t.agentCounts(ctx, "promise report", `SELECT p.owner_id, a.name, x.key, COUNT(*) FROM promises p
		JOIN agents a ON a.id = p.owner_id JOIN cases c ON c.id = p.case_id
		JOIN (SELECT 'made' AS key UNION ALL SELECT 'kept' UNION ALL SELECT 'slipped' UNION ALL SELECT 'broken') x
		  ON x.key = 'made' OR (x.key = 'kept' AND p.state = 'kept') OR (x.key = 'broken' AND p.state = 'broken') OR (x.key = 'slipped' AND p.slips > 0)
		WHERE p.created_at >= $1 AND p.created_at < $2 AND `+f.where("p.owner_id", &args)+`
		GROUP BY p.owner_id, a.name, x.key ORDER BY a.name, p.owner_id`, args...)
}

// ResolutionCounts counts how resolutions ended in [from, to) per resolver.
func (t *Tx) ResolutionCounts(ctx context.Context, from, to time.Time, f ReportFilter) ([]AgentCount, error) {
	args := []any{dbTime(from), dbTime(to)}
	return t.agentCounts(ctx, "resolution report", `SELECT o.agent_id, COALESCE(a.name, ''), o.outcome, COUNT(*) FROM resolution_outcomes o
		JOIN cases c ON c.id = o.case_id LEFT JOIN agents a ON a.id = o.agent_id
		WHERE o.at >= $1 AND o.at < $2 AND `+f.where("o.agent_id", &args)+`
		GROUP BY o.agent_id, a.name, o.outcome ORDER BY a.name, o.agent_id`, args...)
}

// RatingCounts counts the customers' ratings given in [from, to) per case owner: how many,
// and the sum of their scores.
func (t *Tx) RatingCounts(ctx context.Context, from, to time.Time, f ReportFilter) ([]AgentCount, error) {
	args := []any{dbTime(from), dbTime(to)}
	return t.agentCounts(ctx, "satisfaction report", `SELECT c.owner_id, a.name, x.key, CASE WHEN x.key = 'ratings' THEN COUNT(*) ELSE SUM(r.score) END
		FROM ratings r JOIN cases c ON c.id = r.case_id JOIN agents a ON a.id = c.owner_id
		JOIN (SELECT 'ratings' AS key UNION ALL SELECT 'score_sum') x ON TRUE
		WHERE r.updated_at >= $1 AND r.updated_at < $2 AND `+f.where("c.owner_id", &args)+`
		GROUP BY c.owner_id, a.name, x.key ORDER BY a.name, c.owner_id`, args...)
}

// CaseSpan is a case's part in a time measure: opened at Start, answered or closed at End
// (zero: not yet), of a team (0: none) and channel.
type CaseSpan struct {
	CaseID     int64
	CustomerID int64
	Type       string
	TeamID     int64
	Channel    string
	AgentID    int64
	Start, End time.Time
}

// scanSpans reads (case, customer, type, team, channel, agent, start, end) rows.
func scanSpans(rows *sql.Rows, what string) ([]CaseSpan, error) {
	defer rows.Close()
	var out []CaseSpan
	for rows.Next() {
		var s CaseSpan
		var team sql.NullInt64
		var end anyTime
		if err := rows.Scan(&s.CaseID, &s.CustomerID, &s.Type, &team, &s.Channel, &s.AgentID, &s.Start, &end); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		s.TeamID, s.Start = team.Int64, s.Start.UTC()
		if end.Valid {
			s.End = end.Time.UTC()
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// FirstAnswers lists the cases opened in [from, to) with their first answer (End): the first
// public message, promise, slip, call or proposed resolution on the record. A record is in
// time order, so the first such entry is found by reading the record from its start and
// stopping there (a few rows a case, where the earliest time of all would read every entry).
func (t *Tx) FirstAnswers(ctx context.Context, from, to time.Time, f ReportFilter) ([]CaseSpan, error) {
	args := []any{dbTime(from), dbTime(to)}
	rows, err := t.tx.QueryContext(ctx, `SELECT c.id, c.customer_id, c.case_type, c.team_id, c.channel, COALESCE(c.owner_id, 0), c.created_at,
		  `+firstAnswer+`
		FROM cases c WHERE c.created_at >= $1 AND c.created_at < $2 AND `+f.where("c.owner_id", &args)+` ORDER BY c.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("first response report: %w", err)
	}
	return scanSpans(rows, "first response report")
}

// Closings lists the cases closed in [from, to) (resolution confirmed, or closed unconfirmed),
// each from its opening to that closing, with the resolver as agent.
func (t *Tx) Closings(ctx context.Context, from, to time.Time, f ReportFilter) ([]CaseSpan, error) {
	args := []any{dbTime(from), dbTime(to)}
	rows, err := t.tx.QueryContext(ctx, `SELECT c.id, c.customer_id, c.case_type, c.team_id, c.channel, o.agent_id, c.created_at, o.at
		FROM resolution_outcomes o JOIN cases c ON c.id = o.case_id
		WHERE o.outcome IN ('confirmed', 'closed_unconfirmed') AND o.at >= $1 AND o.at < $2 AND `+f.where("o.agent_id", &args)+`
		ORDER BY o.at, c.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("closed cases: %w", err)
	}
	return scanSpans(rows, "closed cases")
}

// CustomerCases lists the cases the customers opened in [from, to) (End zero). The cases are
// read by their opening time and kept for their customer ("+" keeps the planner off the
// customer index): a report's customers are thousands, each with cases from every year, while
// the cases of the window are a few weeks' (at scale M, 20,000 rows read instead of 300,000).
func (t *Tx) CustomerCases(ctx context.Context, customers []int64, from, to time.Time) ([]CaseSpan, error) {
	if len(customers) == 0 {
		return nil, nil
	}
	ids := make([]string, len(customers))
	for i, id := range customers {
		ids[i] = fmt.Sprint(id)
	}
	rows, err := t.tx.QueryContext(ctx, `SELECT c.id, c.customer_id, c.case_type, c.team_id, c.channel, COALESCE(c.owner_id, 0), c.created_at, NULL
		FROM cases c WHERE +c.customer_id IN `+t.d.jsonIDs(3)+` AND c.created_at >= $1 AND c.created_at < $2 ORDER BY c.created_at, c.id`,
		dbTime(from), dbTime(to), "["+strings.Join(ids, ",")+"]")
	if err != nil {
		return nil, fmt.Errorf("customers' cases: %w", err)
	}
	return scanSpans(rows, "customers' cases")
}

// EntryFact is an entry a measure reads: its case, kind, time and data (JSON).
type EntryFact struct {
	CaseID  int64
	OwnerID int64 // the case's owner now
	Kind    string
	At      time.Time
	Data    string
}

// EntryFacts lists the entries of the kinds made in [from, to) on the filter's cases (the
// agent filter is the service's to apply: who an entry counts for is in its data).
func (t *Tx) EntryFacts(ctx context.Context, kinds []string, from, to time.Time, f ReportFilter) ([]EntryFact, error) {
	f.AgentID = 0
	args := []any{dbTime(from), dbTime(to)}
	in := make([]string, len(kinds))
	for i, k := range kinds {
		args = append(args, k)
		in[i] = fmt.Sprintf("$%d", len(args))
	}
	var out []EntryFact
	err := t.tx.eachRow(ctx, appendTo(&out, func(row scanner) (EntryFact, error) {
		var e EntryFact
		err := row.Scan(&e.CaseID, &e.OwnerID, &e.Kind, &e.At, &e.Data)
		e.At = e.At.UTC()
		return e, err
	}), `SELECT e.case_id, COALESCE(c.owner_id, 0), e.kind, e.at, e.data FROM entries e JOIN cases c ON c.id = e.case_id
		WHERE e.kind IN (`+strings.Join(in, ", ")+`) AND e.at >= $1 AND e.at < $2 AND `+f.where("", &args)+` ORDER BY e.at, e.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("entries for a report: %w", err)
	}
	return out, nil
}

// CaseStatus is a case in a backlog: when it was opened, and its status now.
type CaseStatus struct {
	CaseID  int64
	Created time.Time
	Status  string
}

// BacklogChanged lists the filter's cases (the agent is the owner now) opened at or after from
// or with a status change since: the cases whose status a backlog from then on must follow
// day by day. Every other case has had its status now since before from. (One list of ids from
// two indexes: written as an OR, SQLite read every case of the desk to test it.)
func (t *Tx) BacklogChanged(ctx context.Context, from time.Time, f ReportFilter) ([]CaseStatus, error) {
	args := []any{dbTime(from)}
	var out []CaseStatus
	err := t.tx.eachRow(ctx, appendTo(&out, func(row scanner) (CaseStatus, error) {
		var c CaseStatus
		err := row.Scan(&c.CaseID, &c.Created, &c.Status)
		c.Created = c.Created.UTC()
		return c, err
	}), `SELECT c.id, c.created_at, c.status FROM cases c
		WHERE c.id IN (SELECT id FROM cases WHERE created_at >= $1 UNION SELECT e.case_id FROM entries e WHERE e.kind = 'status_changed' AND e.at >= $1)
		AND `+f.where("c.owner_id", &args)+` ORDER BY c.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("backlog cases: %w", err)
	}
	return out, nil
}

// CountInStatus counts the filter's cases (the agent is the owner now) whose status now is one
// of statuses: from an index alone (migration 00044) unless a channel or type narrows it.
func (t *Tx) CountInStatus(ctx context.Context, statuses []string, f ReportFilter) (int, error) {
	var args []any
	in := make([]string, len(statuses))
	for i, st := range statuses {
		args = append(args, st)
		in[i] = fmt.Sprintf("$%d", len(args))
	}
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases c WHERE c.status IN (`+strings.Join(in, ", ")+`) AND `+
		f.where("c.owner_id", &args), args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("cases in a status: %w", err)
	}
	return n, nil
}

// Volume counts the cases opened in [from, to) per channel and case type.
func (t *Tx) Volume(ctx context.Context, from, to time.Time, f ReportFilter) ([]map[string]any, error) {
	args := []any{dbTime(from), dbTime(to)}
	rows, err := t.tx.QueryContext(ctx, `SELECT c.channel, c.case_type, COUNT(*) FROM cases c
		WHERE c.created_at >= $1 AND c.created_at < $2 AND `+f.where("c.owner_id", &args)+`
		GROUP BY c.channel, c.case_type ORDER BY c.channel, c.case_type`, args...)
	if err != nil {
		return nil, fmt.Errorf("volume report: %w", err)
	}
	defer rows.Close()
	out := []map[string]any{}
	for rows.Next() {
		var ch, typ string
		var n int
		if err := rows.Scan(&ch, &typ, &n); err != nil {
			return nil, fmt.Errorf("volume report: %w", err)
		}
		out = append(out, map[string]any{"channel": ch, "type": typ, "cases": n})
	}
	return out, rows.Err()
}
