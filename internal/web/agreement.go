package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// The customer's agreement to a downward hand-over (PRODUCT.md story 5): the agent asks from
// the case page, the customer answers in the portal's case page or by a one-time link from the
// mail. Opening a link shows the question and one button: a mail scanner that fetches links
// answers nothing and leaves the link working.

func (s *Server) agreementRoutes(mux *http.ServeMux) {
	mux.Handle("GET /portal/handover", s.public("/portal/handover", s.portalHandoverForm))
	mux.Handle("POST /portal/handover", s.public("/portal/handover", s.portalHandoverByLink))
	mux.Handle("POST /portal/cases/{id}/handover", s.customer("/portal/cases/{id}/handover", s.portalHandoverAnswer))
	mux.Handle("POST /cases/{id}/handover/ask", s.agent("/cases/{id}/handover/ask", s.caseAskAgreement))
}

// portalHandoverData is what the link's page shows: the question and the one button for the
// answer the link stands for, the answer recorded, or why the link no longer works.
type portalHandoverData struct {
	Q       service.HandoverQuestion
	Token   string
	Agree   bool   // the answer this page's button gives
	Other   string // the address of the same page for the other answer
	Done    bool   // the answer is recorded
	Refused string // "used", "expired", "closed" or "unknown"
}

// linkAnswer reads which answer a link or its button stands for ("yes" or "no"; anything else
// is no answer).
func linkAnswer(r *request) (agree, ok bool) {
	switch r.FormValue("answer") {
	case "yes":
		return true, true
	case "no":
		return false, true
	}
	return false, false
}

// inCustomersLanguage shows a link's page in the language the customer chose, when they chose
// one: the mail was written in it, whatever the browser that opens the link prefers.
func (s *Server) inCustomersLanguage(r *request, lang string) {
	if _, ok := s.cat[lang]; ok && lang != "" {
		r.lang = lang
	}
}

func (s *Server) portalHandoverForm(w http.ResponseWriter, r *request) error {
	token := r.URL.Query().Get("token")
	agree, ok := linkAnswer(r)
	if !ok {
		return s.portalHandoverRefused(w, r, service.HandoverQuestion{}, desk.NotFound("link", ""))
	}
	q, err := s.svc.CheckHandoverLink(r.Context(), token)
	if err != nil {
		return s.portalHandoverRefused(w, r, q, err)
	}
	s.inCustomersLanguage(r, q.Lang)
	other := "no"
	if !agree {
		other = "yes"
	}
	data := portalHandoverData{Q: q, Token: token, Agree: agree,
		Other: "/portal/handover?answer=" + other + "&token=" + url.QueryEscape(token)}
	return s.render(w, r, http.StatusOK, "portal_handover", portalView(r.T("portal.handover.title"), data))
}

func (s *Server) portalHandoverByLink(w http.ResponseWriter, r *request) error {
	agree, ok := linkAnswer(r)
	if !ok {
		return s.portalHandoverRefused(w, r, service.HandoverQuestion{}, desk.NotFound("link", ""))
	}
	q, err := s.svc.AnswerHandoverLink(r.Context(), r.FormValue("token"), agree)
	if err != nil {
		return s.portalHandoverRefused(w, r, q, err)
	}
	s.inCustomersLanguage(r, q.Lang)
	return s.render(w, r, http.StatusOK, "portal_handover", portalView(r.T("portal.handover.title"), portalHandoverData{Q: q, Agree: agree, Done: true}))
}

// portalHandoverRefused says why a link does not answer, and where the customer can: in the
// customer's language when the link is theirs.
func (s *Server) portalHandoverRefused(w http.ResponseWriter, r *request, q service.HandoverQuestion, err error) error {
	e, ok := desk.AsError(err)
	if !ok {
		return err
	}
	s.inCustomersLanguage(r, q.Lang)
	data := portalHandoverData{Refused: "unknown"}
	status := http.StatusNotFound
	switch e.Code {
	case "handover_link_used":
		data.Refused, status = "used", http.StatusGone
	case "handover_link_expired":
		data.Refused, status = "expired", http.StatusGone
	case "handover_question_closed":
		data.Refused, status = "closed", http.StatusGone
	}
	return s.render(w, r, status, "portal_handover", portalView(r.T("portal.handover.refused"), data))
}

// portalHandoverAnswer is the customer's answer from their case page in the portal.
func (s *Server) portalHandoverAnswer(w http.ResponseWriter, r *request) error {
	id, err := portalCaseID(r)
	if err != nil {
		return err
	}
	agree, ok := linkAnswer(r)
	seq, _ := strconv.ParseInt(r.FormValue("asked"), 10, 64)
	if !ok || seq <= 0 {
		return s.portalRefused(w, r, id, "question", desk.Invalid("answer", "agree or decline"), nil)
	}
	if _, err := s.svc.AnswerHandover(r.Context(), r.sess.Actor, id, seq, agree); err != nil {
		return s.portalRefused(w, r, id, "question", err, nil)
	}
	done := "handover_agreed"
	if !agree {
		done = "handover_declined"
	}
	return portalDone(w, r, id, done, "record")
}

// caseAskAgreement is the case page's "Ask the customer": whether a colleague below the case's
// rung may take it.
func (s *Server) caseAskAgreement(w http.ResponseWriter, r *request) error {
	id, err := pathInt(r, "id")
	if err != nil {
		return err
	}
	fields := []string{"to", "message"}
	to, _ := strconv.ParseInt(r.PostFormValue("to"), 10, 64)
	if to == 0 {
		return s.refused(w, r, id, "ask", fields, desk.Invalid("to", "is required"))
	}
	if _, err := s.svc.AskHandoverAgreement(r.Context(), r.sess.Actor, id, desk.HandoverAsk{ToAgentID: to, Message: r.PostFormValue("message")}); err != nil {
		return s.refused(w, r, id, "ask", fields, err)
	}
	return back(w, r, id, "asked", "agreement")
}

// allowedView is a colleague a downward_reassignment refusal names as able to take the case.
type allowedView struct {
	ID               int64
	Name, Role, Team string
}

// downwardDetails reads what a downward_reassignment refusal allows instead into the form's
// state: who may take the case, and the colleague the customer could be asked about.
func downwardDetails(f *formState, e *desk.Error) {
	if e.Code != "downward_reassignment" {
		return
	}
	list, _ := e.Details["allowed"].([]map[string]any)
	for _, a := range list {
		id, _ := a["id"].(int64)
		name, _ := a["name"].(string)
		role, _ := a["role"].(string)
		team, _ := a["team"].(string)
		f.Allowed = append(f.Allowed, allowedView{ID: id, Name: name, Role: role, Team: team})
	}
	f.AskTo, _ = e.Details["to_agent_id"].(int64)
}
