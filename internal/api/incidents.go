package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

type incidentIn struct {
	Title        string `json:"title"`
	Area         string `json:"area,omitempty"`
	Team         string `json:"team,omitempty"`
	PublicStatus string `json:"public_status,omitempty"`
	OwnerID      ID     `json:"owner_id,omitempty"`
}

type incidentStatusIn struct {
	PublicStatus string `json:"public_status"`
}

type linkIn struct {
	CaseIDs []caseID `json:"case_ids"`
}

// caseID is a case in a request body: its id (a number or a string holding one) or its ref.
type caseID int64

// UnmarshalJSON accepts 42, "42" and "K-1042".
func (c *caseID) UnmarshalJSON(b []byte) error {
	v := string(bytes.Trim(b, `"`))
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
		*c = caseID(n)
		return nil
	}
	if n, ok := desk.ParseCaseRef(v); ok {
		*c = caseID(n)
		return nil
	}
	return &json.UnmarshalTypeError{Value: "string " + strconv.Quote(v), Type: reflect.TypeOf(int64(0))}
}

type resolveIncidentIn struct {
	Summary string `json:"summary"`
}

type decisionIn struct {
	Kind     string `json:"kind"`
	Amount   amount `json:"amount"`
	Currency string `json:"currency"`
	Reason   string `json:"reason"`
	Outcome  string `json:"outcome,omitempty"` // "refuse" records a refusal (its reason is told); else it is granted within the limit
}

// amount is a sum in a request body: a number, or a string holding one ("12.50").
type amount float64

// UnmarshalJSON accepts 12.5 and "12.50".
func (a *amount) UnmarshalJSON(b []byte) error {
	v := string(bytes.Trim(b, `"`))
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "string " + strconv.Quote(v), Type: reflect.TypeOf(f)}
	}
	*a = amount(f)
	return nil
}

type decisionAnswerIn struct {
	Reason string `json:"reason"`
}

type channelIn struct {
	Channel string `json:"channel"` // write or call
}

type policyIn struct {
	Team          string             `json:"team,omitempty"`
	Limits        map[string]float64 `json:"limits"`
	DecideWithinS int64              `json:"decide_within_s,omitempty"`
	Text          string             `json:"text"`
}

func (s *Server) incidentRoutes() []route {
	return []route{
		{method: "POST", path: "/api/v1/incidents", summary: "Open an incident: a fault many customers report (title, optional area, team, public_status, owner_id; the owner defaults to you).",
			status: http.StatusCreated, body: incidentIn{}, answer: service.IncidentView{}, handle: withBody(s.createIncident)},
		{method: "GET", path: "/api/v1/incidents", summary: "Incidents, newest first.", status: http.StatusOK, answer: []desk.Incident{},
			query: []param{{"state", "open or resolved"}}, handle: s.listIncidents, read: readShared},
		{method: "GET", path: "/api/v1/incidents/{id}", summary: "An incident with its cases, their customers, its promises and who was told what.",
			status: http.StatusOK, answer: service.IncidentView{}, handle: byID((*service.Service).Incident), read: readShared},
		{method: "PATCH", path: "/api/v1/incidents/{id}", summary: "Change the public status linked customers read in the portal.",
			status: http.StatusOK, body: incidentStatusIn{}, answer: service.IncidentView{}, handle: withIDBody(decode, s.setIncidentStatus)},
		{method: "POST", path: "/api/v1/incidents/{id}/cases", summary: "Link cases (ids or refs) to the incident: each case's record gets an entry linking it, and the incident's open promises are made on it.",
			status: http.StatusOK, body: linkIn{}, answer: service.IncidentView{}, handle: withIDBody(decode, s.linkCases)},
		{method: "POST", path: "/api/v1/incidents/{id}/promises", summary: "Promise every linked customer (a promise on each open linked case, owned by the incident's owner); " +
			"its id slips and keeps them all through /api/v1/promises/{id}/slip and /keep, each customer told once.",
			status: http.StatusCreated, body: promiseIn{}, answer: service.IncidentPromiseView{}, handle: withIDBody(decode, s.promiseIncident)},
		{method: "POST", path: "/api/v1/incidents/{id}/resolve", summary: "The fault is fixed: every linked case gets an entry, every linked customer is told once in their language, open incident promises are kept.",
			status: http.StatusOK, body: resolveIncidentIn{}, answer: service.IncidentView{}, handle: withIDBody(decode, s.resolveIncident)},
		{method: "POST", path: "/api/v1/cases/{id}/decisions", summary: "Record a credit, refund or waiver: granted within your limit of the decision policy, refused with outcome \"refuse\", " +
			"else pending_approval with the next rung up (the customer is promised a decision by a time). The customer is told the decision and its reason.",
			status: http.StatusCreated, body: decisionIn{}, answer: desk.Decision{}, handle: withIDBody(decode, s.makeDecision)},
		{method: "GET", path: "/api/v1/cases/{id}/decisions", summary: "The case's decisions, with the policy and the evidence (linked incidents, broken promises) beside them.",
			status: http.StatusOK, answer: service.DecisionsView{}, handle: byID((*service.Service).CaseDecisions), read: readShared},
		{method: "POST", path: "/api/v1/decisions/{id}/approve", summary: "Grant a decision waiting for your approval (reason optional: the request's is told).",
			status: http.StatusOK, body: decisionAnswerIn{}, answer: desk.Decision{}, handle: answerDecision(true)},
		{method: "POST", path: "/api/v1/decisions/{id}/refuse", summary: "Refuse a decision waiting for your approval: the reason is required and told to the customer.",
			status: http.StatusOK, body: decisionAnswerIn{}, answer: desk.Decision{}, handle: answerDecision(false)},
		{method: "PUT", path: "/api/v1/case-types/{id}/channel", summary: "Which channel serves a case type best (write or call): the portal's new-request form says so, and offers a call-back for a call.",
			status: http.StatusOK, body: channelIn{}, answer: service.RequestType{}, handle: withBody(s.setChannel)},
		{method: "GET", path: "/api/v1/decision-policy", summary: "The written decision policy (a team's, else the desk's, else the default: agent 50, lead 200, manager 1000, admin unlimited).",
			status: http.StatusOK, answer: desk.DecisionPolicy{}, query: []param{{"team", "a team's name (default: the desk's own)"}}, handle: s.getPolicy, read: readShared},
		{method: "PUT", path: "/api/v1/decision-policy", summary: "Write a team's decision policy (team; without it the desk's, admin only): limits per role as plain amounts (-1 unlimited), decide_within_s, text shown to agents.",
			status: http.StatusOK, body: policyIn{}, answer: desk.DecisionPolicy{}, handle: withBody(s.setPolicy)},
	}
}

