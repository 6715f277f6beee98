package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// A new case for someone who called or walked in: the customer found by their email or phone,
// or added from what the caller gave, and the case opened by the service's one path for new
// cases (OpenCaseForCaller), in one unit of work.

// MayOpenCase: the inbox offers "New case" to those the permission table lets open one.
func (r *request) MayOpenCase() bool { return service.Gate(r.sess.Actor, service.ActCaseOpen) == nil }

type newCaseData struct {
	Types    []desk.CaseType
	Channels []string
}

func (s *Server) newCaseForm(w http.ResponseWriter, r *request) error {
	return s.newCasePage(w, r, http.StatusOK, adminView{Form: url.Values{"channel": {"phone"}, "language": {r.lang}}})
}

func (s *Server) newCasePage(w http.ResponseWriter, r *request, status int, v adminView) error {
	if err := service.Gate(r.sess.Actor, service.ActCaseOpen); err != nil {
		return err
	}
	types, err := s.svc.CaseTypes(r.Context(), r.sess.Actor)
	if err != nil {
		return err
	}
	v.Data = newCaseData{Types: types, Channels: []string{"phone", "web", "email"}}
	return s.render(w, r, status, "newcase", view{Title: r.T("newcase.title"), Data: v})
}

func (s *Server) openCaseForCaller(w http.ResponseWriter, r *request) error {
	f := r.PostForm
	who := desk.NewCustomer{Name: f.Get("name"), Email: f.Get("email"), Phone: f.Get("phone"), Lang: f.Get("language")}
	in := desk.NewCase{Subject: f.Get("subject"), Body: f.Get("body"), Channel: f.Get("channel"), Type: f.Get("type")}
	for _, line := range splitList(f.Get("references")) {
		kind, value, ok := strings.Cut(line, ":")
		if !ok {
			kind, value = "reference", line
		}
		in.References = append(in.References, desk.Reference{Kind: strings.TrimSpace(kind), Value: strings.TrimSpace(value)})
	}
	c, created, err := s.svc.OpenCaseForCaller(r.Context(), r.sess.Actor, who, in)
	if err != nil {
		text, field := formError(r, err, f, "")
		switch e, _ := desk.AsError(err); {
		case e != nil && e.Code == "missing_references":
			text, field = r.T("newcase.error.missing_references", fmt.Sprint(e.Details["missing"])), "references"
		case field == "email" && strings.TrimSpace(f.Get("email")+f.Get("phone")) == "":
			text = r.T("admin.error.customer_id")
		case field == "body":
			text = r.T("newcase.error.body")
		}
		return s.newCasePage(w, r, statusOf(err), adminView{Error: text, Field: field, Form: f})
	}
	done := "opened"
	if created {
		done = "opened_new"
	}
	http.Redirect(w, r.Request, fmt.Sprintf("/cases/%d?done=%s", c.ID, done), http.StatusSeeOther)
	return nil
}
