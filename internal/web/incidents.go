package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// Incidents (story 19) and decisions (story 20) on the pages: the list of incidents with a form
// to open one (also on the team page and the case page), an incident's page with its cases,
// customers, promises and who was told what, and the forms that run it; on the case page,
// linking the case and the decision form with the written policy beside it. Each form posts
// to one service command and comes back (303), or shows its page again with the refusal.

type incidentsData struct {
	Open, Resolved []desk.Incident
	Team           string
	Error          string
	Sent           map[string]string
}

func (s *Server) incidentsPage(w http.ResponseWriter, r *request) error {
	return s.showIncidents(w, r, http.StatusOK, incidentsData{Team: r.URL.Query().Get("team")})
}

func (s *Server) showIncidents(w http.ResponseWriter, r *request, status int, d incidentsData) error {
	all, err := s.svc.Incidents(r.Context(), r.sess.Actor, "")
	if err != nil {
		return err
	}
	for _, i := range all {
		if i.State == desk.IncidentOpen {
			d.Open = append(d.Open, i)
		} else {
			d.Resolved = append(d.Resolved, i)
		}
	}
	return s.render(w, r, status, "incidents", view{Title: r.T("incident.list.title"), Data: d})
}

// createIncident opens an incident; from a case page it links that case at once.
func (s *Server) createIncident(w http.ResponseWriter, r *request) error {
	in := desk.NewIncident{Title: r.PostFormValue("title"), Area: r.PostFormValue("area"), Team: r.PostFormValue("team"),
		PublicStatus: r.PostFormValue("public_status")}
	inc, err := s.svc.CreateIncident(r.Context(), r.sess.Actor, in)
	if err != nil {
		if e, ok := desk.AsError(err); ok && e.Kind == desk.KindInvalid {
			text, _ := s.caseErrorText(r, e)
			return s.showIncidents(w, r, http.StatusUnprocessableEntity, incidentsData{Team: in.Team, Error: text, Sent: postedValues(r)})
		}
		return err
	}
	if caseID, err := strconv.ParseInt(r.PostFormValue("case"), 10, 64); err == nil && caseID > 0 {
		if _, err := s.svc.LinkCases(r.Context(), r.sess.Actor, inc.ID, []int64{caseID}); err != nil {
			return err
		}
	}
	http.Redirect(w, r.Request, fmt.Sprintf("/incidents/%d?done=created", inc.ID), http.StatusSeeOther)
	return nil
}

type incidentData struct {
	service.IncidentView
	Kinds  []string
	Notice string
	Form   string // the form a refusal belongs to
	Error  string
	Sent   map[string]string
	Refs   map[int64]string // case refs by id, for who was told what
}

func (s *Server) incidentPage(w http.ResponseWriter, r *request) error {
	d := incidentData{}
	if done := r.URL.Query().Get("done"); done != "" {
		switch done {
		case "created", "linked", "promised", "status", "resolved":
			d.Notice = r.T("incident.done." + done)
		}
	}
	return s.showIncident(w, r, http.StatusOK, d)
}

func (s *Server) showIncident(w http.ResponseWriter, r *request, status int, d incidentData) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	if d.IncidentView, err = s.svc.Incident(r.Context(), r.sess.Actor, id); err != nil {
		return err
	}
	d.Kinds = []string{"fix", "update", "callback", "delivery", "appointment"}
	return s.render(w, r, status, "incident", view{Title: d.Title, Data: d})
}

// incidentRefused shows the incident page again with a form's refusal; what is not a refusal
// by the rules goes to the error page.
func (s *Server) incidentRefused(w http.ResponseWriter, r *request, form string, err error) error {
	e, status, ok := formRefusal(err)
	if !ok {
		return err
	}
	text, detail := s.caseErrorText(r, e)
	if detail != "" {
		text += " " + detail
	}
	return s.showIncident(w, r, status, incidentData{Form: form, Error: text, Sent: postedValues(r)})
}

