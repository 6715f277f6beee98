package store

import (
	"context"
	"fmt"
	"time"
)

// What the reports read: counts per agent over a period, of one team's cases (teamID 0: all).

// AgentCount is one agent's counts in a report.
type AgentCount struct {
	AgentID int64
	Name    string
	Counts  map[string]int
}

// teamCond is the condition on a case's team, its argument in place n.
func teamCond(n int) string {
	return fmt.Sprintf("(CAST($%d AS BIGINT) = 0 OR c.team_id = CAST($%d AS BIGINT))", n, n)
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
func (t *Tx) PromiseCounts(ctx context.Context, from, to time.Time, teamID int64) ([]AgentCount, error) {
	return t.agentCounts(ctx, "promise report", `SELECT p.owner_id, a.name, x.key, COUNT(*) FROM promises p
		JOIN agents a ON a.id = p.owner_id JOIN cases c ON c.id = p.case_id
		JOIN (SELECT 'made' AS key UNION ALL SELECT 'kept' UNION ALL SELECT 'slipped' UNION ALL SELECT 'broken') x
		  ON x.key = 'made' OR (x.key = 'kept' AND p.state = 'kept') OR (x.key = 'broken' AND p.state = 'broken') OR (x.key = 'slipped' AND p.slips > 0)
		WHERE p.created_at >= $1 AND p.created_at < $2 AND `+teamCond(3)+`
		GROUP BY p.owner_id, a.name, x.key ORDER BY a.name, p.owner_id`, dbTime(from), dbTime(to), teamID)
}

// ResolutionCounts counts how resolutions ended in [from, to) per resolver.
func (t *Tx) ResolutionCounts(ctx context.Context, from, to time.Time, teamID int64) ([]AgentCount, error) {
	return t.agentCounts(ctx, "resolution report", `SELECT o.agent_id, COALESCE(a.name, ''), o.outcome, COUNT(*) FROM resolution_outcomes o
		JOIN cases c ON c.id = o.case_id LEFT JOIN agents a ON a.id = o.agent_id
		WHERE o.at >= $1 AND o.at < $2 AND `+teamCond(3)+`
		GROUP BY o.agent_id, a.name, o.outcome ORDER BY a.name, o.agent_id`, dbTime(from), dbTime(to), teamID)
}

// RatingCounts counts the customers' ratings given in [from, to) per case owner: how many,
// and the sum of their scores.
func (t *Tx) RatingCounts(ctx context.Context, from, to time.Time, teamID int64) ([]AgentCount, error) {
	return t.agentCounts(ctx, "satisfaction report", `SELECT c.owner_id, a.name, x.key, CASE WHEN x.key = 'ratings' THEN COUNT(*) ELSE SUM(r.score) END
		FROM ratings r JOIN cases c ON c.id = r.case_id JOIN agents a ON a.id = c.owner_id
		JOIN (SELECT 'ratings' AS key UNION ALL SELECT 'score_sum') x ON TRUE
		WHERE r.updated_at >= $1 AND r.updated_at < $2 AND `+teamCond(3)+`
		GROUP BY c.owner_id, a.name, x.key ORDER BY a.name, c.owner_id`, dbTime(from), dbTime(to), teamID)
}

// FirstAnswer is a case opened in a period and when the customer was first answered (zero:
// not yet).
type FirstAnswer struct {
	Channel    string
	OpenedAt   time.Time
	AnsweredAt time.Time
}

// FirstAnswers lists the cases opened in [from, to) with their first answer: the first public
// message, promise, slip, call or proposed resolution.
func (t *Tx) FirstAnswers(ctx context.Context, from, to time.Time, teamID int64) ([]FirstAnswer, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT c.channel, c.created_at, (SELECT MIN(e.at) FROM entries e WHERE e.case_id = c.id AND NOT e.internal
		  AND e.kind IN ('message_out', 'promise_made', 'promise_slipped', 'call', 'resolution_proposed'))
		FROM cases c WHERE c.created_at >= $1 AND c.created_at < $2 AND `+teamCond(3)+` ORDER BY c.id`, dbTime(from), dbTime(to), teamID)
	if err != nil {
		return nil, fmt.Errorf("first response report: %w", err)
	}
	defer rows.Close()
	var out []FirstAnswer
	for rows.Next() {
		var f FirstAnswer
		var answered anyTime
		if err := rows.Scan(&f.Channel, &f.OpenedAt, &answered); err != nil {
			return nil, fmt.Errorf("first response report: %w", err)
		}
		f.OpenedAt = f.OpenedAt.UTC()
		if answered.Valid {
			f.AnsweredAt = answered.Time.UTC()
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
