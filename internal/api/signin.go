package api

import (
	"context"
	"net/http"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// Sign-in security for admins' scripts: whether the desk requires a second factor of every
// agent, and removing an agent's second factor (a lost phone). Agents set their own up in the
// desk, where the key and the recovery codes are shown to them alone.
func (s *Server) signinRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/sign-in-policy", summary: "Whether the desk requires a second factor (TOTP) of every agent (admin).",
			status: http.StatusOK, answer: signinPolicy{}, handle: s.getSigninPolicy},
		{method: "PUT", path: "/api/v1/sign-in-policy", summary: "Require (or stop requiring) a second factor of every agent (admin): one without sets it up at their next password sign-in.",
			status: http.StatusOK, body: signinPolicyIn{}, answer: signinPolicy{}, handle: gatedBody(service.ActSecondFactorPolicy, s.setSigninPolicy)},
		{method: "DELETE", path: "/api/v1/agents/{id}/second-factor", summary: "Remove an agent's second factor and recovery codes (admin; a lost phone): their sessions end, " +
			"and they sign in with their password alone (or set a new factor up, if the desk requires one).",
			status: http.StatusOK, answer: factorRemoved{}, handle: byID(resetSecondFactor)},
	}
}

type signinPolicy struct {
	RequireSecondFactor bool `json:"require_second_factor"`
}

type signinPolicyIn struct {
	RequireSecondFactor *bool `json:"require_second_factor"`
}

type factorRemoved struct {
	Removed bool `json:"removed"` // the agent had a second factor (set up or pending) and it is gone
}

func (s *Server) getSigninPolicy(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	o, err := svc.SecondFactorOverview(r.Context(), a)
	return signinPolicy{RequireSecondFactor: o.Required}, err
}

func (s *Server) setSigninPolicy(r *http.Request, svc *service.Service, a desk.Actor, in signinPolicyIn) (any, error) {
	if in.RequireSecondFactor == nil {
		return nil, desk.Invalid("require_second_factor", "say true or false")
	}
	if err := svc.SetSecondFactorRequired(r.Context(), a, *in.RequireSecondFactor); err != nil {
		return nil, err
	}
	return signinPolicy{RequireSecondFactor: *in.RequireSecondFactor}, nil
}

func resetSecondFactor(svc *service.Service, ctx context.Context, a desk.Actor, id int64) (factorRemoved, error) {
	had, err := svc.ResetSecondFactor(ctx, a, id)
	return factorRemoved{Removed: had}, err
}
