package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// Quality review: the weeks drawn, the cases drawn, and their scores.

// MarkDrawn records that the week's draw is made; false when it already was (by another
// page or node): the draw runs once a week.
func (t *Tx) MarkDrawn(ctx context.Context, week string, now time.Time) (bool, error) {
	n, err := t.changedRows(ctx, fmt.Sprintf("mark week %s drawn", week), `INSERT INTO review_draws (week, drawn_at) VALUES ($1, $2) ON CONFLICT (week) DO NOTHING`, week, dbTime(now))
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// AddReview puts a closed case in the week's review queue.
func (t *Tx) AddReview(ctx context.Context, week string, c CaseSpan) error {
	var team any
	if c.TeamID != 0 {
		team = c.TeamID
	}
	res, err := t.tx.ExecContext(ctx, `INSERT INTO reviews (case_id, agent_id, team_id, week, closed_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (week, case_id) DO NOTHING`, c.CaseID, c.AgentID, team, week, dbTime(c.End))
	if err != nil {
		return fmt.Errorf("draw case %d for review: %w", c.CaseID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err // drawn already, with its rubric
	}
	// The rubric in force now goes with the review, as it is now.
	_, err = t.tx.ExecContext(ctx, `INSERT INTO review_scores (review_id, criterion_id, position, name, guidance, scale, translations)
		SELECT r.id, k.id, k.position, k.name, k.guidance, k.scale, k.translations FROM reviews r, review_criteria k
		WHERE r.week = $1 AND r.case_id = $2 AND k.retired_at IS NULL`, week, c.CaseID)
	if err != nil {
		return fmt.Errorf("draw case %d for review: the rubric: %w", c.CaseID, err)
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
	out, err := listOf(ctx, t, "list reviews", func(row scanner) (desk.Review, error) {
		var r desk.Review
		var team, reviewer sql.NullInt64
		var reviewed, answered anyTime
		err := row.Scan(&r.ID, &r.CaseID, &r.Subject, &r.AgentID, &r.AgentName, &team, &r.Week, &r.ClosedAt, &reviewer, &r.Reviewer,
			&r.Comment, &reviewed,
			&r.Answer, &answered)
		r.CaseRef, r.TeamID, r.ReviewerID, r.ClosedAt = desk.CaseRef(r.CaseID), team.Int64, reviewer.Int64, r.ClosedAt.UTC()
		if reviewed.Valid {
			r.ReviewedAt = reviewed.Time.UTC()
		}
		if answered.Valid {
			r.AnsweredAt = answered.Time.UTC()
		}
		r.Criteria = []desk.ReviewScore{}
		return r, err
	}, `SELECT r.id, r.case_id, c.subject, r.agent_id, a.name, r.team_id, r.week, r.closed_at,
		  r.reviewer_id, COALESCE(v.name, ''), r.comment, r.reviewed_at,
		  r.answer, r.answered_at
		FROM reviews r JOIN cases c ON c.id = r.case_id JOIN agents a ON a.id = r.agent_id LEFT JOIN agents v ON v.id = r.reviewer_id
		WHERE `+where+fmt.Sprintf(` ORDER BY r.week DESC, a.name, r.id LIMIT %d`, limit), args...)
	if err != nil {
		return nil, err
	}
	return out, t.reviewScores(ctx, out)
}

// reviewScores reads the criteria each review was drawn with, and their scores.
func (t *Tx) reviewScores(ctx context.Context, reviews []desk.Review) error {
	if len(reviews) == 0 {
		return nil
	}
	at := map[int64]int{}
	var marks []string
	var args []any
	for i, r := range reviews {
		at[r.ID] = i
		args = append(args, r.ID)
		marks = append(marks, fmt.Sprintf("$%d", len(args)))
	}
	err := t.tx.eachRow(ctx, func(row scanner) error {
		var id int64
		var sc desk.ReviewScore
		var tr string
		if err := row.Scan(&id, &sc.ID, &sc.Position, &sc.Name, &sc.Guidance, &sc.Scale, &tr, &sc.Score); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(tr), &sc.Translations); err != nil {
			return fmt.Errorf("review %d, criterion %d: %w", id, sc.ID, err)
		}
		reviews[at[id]].Criteria = append(reviews[at[id]].Criteria, sc)
		return nil
	}, `SELECT review_id, criterion_id, position, name, guidance, scale, translations, score FROM review_scores
		WHERE review_id IN (`+strings.Join(marks, ", ")+`) ORDER BY review_id, position, criterion_id`, args...)
	if err != nil {
		return fmt.Errorf("list reviews' scores: %w", err)
	}
	return nil
}

// ScoreReview writes a reviewer's scores, by criterion, and note (a second scoring replaces
// the first).
func (t *Tx) ScoreReview(ctx context.Context, id, reviewer int64, s desk.Rubric, now time.Time) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE reviews SET reviewer_id = $1, comment = $2, reviewed_at = $3 WHERE id = $4`,
		reviewer, s.Comment, dbTime(now), id)
	if err != nil {
		return fmt.Errorf("score review %d: %w", id, err)
	}
	for crit, score := range s.Scores {
		if _, err := t.tx.ExecContext(ctx, `UPDATE review_scores SET score = $1 WHERE review_id = $2 AND criterion_id = $3`, score, id, crit); err != nil {
			return fmt.Errorf("score review %d: %w", id, err)
		}
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

// ReviewCounts counts, per agent, the reviews of cases closed in [from, to): drawn and
// reviewed.
func (t *Tx) ReviewCounts(ctx context.Context, from, to time.Time, f ReportFilter) ([]AgentCount, error) {
	args := []any{dbTime(from), dbTime(to)}
	return t.agentCounts(ctx, "review report", `SELECT r.agent_id, a.name, x.key,
		  SUM(CASE x.key WHEN 'drawn' THEN 1 ELSE CASE WHEN r.reviewed_at IS NULL THEN 0 ELSE 1 END END)
		FROM reviews r JOIN cases c ON c.id = r.case_id JOIN agents a ON a.id = r.agent_id
		JOIN (SELECT 'drawn' AS key UNION ALL SELECT 'reviewed') x ON TRUE
		WHERE r.closed_at >= $1 AND r.closed_at < $2 AND `+f.where("r.agent_id", &args)+`
		GROUP BY r.agent_id, a.name, x.key ORDER BY a.name, r.agent_id`, args...)
}

// ReviewFigure is one agent's scores on one criterion over the reviews of one week: how many
// were scored, the sum of their scores and the criterion's scale when drawn.
type ReviewFigure struct {
	Week        string
	AgentID     int64
	Agent       string
	CriterionID int64
	Criterion   string // the criterion's name now
	Reviewed    int
	Sum         int
	Scale       int
}

// ReviewFigures are the scored reviews of cases closed in [from, to) per week, agent and
// criterion, by week, agent and the criterion's place in the rubric.
func (t *Tx) ReviewFigures(ctx context.Context, from, to time.Time, f ReportFilter) ([]ReviewFigure, error) {
	args := []any{dbTime(from), dbTime(to)}
	var out []ReviewFigure
	err := t.tx.eachRow(ctx, appendTo(&out, func(row scanner) (ReviewFigure, error) {
		var x ReviewFigure
		err := row.Scan(&x.Week, &x.AgentID, &x.Agent, &x.CriterionID, &x.Criterion, &x.Reviewed, &x.Sum, &x.Scale)
		return x, err
	}), `SELECT r.week, r.agent_id, a.name, k.id, k.name, COUNT(*), SUM(s.score), MAX(s.scale)
		FROM reviews r JOIN cases c ON c.id = r.case_id JOIN agents a ON a.id = r.agent_id
		JOIN review_scores s ON s.review_id = r.id JOIN review_criteria k ON k.id = s.criterion_id
		WHERE r.reviewed_at IS NOT NULL AND s.score > 0 AND r.closed_at >= $1 AND r.closed_at < $2 AND `+f.where("r.agent_id", &args)+`
		GROUP BY r.week, r.agent_id, a.name, k.id, k.name, k.position ORDER BY r.week, a.name, r.agent_id, k.position, k.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("review figures: %w", err)
	}
	return out, nil
}

