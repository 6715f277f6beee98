package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// The administrative changes the screens make that the API lacked (issue 16): a case type's
// process, a canned reply's words, and the admin log of every such change.

func (s *Server) adminRoutes() []route {
	return []route{
		{method: "PATCH", path: "/api/v1/case-types/{id}", summary: "Change a case type's team, required references, response target or process (the whole list of steps); " +
			"fields not given stay, and so does its name. A step kept by name keeps its translations when given none.",
			status: http.StatusOK, body: caseTypePatch{}, answer: desk.CaseType{}, handle: s.patchCaseType},
		{method: "PATCH", path: "/api/v1/canned-replies/{id}", summary: "Change a canned reply's name, words, offer mark or folder (its scope stays); fields not given stay. An unknown variable is refused.",
			status: http.StatusOK, body: cannedPatch{}, answer: desk.CannedReply{}, handle: s.patchCanned},
		{method: "DELETE", path: "/api/v1/canned-replies/{id}", summary: "Delete a canned reply (answered as it was); what was sent with it stays on the records.",
			status: http.StatusOK, answer: desk.CannedReply{}, handle: s.deleteCanned},
		{method: "GET", path: "/api/v1/admin-log", summary: "Every administrative change, newest first: who, when, what, and the changed fields before and after (admins).",
			status: http.StatusOK, answer: adminLogAnswer{}, query: []param{{"before", "page: changes with a lower id (the answer's next)"}}, handle: s.adminLog},
	}
}

type caseTypePatch struct {
	Team               *string   `json:"team,omitempty"`
	RequiredReferences *[]string `json:"required_references,omitempty"`
	ResponseTargetS    *int64    `json:"response_target_s,omitempty"`
	Steps              *[]stepIn `json:"steps,omitempty"`
}

type cannedPatch struct {
	Name   *string `json:"name,omitempty"`
	Body   *string `json:"body,omitempty"`
	Offer  *bool   `json:"offer,omitempty"`
	Folder *string `json:"folder,omitempty"`
}

type adminLogAnswer struct {
	Changes []desk.AdminChange `json:"changes"`
	Next    int64              `json:"next,omitempty"` // pass as before for older changes; absent on the last page
}

func (s *Server) patchCaseType(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	id, in, err := idAndBody[caseTypePatch](r, decode)
	if err != nil {
		return nil, err
	}
	up := service.CaseTypeUpdate{Team: in.Team}
	if in.RequiredReferences != nil {
		up.RequiredReferences = append([]string{}, *in.RequiredReferences...)
	}
	if in.ResponseTargetS != nil {
		d := time.Duration(*in.ResponseTargetS) * time.Second
		up.ResponseTarget = &d
	}
	if in.Steps != nil {
		up.Steps = []desk.Step{}
		for _, st := range *in.Steps {
			up.Steps = append(up.Steps, desk.Step{Name: st.Name, Explanation: st.Explanation, Partner: st.Partner, Translations: st.Translations})
		}
	}
	return svc.UpdateCaseType(r.Context(), a, id, up)
}

func (s *Server) patchCanned(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	id, in, err := idAndBody[cannedPatch](r, decode)
	if err != nil {
		return nil, err
	}
	if err := service.Gate(a, service.ActCannedChange); err != nil {
		return nil, err
	}
	was, err := svc.CannedReply(r.Context(), a, id)
	if err != nil {
		return nil, err
	}
	c := service.CannedIn{Name: was.Name, Body: was.Body, Offer: was.Offer, Folder: was.Folder}
	if in.Name != nil {
		c.Name = *in.Name
	}
	if in.Body != nil {
		c.Body = *in.Body
	}
	if in.Offer != nil {
		c.Offer = *in.Offer
	}
	if in.Folder != nil {
		c.Folder = *in.Folder
	}
	return svc.UpdateCannedReply(r.Context(), a, id, c)
}

func (s *Server) deleteCanned(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return svc.DeleteCannedReply(r.Context(), a, id)
}

func (s *Server) adminLog(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	var before int64
	if v := r.URL.Query().Get("before"); v != "" {
		var err error
		if before, err = strconv.ParseInt(v, 10, 64); err != nil || before < 0 {
			return nil, desk.Invalid("before", "an id from the answer's next")
		}
	}
	p, err := svc.AdminLog(r.Context(), a, before)
	return adminLogAnswer{Changes: p.Changes, Next: p.Older}, err
}
