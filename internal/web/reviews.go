package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// The quality review page: last week's draw of closed cases (made when the page is first
// opened after a week ends), the rubric form for those who review, and for an agent the
// reviews of their own cases.

type reviewsData struct {
	service.ReviewsView
	Pending, Done []desk.Review
	Notice        string
}

func (s *Server) reviewsPage(w http.ResponseWriter, r *request) error {
	v, err := s.svc.Reviews(r.Context(), r.sess.Actor)
	if err != nil {
		return err
	}
	d := reviewsData{ReviewsView: v}
	for _, rv := range v.Reviews {
		if rv.Reviewed() {
			d.Done = append(d.Done, rv)
		} else {
			d.Pending = append(d.Pending, rv)
		}
	}
	d.Notice = noticeOf(r, map[string]string{"scored": "reviews.scored", "answered": "reviews.answered"})
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
	// One score-<criterion id> field per criterion the review was drawn with.
	rb := desk.Rubric{Scores: map[int64]int{}, Comment: r.FormValue("comment")}
	for name, vs := range r.PostForm {
		crit, ok := strings.CutPrefix(name, "score-")
		if !ok || len(vs) == 0 {
			continue
		}
		cid, err := strconv.ParseInt(crit, 10, 64)
		if err != nil {
			return desk.Invalid(name, "%s", r.T("reviews.pick"))
		}
		rb.Scores[cid], _ = strconv.Atoi(vs[0]) // 0 is refused as out of range
	}
	if _, err := s.svc.ScoreReview(r.Context(), r.sess.Actor, id, rb); err != nil {
		return err
	}
	http.Redirect(w, r.Request, "/reviews?done=scored#review-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// MayRubric: the reader defines the review rubric (an admin).
func (r *request) MayRubric() bool { return service.Gate(r.sess.Actor, service.ActRubric) == nil }

// rubricData is the rubric page: the criteria, in force then retired.
type rubricData struct {
	Criteria []desk.Criterion
	Teams    []desk.TeamSettings // each team's share of closed cases drawn each week
	Notice   string
}

// rubricPage shows the rubric for the admin to add, edit and retire criteria.
func (s *Server) rubricPage(w http.ResponseWriter, r *request) error {
	if err := service.Gate(r.sess.Actor, service.ActRubric); err != nil {
		return err
	}
	list, err := s.svc.ReviewCriteria(r.Context(), r.sess.Actor)
	if err != nil {
		return err
	}
	teams, err := s.svc.Teams(r.Context(), r.sess.Actor)
	if err != nil {
		return err
	}
	d := rubricData{Criteria: list, Teams: teams}
	d.Notice = noticeOf(r, map[string]string{"added": "rubric.added", "saved": "rubric.saved", "share": "rubric.share_saved"})
	return s.render(w, r, http.StatusOK, "rubric", view{Title: r.T("rubric.title"), Data: d})
}

// criterionForm reads a criterion's fields: its words, scale and translations (tr-<lang>-name,
// tr-<lang>-guidance).
func criterionForm(r *request) desk.NewCriterion {
	scale, _ := strconv.Atoi(r.FormValue("scale"))
	in := desk.NewCriterion{Name: r.FormValue("name"), Guidance: r.FormValue("guidance"), Scale: scale, Translations: map[string]desk.CriterionWords{}}
	for _, lang := range desk.Languages() {
		in.Translations[lang] = desk.CriterionWords{Name: r.FormValue("tr-" + lang + "-name"), Guidance: r.FormValue("tr-" + lang + "-guidance")}
	}
	return in
}

func (s *Server) addCriterion(w http.ResponseWriter, r *request) error {
	if err := service.Gate(r.sess.Actor, service.ActRubric); err != nil {
		return err // refused before the form is read
	}
	c, err := s.svc.AddCriterion(r.Context(), r.sess.Actor, criterionForm(r))
	if err != nil {
		return err
	}
	http.Redirect(w, r.Request, "/reviews/rubric?done=added#criterion-"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) editCriterion(w http.ResponseWriter, r *request) error {
	if err := service.Gate(r.sess.Actor, service.ActRubric); err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return desk.NotFound("review criterion", r.PathValue("id"))
	}
	in := service.CriterionIn{NewCriterion: criterionForm(r), Retired: r.FormValue("retired") == "on"}
	if _, err := s.svc.EditCriterion(r.Context(), r.sess.Actor, id, in); err != nil {
		return err
	}
	http.Redirect(w, r.Request, "/reviews/rubric?done=saved#criterion-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// setReviewShare sets the share of a team's closed cases drawn for review each week, by the
// team settings' one command (the rest of the team's settings stay).
func (s *Server) setReviewShare(w http.ResponseWriter, r *request) error {
	if err := service.Gate(r.sess.Actor, service.ActTeamSettings); err != nil {
		return err
	}
	team := r.FormValue("team")
	if team == "" {
		return desk.Invalid("team", "%s", r.T("rubric.share_team"))
	}
	share, err := strconv.Atoi(r.FormValue("share"))
	if err != nil {
		return desk.Invalid("share", "%s", r.T("rubric.share_bad"))
	}
	if _, err := s.svc.SetTeamSettings(r.Context(), r.sess.Actor, team, service.TeamSettingsIn{ReviewShare: &share}); err != nil {
		return err
	}
	http.Redirect(w, r.Request, "/reviews/rubric?done=share#share", http.StatusSeeOther)
	return nil
}
