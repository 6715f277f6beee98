package api

import (
	"net/http"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

type stepIn struct {
	Name        string `json:"name"`
	Explanation string `json:"explanation"`
	Partner     string `json:"partner,omitempty"`
	// Translations are the step's name and explanation in other languages, by code:
	// {"et": {"name": "…", "explanation": "…"}, "hr": {…}}; a customer reads their own.
	Translations map[string]desk.StepWords `json:"translations,omitempty"`
}

type caseTypeIn struct {
	Name               string   `json:"name"`
	Team               string   `json:"team,omitempty"`
	RequiredReferences []string `json:"required_references,omitempty"`
	ResponseTargetS    int64    `json:"response_target_s,omitempty"`
	Steps              []stepIn `json:"steps,omitempty"`
}

type advanceIn struct {
	Step int `json:"step"`
}

type resolveIn struct {
	Summary string `json:"summary"`
}

type confirmationIn struct {
	Confirmed *bool  `json:"confirmed"`
	Words     string `json:"words,omitempty"`
}

type reopenIn struct {
	Reason string `json:"reason"`
}

type partnerIn struct {
	Name string `json:"name"`
}

type assignPartnerIn struct {
	PartnerID ID  `json:"partner_id"`
	Step      int `json:"step,omitempty"`
}

type cannedIn struct {
	Name   string `json:"name"`
	Body   string `json:"body"`
	Offer  bool   `json:"offer,omitempty"`
	Folder string `json:"folder,omitempty"` // groups the replies in the composer
	Scope  string `json:"scope,omitempty"`  // "desk" (default), "team" or "personal" (the maker's own)
	Team   string `json:"team,omitempty"`   // a team's reply: the team (default: the maker's own)
}

func (s *Server) processRoutes() []route {
	return []route{
		{method: "POST", path: "/api/v1/case-types", summary: "Define a case type: the references it needs, its team, and its process (steps explained to the customer, optionally by a partner).",
			status: http.StatusCreated, body: caseTypeIn{}, answer: desk.CaseType{}, handle: withBody(s.createCaseType)},
		{method: "GET", path: "/api/v1/case-types", summary: "The desk's case types.", status: http.StatusOK, answer: []desk.CaseType{}, handle: byActor((*service.Service).CaseTypes)},
		{method: "POST", path: "/api/v1/cases/{id}/step", summary: "Move the case to a step of its process (1-based); the customer reads what happens there and what comes next.",
			status: http.StatusOK, body: advanceIn{}, answer: service.CaseView{}, handle: withIDBody(decode, s.advanceStep)},
		{method: "POST", path: "/api/v1/cases/{id}/resolve", summary: "Propose a resolution: the case awaits the customer's confirmation (status awaiting_confirmation) and closes unconfirmed after the team's wait.",
			status: http.StatusOK, body: resolveIn{}, answer: service.CaseView{}, handle: withIDBody(decode, s.resolve)},
		{method: "POST", path: "/api/v1/cases/{id}/confirmation", summary: "The customer's answer to a proposed resolution: confirmed closes the case; false reopens it (resolution_rejected).",
			status: http.StatusOK, body: confirmationIn{}, answer: service.CaseView{}, handle: s.confirmation},
		{method: "POST", path: "/api/v1/cases/{id}/reopen", summary: "Take a proposed resolution back (the customer's answer said it did not hold): " +
			"the case is open again (counted as withdrawn) and the customer's response clock runs. Only the customer confirms.",
			status: http.StatusOK, body: reopenIn{}, answer: service.CaseView{}, handle: withIDBody(decode, s.reopen)},
		{method: "GET", path: "/api/v1/resolutions", summary: "How agents' resolutions ended: confirmed, rejected, closed_unconfirmed.", status: http.StatusOK,
			answer: []desk.OutcomeCount{}, query: []param{{"since", "RFC 3339 time (default: 30 days ago)"}}, handle: s.resolutions},
		{method: "POST", path: "/api/v1/canned-replies", summary: "Store a canned reply: the desk's, a team's (its lead or manager) or personal (the maker's own), in a folder; offer: true marks a sales offer, refused on cases of customers with an open complaint. An unknown variable is refused.",
			status: http.StatusCreated, body: cannedIn{}, answer: desk.CannedReply{}, handle: withBody(s.createCanned)},
		{method: "GET", path: "/api/v1/canned-replies", summary: "The canned replies the caller sees: the desk's, their team's and their own personal ones, by folder and name.", status: http.StatusOK, answer: []desk.CannedReply{}, handle: byActor((*service.Service).CannedReplies)},
		{method: "POST", path: "/api/v1/cases/{id}/release", summary: "Let a quarantined case (suspected spam or look-alike obfuscation) through: it opens like any other.",
			status: http.StatusOK, answer: service.CaseView{}, handle: byID((*service.Service).Release)},
		{method: "POST", path: "/api/v1/partners", summary: "Add a partner organisation; its users are agents with role partner and its partner_id.",
			status: http.StatusCreated, body: partnerIn{}, answer: desk.Partner{}, handle: withBody(s.createPartner)},
		{method: "POST", path: "/api/v1/cases/{id}/partner", summary: "Hand the case (or one step of its process) to a partner, whose users then see and act on it and nothing else; " +
			"partner_id 0 takes it back. The owner stays the owner and hears of the partner's progress.",
			status: http.StatusOK, body: assignPartnerIn{}, answer: service.CaseView{}, handle: withIDBody(decode, s.assignPartner)},
	}
}

func (s *Server) createPartner(r *http.Request, svc *service.Service, a desk.Actor, in partnerIn) (any, error) {
	return svc.CreatePartner(r.Context(), a, in.Name)
}

func (s *Server) assignPartner(r *http.Request, svc *service.Service, a desk.Actor, id int64, in assignPartnerIn) (any, error) {
	return svc.AssignPartner(r.Context(), a, id, int64(in.PartnerID), in.Step)
}

func (s *Server) createCaseType(r *http.Request, svc *service.Service, a desk.Actor, in caseTypeIn) (any, error) {
	steps := make([]desk.Step, len(in.Steps))
	for i, st := range in.Steps {
		steps[i] = desk.Step{Name: st.Name, Explanation: st.Explanation, Partner: st.Partner, Translations: st.Translations}
	}
	return svc.CreateCaseType(r.Context(), a, desk.NewCaseType{Name: in.Name, Team: in.Team, RequiredReferences: in.RequiredReferences,
		ResponseTarget: time.Duration(in.ResponseTargetS) * time.Second, Steps: steps})
}

func (s *Server) advanceStep(r *http.Request, svc *service.Service, a desk.Actor, id int64, in advanceIn) (any, error) {
	return svc.AdvanceStep(r.Context(), a, id, in.Step)
}

func (s *Server) resolve(r *http.Request, svc *service.Service, a desk.Actor, id int64, in resolveIn) (any, error) {
	return svc.Resolve(r.Context(), a, id, in.Summary)
}

func (s *Server) confirmation(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	if err := service.Gate(a, service.ActResolutionConfirm); err != nil {
		return nil, err // before the body's checks
	}
	var in confirmationIn
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if in.Confirmed == nil {
		return nil, desk.Invalid("confirmed", "say true (the customer confirms) or false (that is not what they asked)")
	}
	return svc.Confirm(r.Context(), a, id, desk.Confirmation{Confirmed: *in.Confirmed, Words: in.Words})
}

func (s *Server) resolutions(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	from, err := since(r)
	if err != nil {
		return nil, err
	}
	return svc.ResolutionOutcomes(r.Context(), a, from)
}

func (s *Server) createCanned(r *http.Request, svc *service.Service, a desk.Actor, in cannedIn) (any, error) {
	return svc.CreateCanned(r.Context(), a, service.CannedIn{Name: in.Name, Body: in.Body, Offer: in.Offer, Folder: in.Folder, Scope: in.Scope, Team: in.Team})
}

func (s *Server) reopen(r *http.Request, svc *service.Service, a desk.Actor, id int64, in reopenIn) (any, error) {
	return svc.Reopen(r.Context(), a, id, in.Reason)
}
