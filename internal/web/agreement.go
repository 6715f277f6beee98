package web

import (
	"net/http"
	"strconv"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// The customer's agreement to a downward hand-over (PRODUCT.md story 5): the agent asks from
// the case page, the customer answers in the portal's case page or by a one-time link from the
// mail, whose page (answerlinks.go) shows the question and one button.

// handoverPage is the page of the links in the mail asking the customer to agree to a
// downward hand-over (answerlinks.go).
func (s *Server) handoverPage() answerPage {
	check, answer := linkAnswers(s.svc.CheckHandoverLink, s.svc.AnswerHandoverLink, func(q service.HandoverQuestion) linkQuestion {
		return linkQuestion{Lang: q.Lang, Ref: q.Ref, Subject: q.Subject, Question: q.Question}
	})
	return answerPage{path: "/portal/handover", check: check, answer: answer,
		words: answerWords{Ask: "portal.question.title", Yes: "portal.question.yes", No: "portal.question.no", Why: "portal.handover.why",
			OtherYes: "portal.handover.other_yes", OtherNo: "portal.handover.other_no", Title: "portal.handover.title",
			Yessed: "portal.handover.agreed", Noed: "portal.handover.declined", Portal: "portal.handover.portal",
			Refused: "portal.handover.refused", Used: "portal.handover.used", Expired: "portal.handover.expired", Closed: "portal.handover.closed",
			UnknownLink: "portal.handover.unknown"},
		refusals: map[string]string{"handover_link_used": "used", "handover_link_expired": "expired", "handover_question_closed": "closed"},
	}
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
	id, err := s.allowedCase(r, service.ActCaseAsk)
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
