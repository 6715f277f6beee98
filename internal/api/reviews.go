package api

import (
	"net/http"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// The quality review's rubric (issue 18): the admin defines the criteria reviews are scored on;
// a review keeps the criteria in force when it was drawn.
func (s *Server) reviewRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/review-criteria", summary: "The quality review's rubric: each criterion's name, guidance, scale (scored 1 to scale) " +
			"and translations; those in force first, then the retired (retired_at set).",
			status: http.StatusOK, answer: []desk.Criterion{}, handle: byActor((*service.Service).ReviewCriteria), read: readShared},
		{method: "POST", path: "/api/v1/review-criteria", summary: "Add a criterion to the rubric (admin): name, guidance, scale 2 to 10 (5 when 0), " +
			"translations by language (et, hr). Reviews drawn from now on are scored on it; those drawn before keep their criteria.",
			status: http.StatusCreated, body: desk.NewCriterion{}, answer: desk.Criterion{}, handle: withBody(s.addCriterion)},
		{method: "PUT", path: "/api/v1/review-criteria/{id}", summary: "Rewrite a criterion (admin), every field; retired: true retires it (no longer drawn " +
			"with new reviews), false brings it back. Reviews drawn before keep the criterion as it was.",
			status: http.StatusOK, body: service.CriterionIn{}, answer: desk.Criterion{}, handle: withIDBody(decode, s.editCriterion)},
		{method: "GET", path: "/api/v1/reviews", summary: "The quality reviews the token's agent may read, newest first (eight weeks): an agent's own cases', " +
			"a lead's (or manager's) team's, the head of care's every team's; each with the criteria it was drawn with and their scores, the reviewer's comment " +
			"and the agent's answer. Last week's draw is made first if nobody has made it yet.",
			status: http.StatusOK, answer: reviewsAnswer{}, handle: s.listReviews},
		{method: "POST", path: "/api/v1/review-scores", summary: "Score a drawn case (a lead or manager of its team, or the head of care; never the agent whose case it is): " +
			"a score for each criterion the review was drawn with, from 1 to its scale, and a comment.",
			status: http.StatusOK, body: reviewScoresIn{}, answer: desk.Review{}, handle: withBody(s.scoreReview)},
		{method: "POST", path: "/api/v1/review-answers", summary: "The agent's answer to a scored review of their own case.",
			status: http.StatusOK, body: reviewAnswerIn{}, answer: desk.Review{}, handle: withBody(s.answerReview)},
	}
}

// reviewsAnswer is the reviews the reader may see, with the week last drawn and whether the
// reader scores them.
type reviewsAnswer struct {
	Week     string        `json:"week"` // the Monday of the last week drawn
	MayScore bool          `json:"may_score"`
	Share    int           `json:"share_percent"` // the reader's team's share of closed cases drawn each week
	Reviews  []desk.Review `json:"reviews"`
}

func (s *Server) listReviews(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	v, err := svc.Reviews(r.Context(), a)
	if err != nil {
		return nil, err
	}
	return reviewsAnswer{Week: v.Week, MayScore: v.Score, Share: v.Share, Reviews: v.Reviews}, nil
}

type reviewScoresIn struct {
	ReviewID int64         `json:"review_id"`
	Scores   map[int64]int `json:"scores"` // criterion id: score
	Comment  string        `json:"comment"`
}

type reviewAnswerIn struct {
	ReviewID int64  `json:"review_id"`
	Answer   string `json:"answer"`
}

func (s *Server) scoreReview(r *http.Request, svc *service.Service, a desk.Actor, in reviewScoresIn) (any, error) {
	return svc.ScoreReview(r.Context(), a, in.ReviewID, desk.Rubric{Scores: in.Scores, Comment: in.Comment})
}

func (s *Server) answerReview(r *http.Request, svc *service.Service, a desk.Actor, in reviewAnswerIn) (any, error) {
	return svc.AnswerReview(r.Context(), a, in.ReviewID, in.Answer)
}

func (s *Server) addCriterion(r *http.Request, svc *service.Service, a desk.Actor, in desk.NewCriterion) (any, error) {
	return svc.AddCriterion(r.Context(), a, in)
}

func (s *Server) editCriterion(r *http.Request, svc *service.Service, a desk.Actor, id int64, in service.CriterionIn) (any, error) {
	return svc.EditCriterion(r.Context(), a, id, in)
}
