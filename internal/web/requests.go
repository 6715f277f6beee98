package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/service"
)

// The portal's new-request form (story 21): what the matter is, the references its type needs,
// which channel serves it best, and a call-back at a time the form offers.

type portalNewData struct {
	Form   service.RequestForm
	TypeID int64
	Error  string
	Sent   map[string]string
}

func (s *Server) portalNewForm(w http.ResponseWriter, r *request) error {
	typeID, _ := strconv.ParseInt(r.URL.Query().Get("type"), 10, 64)
	return s.showNewRequest(w, r, http.StatusOK, portalNewData{TypeID: typeID})
}

func (s *Server) showNewRequest(w http.ResponseWriter, r *request, status int, d portalNewData) error {
	var err error
	if d.Form, err = s.svc.NewRequestForm(r.Context(), r.sess.Actor, d.TypeID); err != nil {
		return err
	}
	return s.render(w, r, status, "portal_new", portalView(r.T("portal.new.title"), d))
}

func (s *Server) portalNewRequest(w http.ResponseWriter, r *request) error {
	typeID, _ := strconv.ParseInt(r.PostFormValue("type"), 10, 64)
	in := service.NewRequest{TypeID: typeID, Subject: r.PostFormValue("subject"), Body: r.PostFormValue("body"), References: postedReferences(r)}
	if cb := r.PostFormValue("callback"); cb != "" {
		at, agent, _ := strings.Cut(cb, "|")
		t, err1 := time.Parse(time.RFC3339, at)
		a, err2 := strconv.ParseInt(agent, 10, 64)
		if err1 == nil && err2 == nil {
			in.Callback = &service.RequestSlot{At: t, AgentID: a}
		}
	}
	id, err := s.svc.OpenRequest(r.Context(), r.sess.Actor, in)
	if e, _, ok := formRefusal(err); ok { // the page answers 422 whatever the refusal
		text := r.T("portal.new.error")
		if e.Code == "missing_references" {
			text = r.T("portal.new.missing")
		}
		return s.showNewRequest(w, r, http.StatusUnprocessableEntity, portalNewData{TypeID: typeID, Error: text, Sent: postedValues(r)})
	} else if err != nil {
		return err
	}
	http.Redirect(w, r.Request, fmt.Sprintf("/portal/cases/%d?done=opened", id), http.StatusSeeOther)
	return nil
}
