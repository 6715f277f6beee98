package api

import (
	"net/http"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// A case's priority and tags (issue 16): changed by PATCH on the case, each change an entry on
// its record.

func (s *Server) labelRoutes() []route {
	return []route{
		{method: "PATCH", path: "/api/v1/cases/{id}", summary: "Set a case's priority (low, normal, high, urgent) and tags; fields not given stay. " +
			"Each change is an internal entry on the record (priority_changed, tags_changed).",
			status: http.StatusOK, body: labelsIn{}, answer: service.CaseView{}, handle: withIDBody(decode, s.setLabels)},
	}
}

// labelsIn is the body of PATCH /api/v1/cases/{id}.
type labelsIn struct {
	Priority *string   `json:"priority,omitempty"`
	Tags     *[]string `json:"tags,omitempty"` // the whole list; [] takes every tag off
}

func (s *Server) setLabels(r *http.Request, svc *service.Service, a desk.Actor, id int64, in labelsIn) (any, error) {
	l := service.LabelsIn{Priority: in.Priority}
	if in.Tags != nil {
		l.Tags = *in.Tags
		if l.Tags == nil {
			l.Tags = []string{}
		}
	}
	return svc.SetLabels(r.Context(), a, id, l)
}