// ReviewCriteria lists the rubric's criteria in their order, the retired ones too.
func (t *Tx) ReviewCriteria(ctx context.Context) ([]desk.Criterion, error) {
	return listOf(ctx, t, "list review criteria", func(row scanner) (desk.Criterion, error) {
		var c desk.Criterion
		var tr string
		var retired anyTime
		if err := row.Scan(&c.ID, &c.Name, &c.Guidance, &c.Scale, &tr, &c.Position, &retired); err != nil {
			return c, err
		}
		if err := json.Unmarshal([]byte(tr), &c.Translations); err != nil {
			return c, fmt.Errorf("review criterion %d: %w", c.ID, err)
		}
		if retired.Valid {
			at := retired.Time.UTC()
			c.RetiredAt = &at
		}
		return c, nil
	}, `SELECT id, name, guidance, scale, translations, position, retired_at FROM review_criteria
		ORDER BY retired_at IS NOT NULL, position, id`)
}

// AddCriterion adds a criterion at the end of the rubric.
func (t *Tx) AddCriterion(ctx context.Context, in desk.NewCriterion, now time.Time) (int64, error) {
	tr, err := json.Marshal(in.Translations)
	if err != nil {
		return 0, fmt.Errorf("add review criterion: %w", err)
	}
	var id int64
	err = t.tx.QueryRowContext(ctx, `INSERT INTO review_criteria (name, guidance, scale, translations, position, created_at)
		VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(position), 0) + 1 FROM review_criteria), $5) RETURNING id`,
		in.Name, in.Guidance, in.Scale, string(tr), dbTime(now)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("add review criterion: %w", err)
	}
	return id, nil
}

// UpdateCriterion rewrites a criterion, and retires it (retired non-nil) or brings it back
// (nil); the reviews drawn with it keep their copy.
func (t *Tx) UpdateCriterion(ctx context.Context, id int64, in desk.NewCriterion, retired *time.Time) error {
	tr, err := json.Marshal(in.Translations)
	if err != nil {
		return fmt.Errorf("edit review criterion %d: %w", id, err)
	}
	var at any
	if retired != nil {
		at = dbTime(*retired)
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE review_criteria SET name = $1, guidance = $2, scale = $3, translations = $4, retired_at = $5 WHERE id = $6`,
		in.Name, in.Guidance, in.Scale, string(tr), at, id)
	if err != nil {
		return fmt.Errorf("edit review criterion %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("edit review criterion %d: %w", id, errors.Join(err, ErrNotFound))
	}
	return nil
}
