package api

import (
	"net/http"
	"strconv"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/realip"
	"github.com/keptdesk/kept/internal/service"
)

// The administrative changes the screens make that the API lacked (issue 16): a case type's
// process, a canned reply's words, and the admin log of every such change.

func (s *Server) adminRoutes() []route {
	return []route{
		{method: "PATCH", path: "/api/v1/case-types/{id}", summary: "Change a case type's team, required references, response target or process (the whole list of steps); " +
			"fields not given stay, and so does its name. A step kept by name keeps its translations when given none.",
			status: http.StatusOK, body: caseTypePatch{}, answer: desk.CaseType{}, handle: withIDBody(decode, s.patchCaseType)},
		{method: "PATCH", path: "/api/v1/canned-replies/{id}", summary: "Change a canned reply's name, words, offer mark or folder (its scope stays); fields not given stay. An unknown variable is refused.",
			status: http.StatusOK, body: cannedPatch{}, answer: desk.CannedReply{}, handle: withIDBody(decode, s.patchCanned)},
		{method: "DELETE", path: "/api/v1/canned-replies/{id}", summary: "Delete a canned reply (answered as it was); what was sent with it stays on the records.",
			status: http.StatusOK, answer: desk.CannedReply{}, handle: byID((*service.Service).DeleteCannedReply)},
		{method: "GET", path: "/api/v1/admin-log", summary: "Every administrative change, newest first: who, when, what, and the changed fields before and after (admins); " +
			"append-only and hash-chained (each row's hash over the one before it), with the chain's head.",
			status: http.StatusOK, answer: adminLogAnswer{}, query: []param{{"before", "page: changes with a lower id (the answer's next)"}}, handle: s.adminLog},
		{method: "POST", path: "/api/v1/agents/{id}/password-reset", summary: "Have an agent mailed a one-time link to set a new password (admin; a manager for people below them). " +
			"Nobody is shown a password or the link; the change is on the admin log.",
			status: http.StatusAccepted, body: passwordResetIn{}, answer: passwordResetAnswer{}, handle: withIDBody(decode, s.sendPasswordReset)},
		{method: "GET", path: "/api/v1/partners", summary: "The partner organisations by name, each with its users (agents with role partner).",
			status: http.StatusOK, answer: []service.PartnerView{}, handle: byActor((*service.Service).Partners)},
		{method: "PATCH", path: "/api/v1/partners/{id}", summary: "Rename a partner organisation, or stop (active: false) or resume handing it cases; fields not given stay. " +
			"Its users are changed and deactivated as agents (PATCH /api/v1/agents/{id}).",
			status: http.StatusOK, body: partnerPatch{}, answer: desk.Partner{}, handle: withIDBody(decode, s.patchPartner)},
	}
}

type partnerPatch struct {
	Name   *string `json:"name,omitempty"`
	Active *bool   `json:"active,omitempty"`
}

func (s *Server) patchPartner(r *http.Request, svc *service.Service, a desk.Actor, id int64, in partnerPatch) (any, error) {
	return svc.UpdatePartner(r.Context(), a, id, service.PartnerUpdate{Name: in.Name, Active: in.Active})
}

type passwordResetIn struct {
	Lang string `json:"lang,omitempty"` // the mail's language when the agent never chose one (en, et, hr)
}

type passwordResetAnswer struct {
	AgentID int64  `json:"agent_id"`
	MailTo  string `json:"mailed_to"` // the agent's address the link is sent to
}

func (s *Server) sendPasswordReset(r *http.Request, svc *service.Service, a desk.Actor, id int64, in passwordResetIn) (any, error) {
	scheme := "http"
	if realip.HTTPS(r) {
		scheme = "https"
	}
	ag, err := svc.SendPasswordReset(r.Context(), a, id, service.PortalLinkRequest{Lang: in.Lang, BaseURL: scheme + "://" + r.Host})
	if err != nil {
		return nil, err
	}
	return passwordResetAnswer{AgentID: ag.ID, MailTo: ag.Email}, nil
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
	Head    desk.AdminLogHead  `json:"head"`           // where the log's hash chain ends (kept verify checks every link)
}

func (s *Server) patchCaseType(r *http.Request, svc *service.Service, a desk.Actor, id int64, in caseTypePatch) (any, error) {
	up := service.CaseTypeUpdate{Team: in.Team, RequiredReferences: listCopy(in.RequiredReferences), ResponseTarget: seconds(in.ResponseTargetS)}
	if in.Steps != nil {
		up.Steps = []desk.Step{}
		for _, st := range *in.Steps {
			up.Steps = append(up.Steps, desk.Step{Name: st.Name, Explanation: st.Explanation, Partner: st.Partner, Translations: st.Translations})
		}
	}
	return svc.UpdateCaseType(r.Context(), a, id, up)
}

func (s *Server) patchCanned(r *http.Request, svc *service.Service, a desk.Actor, id int64, in cannedPatch) (any, error) {
	return svc.UpdateCannedReply(r.Context(), a, id, service.CannedPatch{Name: in.Name, Body: in.Body, Offer: in.Offer, Folder: in.Folder})
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
	return adminLogAnswer{Changes: p.Changes, Next: p.Older, Head: p.Head}, err
}
