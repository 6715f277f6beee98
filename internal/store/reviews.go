package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// Quality review: the weeks drawn, the cases drawn, and their scores.

// MarkDrawn records that the week's draw is made; false when it already was (by another
// page or node): the draw runs once a week.
func (t *Tx) MarkDrawn(ctx context.Context, week string, now time.Time) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `INSERT INTO review_draws (week, drawn_at) VALUES ($1, $2) ON CONFLICT (week) DO NOTHING`, week, dbTime(now))
	if err != nil {
		return false, fmt.Errorf("mark week %s drawn: %w", week, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("mark week %s drawn: %w", week, err)
	}
	return n == 1, nil
}

// AddReview puts a closed case in the week's review queue.
func (t *Tx) AddReview(ctx context.Context, week string, c CaseSpan) error {
	var team any
	if c.TeamID != 0 {
		team = c.TeamID
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO reviews (case_id, agent_id, team_id, week, closed_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (week, case_id) DO NOTHING`, c.CaseID, c.AgentID, team, week, dbTime(c.End))
	if err != nil {
		return fmt.Errorf("draw case %d for review: %w", c.CaseID, err)
	}
	return nil
}

// ReviewFilter narrows the reviews listed (zero values: all).
type ReviewFilter struct {
	ID      int64
	TeamID  int64
	AgentID int64
	Since   time.Time // closed at or after
	Limit   int
}

// Reviews lists reviews, the newest week first, with their cases and people.
func (t *Tx) Reviews(ctx context.Context, f ReviewFilter) ([]desk.Review, error) {
	args := []any{dbTime(f.Since)}
	where := "r.closed_at >= $1"
	if f.ID != 0 {
		args = append(args, f.ID)
		where += fmt.Sprintf(" AND r.id = $%d", len(args))
	}
	if f.TeamID != 0 {
		args = append(args, f.TeamID)
		where += fmt.Sprintf(" AND r.team_id = $%d", len(args))
	}
	if f.AgentID != 0 {
		args = append(args, f.AgentID)
		where += fmt.Sprintf(" AND r.agent_id = $%d", len(args))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 500
	}
	rows, err := t.tx.QueryContext(ctx, `SELECT r.id, r.case_id, c.subject, r.agent_id, a.name, r.team_id, r.week, r.closed_at,
		  r.reviewer_id, COALESCE(v.name, ''), r.clear, r.solved, r.tone, r.comment, r.reviewed_at,
		  r.answer, r.answered_at
		FROM reviews r JOIN cases c ON c.id = r.case_id JOIN agents a ON a.id = r.agent_id LEFT JOIN agents v ON v.id = r.reviewer_id
		WHERE `+where+fmt.Sprintf(` ORDER BY r.week DESC, a.name, r.id LIMIT %d`, limit), args...)
	if err != nil {
		return nil, fmt.Errorf("list reviews: %w", err)
	}
	defer rows.Close()
	out := []desk.Review{}
	for rows.Next() {
		var r desk.Review
		var team, reviewer sql.NullInt64
		var reviewed, answered anyTime
		if err := rows.Scan(&r.ID, &r.CaseID, &r.Subject, &r.AgentID, &r.AgentName, &team, &r.Week, &r.ClosedAt, &reviewer, &r.Reviewer,
			&r.Scores.Clear, &r.Scores.Solved, &r.Scores.Tone, &r.Scores.Comment, &reviewed,
			&r.Answer, &answered); err != nil {
			return nil, fmt.Errorf("list reviews: %w", err)
		}
		r.CaseRef, r.TeamID, r.ReviewerID, r.ClosedAt = desk.CaseRef(r.CaseID), team.Int64, reviewer.Int64, r.ClosedAt.UTC()
		if reviewed.Valid {
			r.ReviewedAt = reviewed.Time.UTC()
		}
		if answered.Valid {
			r.AnsweredAt = answered.Time.UTC()
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ScoreReview writes a reviewer's scores (a second scoring replaces the first).
func (t *Tx) ScoreReview(ctx context.Context, id, reviewer int64, s desk.Rubric, now time.Time) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE reviews SET reviewer_id = $1, clear = $2, solved = $3, tone = $4, comment = $5, reviewed_at = $6 WHERE id = $7`,
		reviewer, s.Clear, s.Solved, s.Tone, s.Comment, dbTime(now), id)
	if err != nil {
		return fmt.Errorf("score review %d: %w", id, err)
	}
	return nil
}

// AnswerReview writes the agent's answer to a review (a second answer replaces the first).
func (t *Tx) AnswerReview(ctx context.Context, id int64, answer string, now time.Time) error {
	if _, err := t.tx.ExecContext(ctx, `UPDATE reviews SET answer = $1, answered_at = $2 WHERE id = $3`, answer, dbTime(now), id); err != nil {
		return fmt.Errorf("answer review %d: %w", id, err)
	}
	return nil
}

// ReviewCounts counts, per agent, the reviews of cases closed in [from, to): drawn, reviewed,
// and the sums of each criterion's scores.
func (t *Tx) ReviewCounts(ctx context.Context, from, to time.Time, f ReportFilter) ([]AgentCount, error) {
	args := []any{dbTime(from), dbTime(to)}
	return t.agentCounts(ctx, "review report", `SELECT r.agent_id, a.name, x.key,
		  SUM(CASE x.key WHEN 'drawn' THEN 1 WHEN 'reviewed' THEN CASE WHEN r.reviewed_at IS NULL THEN 0 ELSE 1 END
		    WHEN 'clear_sum' THEN r.clear WHEN 'solved_sum' THEN r.solved ELSE r.tone END)
		FROM reviews r JOIN cases c ON c.id = r.case_id JOIN agents a ON a.id = r.agent_id
		JOIN (SELECT 'drawn' AS key UNION ALL SELECT 'reviewed' UNION ALL SELECT 'clear_sum' UNION ALL SELECT 'solved_sum' UNION ALL SELECT 'tone_sum') x ON TRUE
		WHERE r.closed_at >= $1 AND r.closed_at < $2 AND `+f.where("r.agent_id", &args)+`
		GROUP BY r.agent_id, a.name, x.key ORDER BY a.name, r.agent_id`, args...)
}
