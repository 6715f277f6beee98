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
	scores, err := desk.CheckRubric(scores)
	if err != nil {
		return desk.Review{}, err
	}
	var out desk.Review
	err = s.write(ctx, actor, func(w *work) error {
		r, err := loadReview(w, id)
		if err != nil {
			return err
		}
		if err := w.allow(ActReviewScore, Object{TeamID: r.TeamID, Agent: &desk.Agent{ID: r.AgentID}}); err != nil {
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

// reviewCounts is the reviews report: per agent, the cases drawn and reviewed, and each
// criterion's average score over those reviewed.
func reviewCounts(m *measuring, from, to time.Time) ([]map[string]any, error) {
	counts, err := m.w.tx.ReviewCounts(m.w.ctx, from, to, m.f)
	return countRows(counts, []string{"drawn", "reviewed", "clear_sum", "solved_sum", "tone_sum"}, func(row map[string]any) {
		n := row["reviewed"].(int)
		for _, c := range desk.RubricCriteria {
			sum := row[c+"_sum"].(int)
			delete(row, c+"_sum")
			row[c] = 0.0
			if n > 0 {
				row[c] = math.Round(float64(sum)/float64(n)*100) / 100
			}
		}
	}), err
}
