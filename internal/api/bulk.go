package api

import (
	"net/http"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// One action on many cases (issue 16, the inbox's bulk actions): each case by the command its
// own call runs; the answer lists the cases done and each refused one with its refusal.

func (s *Server) bulkRoutes() []route {
	return []route{
		{method: "POST", path: "/api/v1/cases/bulk", summary: "One action on up to 500 cases: assign (to_agent_id, briefing), tag (tags added), priority, " +
			"resolve (summary) or incident (incident_id, an open incident). Each case is done by the action's own command and rules; " +
			"a case refused is listed with the refusal (as the error of its own call would read), the others are done. " +
			"422 when the action as a whole cannot be done (no case, no action, no colleague, tag, priority or incident named).",
			status: http.StatusOK, body: bulkIn{}, answer: bulkAnswer{}, handle: gatedBody(service.ActCaseBulk, s.bulk)},
	}
}

type bulkIn struct {
	Action     string   `json:"action"` // assign, tag, priority, resolve or incident
	CaseIDs    []ID     `json:"case_ids"`
	ToAgentID  ID       `json:"to_agent_id,omitempty"`
	Briefing   string   `json:"briefing,omitempty"`
	Tags       []string `json:"tags,omitempty"`
	Priority   string   `json:"priority,omitempty"`
	Summary    string   `json:"summary,omitempty"`
	IncidentID ID       `json:"incident_id,omitempty"`
}

type bulkRefused struct {
	CaseID ID          `json:"case_id"`
	Error  errorDetail `json:"error"`
}

type bulkAnswer struct {
	Done    []ID          `json:"done"`
	Refused []bulkRefused `json:"refused"`
}

func (s *Server) bulk(r *http.Request, svc *service.Service, a desk.Actor, in bulkIn) (any, error) {
	b := service.BulkIn{Action: in.Action, ToAgentID: int64(in.ToAgentID), Briefing: in.Briefing, Tags: in.Tags, Priority: in.Priority,
		Summary: in.Summary, IncidentID: int64(in.IncidentID)}
	for _, id := range in.CaseIDs {
		b.CaseIDs = append(b.CaseIDs, int64(id))
	}
	res, err := svc.Bulk(r.Context(), a, b)
	if err != nil {
		return nil, err
	}
	out := bulkAnswer{Done: []ID{}, Refused: []bulkRefused{}}
	for _, id := range res.Done {
		out.Done = append(out.Done, ID(id))
	}
	for _, f := range res.Refused {
		out.Refused = append(out.Refused, bulkRefused{CaseID: ID(f.CaseID), Error: errorDetail{Code: f.Err.Code, Message: f.Err.Message, Field: f.Err.Field, Details: f.Err.Details}})
	}
	return out, nil
}
