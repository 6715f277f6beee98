package service

import (
	"context"
	"math"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// Quality review (story 17): each week a share of each agent's closed cases (the team's
// review_share, 5% unless set) is drawn at random into a review queue; a lead or manager scores
// each on a short rubric; the agent reads the reviews of their own cases. The draw is made the
// first time anyone opens the reviews after a week ends, once (review_draws), and is seeded by
// the week, so it is the same whoever makes it.

// ReviewsView is what the reviews page shows: the reviews the reader may see (for an agent,
// those of their own cases) and whether they score them.
type ReviewsView struct {
	Week    string // the last week drawn
	Reviews []desk.Review
	Score   bool // the reader reviews (a lead, manager or admin)
	Share   int  // the reader's team's share drawn, per cent
}

// reviewWindow is how far back the reviews page lists.
const reviewWindow = 8 * 7 * 24 * time.Hour

// Reviews draws last week's reviews if nobody has yet, and lists the reader's: an agent's own,
// a lead's (or a manager's below the head of care) team's, the head of care's every team's.
func (s *Service) Reviews(ctx context.Context, actor desk.Actor) (ReviewsView, error) {
	if err := gate(actor, ActReviewRead); err != nil {
		return ReviewsView{}, err
	}
	if err := s.drawReviews(ctx); err != nil {
		return ReviewsView{}, err
	}
	v := ReviewsView{Reviews: []desk.Review{}}
	err := s.read(ctx, actor, func(w *work) error {
		v.Week = desk.ReviewWeek(w.now).Format(time.DateOnly)
		f := store.ReviewFilter{Since: w.now.Add(-reviewWindow)}
		v.Share = desk.DefaultTeamSettings().ReviewShare
		if actor.Kind == desk.ActorAgent {
			me, err := w.agent(actor.ID)
			if err != nil {
				return err
			}
			switch {
			case headOfCare(me):
			case me.Role == desk.RoleLead || me.Role == desk.RoleManager:
				f.TeamID = me.TeamID
				if me.TeamID == 0 {
					f.AgentID = me.ID // a lead of no team reviews nobody's
				}
			default:
				f.AgentID = me.ID
			}
			v.Score = rule(ActReviewScore).gate(actor)
			if me.TeamID != 0 {
				t, err := w.tx.TeamSettings(ctx, me.TeamID)
				if err != nil {
					return err
				}
				v.Share = t.ReviewShare
			}
		}
		var err error
		v.Reviews, err = w.tx.Reviews(ctx, f)
		return err
	})
	return v, wrap("reviews", err)
}

// drawReviews draws last week's reviews, once: a draw already made is left as it is.
func (s *Service) drawReviews(ctx context.Context) error {
	return wrap("draw reviews", s.write(ctx, desk.SystemActor(), func(w *work) error {
		start := desk.ReviewWeek(w.now)
		week := start.Format(time.DateOnly)
		fresh, err := w.tx.MarkDrawn(ctx, week, w.now)
		if err != nil || !fresh {
			return err
		}
		closed, err := w.tx.Closings(ctx, start, start.AddDate(0, 0, 7), store.ReportFilter{})
		if err != nil {
			return err
		}
		teams, err := w.tx.Teams(ctx)
		if err != nil {
			return err
		}
		share := map[int64]int{0: desk.DefaultTeamSettings().ReviewShare}
		for _, t := range teams {
			share[t.ID] = t.ReviewShare
		}
		var cands []desk.ReviewCandidate
		byCase := map[int64]store.CaseSpan{}
		for _, c := range closed {
			if c.AgentID == 0 {
				continue // closed by the desk with nobody's resolution
			}
			byCase[c.CaseID] = c // a case closed twice in the week is drawn once, at its last closing
			cands = append(cands, desk.ReviewCandidate{CaseID: c.CaseID, AgentID: c.AgentID, TeamID: c.TeamID, Share: share[c.TeamID]})
		}
		seen := map[int64]bool{}
		for _, d := range desk.DrawReviews(week, cands) {
			if seen[d.CaseID] {
				continue
			}
			seen[d.CaseID] = true
			if err := w.tx.AddReview(ctx, week, byCase[d.CaseID]); err != nil {
				return err
			}
		}
		return nil
	}))
}

// ScoreReview records a reviewer's scores for a drawn case: a lead or manager of the case's
// team, or the head of care; never the agent whose case it is.
func (s *Service) ScoreReview(ctx context.Context, actor desk.Actor, id int64, scores desk.Rubric) (desk.Review, error) {
	if err := gate(actor, ActReviewScore); err != nil {
		return desk.Review{}, err
	}
	if id <= 0 {
		return desk.Review{}, desk.Invalid("review_id", "is required")
	}
	var out desk.Review
	err := s.write(ctx, actor, func(w *work) error {
		r, err := loadReview(w, id)
		if err != nil {
			return err
		}
		if err := w.allow(ActReviewScore, Object{TeamID: r.TeamID, Agent: &desk.Agent{ID: r.AgentID}}); err != nil {
			return err
		}
		// Scored against the rubric the review was drawn with, not today's.
		if scores, err = desk.CheckRubric(scores, r.Criteria); err != nil {
			return err
		}
		if err := w.tx.ScoreReview(ctx, id, actor.ID, scores, w.now); err != nil {
			return err
		}
		out, err = loadReview(w, id)
		return err
	})
	return out, wrap("score review", err)
}

// AnswerReview records the agent's answer to a scored review of their own case.
func (s *Service) AnswerReview(ctx context.Context, actor desk.Actor, id int64, answer string) (desk.Review, error) {
	if err := gate(actor, ActReviewAnswer); err != nil {
		return desk.Review{}, err
	}
	if id <= 0 {
		return desk.Review{}, desk.Invalid("review_id", "is required")
	}
	answer, err := desk.CheckReviewAnswer(answer)
	if err != nil {
		return desk.Review{}, err
	}
	var out desk.Review
	err = s.write(ctx, actor, func(w *work) error {
		r, err := loadReview(w, id)
		if err != nil {
			return err
		}
		if err := w.allow(ActReviewAnswer, Object{Agent: &desk.Agent{ID: r.AgentID}}); err != nil {
			return err
		}
		if !r.Reviewed() {
			return desk.Conflict("not_reviewed", "the review is not scored yet: there is nothing to answer", nil)
		}
		if err := w.tx.AnswerReview(ctx, id, answer, w.now); err != nil {
			return err
		}
		out, err = loadReview(w, id)
		return err
	})
	return out, wrap("answer review", err)
}

// loadReview reads a review with its case and people; none of that id is not found.
func loadReview(w *work, id int64) (desk.Review, error) {
	list, err := w.tx.Reviews(w.ctx, store.ReviewFilter{ID: id})
	if err != nil {
		return desk.Review{}, err
	}
	if len(list) == 0 {
		return desk.Review{}, desk.NotFound("review", id)
	}
	return list[0], nil
}

// mayScoreReview: the head of care any review; a lead or manager those of their own team; no
// one their own case's.
func mayScoreReview(w *work, o Object) (bool, error) {
	if o.Agent == nil {
		return true, nil // asked before a review is loaded (the page's form)
	}
	if o.Agent.ID == w.actor.ID {
		return false, nil
	}
	me, err := w.agent(w.actor.ID)
	if err != nil {
		return false, err
	}
	return headOfCare(me) || (me.TeamID != 0 && me.TeamID == o.TeamID), nil
}

// reviewCounts is the reviews report: per agent, the cases drawn and those reviewed.
func reviewCounts(m *measuring, from, to time.Time) ([]map[string]any, error) {
	counts, err := m.w.tx.ReviewCounts(m.w.ctx, from, to, m.f)
	return countRows(counts, []string{"drawn", "reviewed"}, nil), err
}

// reviewFigures is the rubric's figures over time: per week (the week the cases closed in),
// agent and criterion, the reviews scored and their average score on the criterion's scale.
func reviewFigures(m *measuring, from, to time.Time) ([]map[string]any, error) {
	figs, err := m.w.tx.ReviewFigures(m.w.ctx, from, to, m.f)
	rows := []map[string]any{}
	for _, f := range figs {
		rows = append(rows, map[string]any{"week": f.Week, "agent_id": f.AgentID, "agent": f.Agent, "criterion_id": f.CriterionID, "criterion": f.Criterion,
			"reviewed": f.Reviewed, "average": math.Round(float64(f.Sum)/float64(f.Reviewed)*100) / 100, "scale": f.Scale})
	}
	return rows, err
}

// The rubric: the admin defines the criteria reviews are scored on. A review is drawn with
// the criteria in force then and keeps them (store.AddReview copies them), so editing or
// retiring a criterion changes the reviews drawn after, never those before.

// CriterionIn is a criterion as the admin edits it: its words and scale, and whether it is
// retired (no longer drawn with new reviews).
type CriterionIn struct {
	desk.NewCriterion
	Retired bool `json:"retired"`
}

// ReviewCriteria lists the rubric, the criteria in force first, for those who read reviews.
func (s *Service) ReviewCriteria(ctx context.Context, actor desk.Actor) ([]desk.Criterion, error) {
	out, err := readTxAs(s, ctx, actor, ActReviewRead, func(tx *store.Tx) ([]desk.Criterion, error) { return tx.ReviewCriteria(ctx) })
	return out, wrap("review criteria", err)
}

// AddCriterion adds a criterion to the rubric, at its end: the reviews drawn from now on are
// scored on it too.
func (s *Service) AddCriterion(ctx context.Context, actor desk.Actor, in desk.NewCriterion) (desk.Criterion, error) {
	if err := gate(actor, ActRubric); err != nil {
		return desk.Criterion{}, err
	}
	in, err := desk.CheckCriterion(in)
	if err != nil {
		return desk.Criterion{}, err
	}
	var out desk.Criterion
	err = s.write(ctx, actor, func(w *work) error {
		id, err := w.tx.AddCriterion(w.ctx, in, w.now)
		if err != nil {
			return err
		}
		if out, err = loadCriterion(w, id); err != nil {
			return err
		}
		return w.audit(logCriterionCreate, "review criterion "+out.Name, nil, out)
	})
	return out, wrap("add review criterion", err)
}

// EditCriterion rewrites a criterion, retires it or brings it back; the reviews drawn with it
// keep it as it was.
func (s *Service) EditCriterion(ctx context.Context, actor desk.Actor, id int64, in CriterionIn) (desk.Criterion, error) {
	if err := gate(actor, ActRubric); err != nil {
		return desk.Criterion{}, err
	}
	words, err := desk.CheckCriterion(in.NewCriterion)
	if err != nil {
		return desk.Criterion{}, err
	}
	var out desk.Criterion
	err = s.write(ctx, actor, func(w *work) error {
		before, err := loadCriterion(w, id)
		if err != nil {
			return err
		}
		retired := before.RetiredAt // retired stays retired since then
		switch {
		case !in.Retired:
			retired = nil
		case retired == nil:
			retired = &w.now
		}
		if err := w.tx.UpdateCriterion(w.ctx, id, words, retired); err != nil {
			return err
		}
		if out, err = loadCriterion(w, id); err != nil {
			return err
		}
		return w.audit(logCriterionUpdate, "review criterion "+out.Name, before, out)
	})
	return out, wrap("edit review criterion", err)
}

// loadCriterion reads one criterion of the rubric; none of that id is not found.
func loadCriterion(w *work, id int64) (desk.Criterion, error) {
	all, err := w.tx.ReviewCriteria(w.ctx)
	if err != nil {
		return desk.Criterion{}, err
	}
	for _, c := range all {
		if c.ID == id {
			return c, nil
		}
	}
	return desk.Criterion{}, desk.NotFound("review criterion", id)
}
