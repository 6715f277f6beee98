package api

import (
	"net/http"
	"strconv"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// API tokens over the API: what `kept token` does on the command line, for people who cannot
// run it (a team's admin, an agent wiring up their own script).
func (s *Server) tokenRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/tokens", summary: "API tokens, oldest first: an admin sees every agent's (or one agent's, agent_id), anyone else their own. Never their secrets.",
			status: http.StatusOK, answer: []desk.Token{}, query: []param{{"agent_id", "only this agent's tokens"}}, handle: s.listTokens, read: readLoose},
		{method: "POST", path: "/api/v1/tokens", summary: "Issue an API token: for yourself, or as an admin for any agent (agent_id), with scopes (admin only; customer-voice for an integration that acts for customers). The secret is in this answer only.",
			status: http.StatusCreated, body: tokenIn{}, answer: service.IssuedToken{}, handle: withBody(s.createToken)},
		{method: "DELETE", path: "/api/v1/tokens/{id}", summary: "Revoke an API token at once: your own, or as an admin anyone's.",
			status: http.StatusOK, answer: desk.Token{}, handle: byID((*service.Service).RevokeToken)},
	}
}

type tokenIn struct {
	AgentID ID       `json:"agent_id,omitempty"` // default: the caller
	Label   string   `json:"label,omitempty"`    // what it is for: the integration's name
	Scopes  []string `json:"scopes,omitempty"`
	// Expires is 90d, 36h, a date (2027-03-01: from 00:00 UTC) or an RFC 3339 time; default never.
	Expires string `json:"expires,omitempty"`
}

func (s *Server) listTokens(r *http.Request, svc *service.Service, a desk.Actor) (any, error) {
	if v := r.URL.Query().Get("agent_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return nil, desk.Invalid("agent_id", "an agent's id")
		}
		return svc.AgentTokens(r.Context(), a, id)
	}
	return svc.Tokens(r.Context(), a)
}

func (s *Server) createToken(r *http.Request, svc *service.Service, a desk.Actor, in tokenIn) (any, error) {
	expires, err := desk.ParseExpiry("expires", in.Expires, svc.Now())
	if err != nil {
		return nil, err
	}
	return svc.CreateToken(r.Context(), a, service.NewToken{AgentID: int64(in.AgentID), Label: in.Label, Scopes: in.Scopes, Expires: expires})
}