func (s *Server) createIncident(r *http.Request, svc *service.Service, a desk.Actor, in incidentIn) (any, error) {
	return svc.CreateIncident(r.Context(), a, desk.NewIncident{Title: in.Title, Area: in.Area, Team: in.Team, PublicStatus: in.PublicStatus, OwnerID: int64(in.OwnerID)})
}

func (s *Server) listIncidents(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	state := desk.IncidentState(r.URL.Query().Get("state"))
	if state != "" && state != desk.IncidentOpen && state != desk.IncidentResolved {
		return nil, badRequest("state", "open or resolved")
	}
	return svc.Incidents(r.Context(), a, state)
}

func (s *Server) setIncidentStatus(r *http.Request, svc *service.Service, a desk.Actor, id int64, in incidentStatusIn) (any, error) {
	return svc.SetIncidentStatus(r.Context(), a, id, in.PublicStatus)
}

func (s *Server) linkCases(r *http.Request, svc *service.Service, a desk.Actor, id int64, in linkIn) (any, error) {
	ids := make([]int64, len(in.CaseIDs))
	for i, c := range in.CaseIDs {
		ids[i] = int64(c)
	}
	return svc.LinkCases(r.Context(), a, id, ids)
}

func (s *Server) promiseIncident(r *http.Request, svc *service.Service, a desk.Actor, id int64, in promiseIn) (any, error) {
	p, err := in.promise()
	if err != nil {
		return nil, err
	}
	return svc.PromiseIncident(r.Context(), a, id, p)
}

func (s *Server) resolveIncident(r *http.Request, svc *service.Service, a desk.Actor, id int64, in resolveIncidentIn) (any, error) {
	return svc.ResolveIncident(r.Context(), a, id, in.Summary)
}

func (s *Server) makeDecision(r *http.Request, svc *service.Service, a desk.Actor, id int64, in decisionIn) (any, error) {
	refuse := false
	switch in.Outcome {
	case "", "grant":
	case "refuse":
		refuse = true
	default:
		return nil, desk.Invalid("outcome", "grant or refuse")
	}
	return svc.MakeDecision(r.Context(), a, id, desk.NewDecision{Kind: in.Kind, Amount: float64(in.Amount), Currency: in.Currency, Reason: in.Reason, Refuse: refuse})
}

// answerDecision grants (approve) or refuses a decision waiting for the reader's approval.
func answerDecision(approve bool) handlerFunc {
	return withIDBody(decodeOptional, func(r *http.Request, svc *service.Service, a desk.Actor, id int64, in decisionAnswerIn) (any, error) {
		return svc.AnswerDecision(r.Context(), a, id, approve, in.Reason)
	})
}

func (s *Server) getPolicy(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	return svc.DecisionPolicy(r.Context(), a, r.URL.Query().Get("team"))
}

func (s *Server) setPolicy(r *http.Request, svc *service.Service, a desk.Actor, in policyIn) (any, error) {
	limits := make(map[desk.Role]desk.Money, len(in.Limits))
	for role, v := range in.Limits {
		limits[desk.Role(role)] = desk.MoneyOf(v)
		if v < 0 {
			limits[desk.Role(role)] = desk.Unlimited
		}
	}
	return svc.SetDecisionPolicy(r.Context(), a, in.Team, desk.DecisionPolicy{Limits: limits, DecideWithS: in.DecideWithinS, Text: in.Text})
}

func (s *Server) setChannel(r *http.Request, svc *service.Service, a desk.Actor, in channelIn) (any, error) {
	return svc.SetCaseTypeChannel(r.Context(), a, r.PathValue("id"), in.Channel)
}
