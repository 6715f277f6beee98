package web

import (
	"net/http"
	"strconv"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// The quality review page: last week's draw of closed cases (made when the page is first
// opened after a week ends), the rubric form for those who review, and for an agent the
// reviews of their own cases.
func (s *Server) reviewRoutes(mux *routeMux) {
	mux.Handle("GET /reviews", s.agent("/reviews", s.reviewsPage))
	mux.Handle("POST /reviews", s.agent("/reviews", s.scoreReview))
	mux.Handle("POST /reviews/answer", s.agent("/reviews/answer", s.answerReview))
}

type reviewsData struct {
	service.ReviewsView
	Pending, Done []desk.Review
	Criteria      []string
	Scores        []int
	Notice        string
}

func (s *Server) reviewsPage(w http.ResponseWriter, r *request) error {
	v, err := s.svc.Reviews(r.Context(), r.sess.Actor)
	if err != nil {
		return err
	}
	d := reviewsData{ReviewsView: v, Criteria: desk.RubricCriteria, Scores: []int{1, 2, 3, 4, 5}}
	for _, rv := range v.Reviews {
		if rv.Reviewed() {
			d.Done = append(d.Done, rv)
		} else {
			d.Pending = append(d.Pending, rv)
		}
	}
	switch r.URL.Query().Get("done") {
	case "scored":
		d.Notice = r.T("reviews.scored")
	case "answered":
		d.Notice = r.T("reviews.answered")
	}
	return s.render(w, r, http.StatusOK, "reviews", view{Title: r.T("reviews.title"), Data: d})
}

// answerReview records the agent's answer to a review of their case.
func (s *Server) answerReview(w http.ResponseWriter, r *request) error {
	if err := service.Gate(r.sess.Actor, service.ActReviewAnswer); err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.FormValue("review"), 10, 64)
	if err != nil || id <= 0 {
		return desk.Invalid("review", "%s", r.T("reviews.pick"))
	}
	if _, err := s.svc.AnswerReview(r.Context(), r.sess.Actor, id, r.FormValue("answer")); err != nil {
		return err
	}
	http.Redirect(w, r.Request, "/reviews?done=answered#review-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// scoreReview records a reviewer's scores from the rubric form.
func (s *Server) scoreReview(w http.ResponseWriter, r *request) error {
	if err := service.Gate(r.sess.Actor, service.ActReviewScore); err != nil {
		return err // refused before the form is read
	}
	id, err := strconv.ParseInt(r.FormValue("review"), 10, 64)
	if err != nil || id <= 0 {
		return desk.Invalid("review", "%s", r.T("reviews.pick"))
	}
	score := func(name string) int {
		n, _ := strconv.Atoi(r.FormValue(name))
		return n // 0 is refused as out of range
	}
	rb := desk.Rubric{Clear: score("clear"), Solved: score("solved"), Tone: score("tone"), Comment: r.FormValue("comment")}
	if _, err := s.svc.ScoreReview(r.Context(), r.sess.Actor, id, rb); err != nil {
		return err
	}
	http.Redirect(w, r.Request, "/reviews?done=scored#review-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