// incidentForm serves an incident page form that runs one command on the path's incident: do
// runs it and says what was done. Its refusal is shown on the incident page beside the form
// (name); else the browser goes back to the incident.
func (s *Server) incidentForm(name string, do func(r *request, id int64) (done string, err error)) pageFunc {
	return pathCommand(do, func(w http.ResponseWriter, r *request, id int64, done string, err error) error {
		if err != nil {
			return s.incidentRefused(w, r, name, err)
		}
		return s.incidentDone(w, r, id, done)
	})
}

func (s *Server) incidentDone(w http.ResponseWriter, r *request, id int64, done string) error {
	http.Redirect(w, r.Request, fmt.Sprintf("/incidents/%d?done=%s", id, done), http.StatusSeeOther)
	return nil
}

// caseIDs reads cases named by refs or ids, separated by spaces, commas or lines.
func caseIDs(text string) ([]int64, error) {
	var out []int64
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		if n, err := strconv.ParseInt(f, 10, 64); err == nil && n > 0 {
			out = append(out, n)
		} else if n, ok := desk.ParseCaseRef(strings.ToUpper(f)); ok {
			out = append(out, n)
		} else {
			return nil, desk.Invalid("case_ids", "%q is not a case (K-1042)", f)
		}
	}
	return out, nil
}

func (s *Server) incidentLink(r *request, id int64) (string, error) {
	ids, err := caseIDs(r.PostFormValue("cases"))
	if err == nil {
		_, err = s.svc.LinkCases(r.Context(), r.sess.Actor, id, ids)
	}
	return "linked", err
}

func (s *Server) incidentPromise(r *request, id int64) (string, error) {
	in := desk.NewPromise{Kind: r.PostFormValue("kind"), Words: r.PostFormValue("words")}
	// A time that does not read is the form's to name, but only to whom the incident is open:
	// the command, asked without it, answers who may first.
	var badDue error
	in.DueAt, badDue = r.ParseLocal("due", r.PostFormValue("due"))
	_, err := s.svc.PromiseIncident(r.Context(), r.sess.Actor, id, in)
	if e, ok := desk.AsError(err); badDue != nil && ok && e.Kind == desk.KindInvalid {
		err = badDue
	}
	return "promised", err
}

func (s *Server) incidentStatus(r *request, id int64) (string, error) {
	_, err := s.svc.SetIncidentStatus(r.Context(), r.sess.Actor, id, r.PostFormValue("public_status"))
	return "status", err
}

func (s *Server) incidentResolve(r *request, id int64) (string, error) {
	_, err := s.svc.ResolveIncident(r.Context(), r.sess.Actor, id, r.PostFormValue("summary"))
	return "resolved", err
}

// caseLinkIncident links the case to an open incident chosen on its page.
func (s *Server) caseLinkIncident(r *request, id int64) (string, error) {
	inc, err := strconv.ParseInt(r.PostFormValue("incident"), 10, 64)
	if err != nil || inc <= 0 {
		return "", desk.Invalid("incident", "is required")
	}
	_, err = s.svc.LinkCases(r.Context(), r.sess.Actor, inc, []int64{id})
	return "linked", err
}

// caseDecision records a decision from the case page's form.
func (s *Server) caseDecision(r *request, id int64) (string, error) {
	// An amount that does not read goes to the command as none: it answers who may first.
	amount, _ := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(r.PostFormValue("amount")), ",", "."), 64)
	in := desk.NewDecision{Kind: r.PostFormValue("kind"), Amount: amount, Currency: r.PostFormValue("currency"), Reason: r.PostFormValue("reason"),
		Refuse: r.PostFormValue("outcome") == "refuse"}
	d, err := s.svc.MakeDecision(r.Context(), r.sess.Actor, id, in)
	return "decision_" + string(d.State), err
}

// decisionAnswer approves or refuses a pending decision from the case page.
func (s *Server) decisionAnswer(w http.ResponseWriter, r *request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	caseID, _ := strconv.ParseInt(r.PostFormValue("case"), 10, 64)
	d, err := s.svc.AnswerDecision(r.Context(), r.sess.Actor, id, r.PostFormValue("answer") == "approve", r.PostFormValue("reason"))
	if err != nil {
		if caseID > 0 {
			return s.refused(w, r, caseID, "answer", []string{"reason"}, err)
		}
		return err
	}
	return back(w, r, d.CaseID, "decision_"+string(d.State), "decisions")
}
