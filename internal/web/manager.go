package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// The manager's view of a team: every open promise with its exact words and maker (story 12),
// escalated cases, cases whose owner went away without a hand-over, slips per agent as a chart,
// how resolutions ended, and the team's agents (deactivating one ends their sessions).
func (s *Server) managerRoutes(mux *http.ServeMux) {
	mux.Handle("GET /team", s.agent("/team", s.teamPage))
	mux.Handle("POST /team/agents/{id}/active", s.agent("/team/agents/{id}/active", s.setAgentActive))
}

type teamData struct {
	Team      string
	Teams     []string
	Promises  []service.PromiseView
	Escalated []service.TeamCase
	Missing   []service.TeamCase
	Slips     []bar
	SlipChart template.HTML // drawn by barChart, every text in it escaped
	SlipTotal int
	Outcomes  []service.AgentOutcomes
	Agents    []teamAgent
	Days      int
	Notice    string
	Now       time.Time
	Manage    bool // the reader may deactivate agents (a lead reads the page only)
}

type teamAgent struct {
	desk.Agent
	Me       bool
	RoleText string
}

// canManage is who may deactivate agents here: managers and admins.
func canManage(a desk.Actor) bool {
	return a.Kind == desk.ActorAgent && (a.Role == desk.RoleManager || a.Role == desk.RoleAdmin)
}

// teamPage shows the team view the service reads (service.TeamView, which also decides who
// may see it).
func (s *Server) teamPage(w http.ResponseWriter, r *request) error {
	actor := r.sess.Actor
	v, err := s.svc.TeamView(r.Context(), actor, service.TeamQuery{Team: r.URL.Query().Get("team")})
	if err != nil {
		return err
	}
	d := teamData{Team: v.Team, Teams: v.Teams, Promises: v.Promises, Escalated: v.Escalated, Missing: v.Missing,
		Outcomes: v.Outcomes, Days: int(service.TeamWindow / (24 * time.Hour)), Now: v.Now, Manage: canManage(actor)}
	for _, a := range v.Agents {
		d.Agents = append(d.Agents, teamAgent{Agent: a, Me: a.ID == actor.ID, RoleText: r.T("team.role." + string(a.Role))})
	}
	for _, c := range v.Slips {
		d.Slips = append(d.Slips, bar{Label: c.Name, Value: c.Slips, Title: r.T("team.slips.bar", c.Name, c.Slips)})
		d.SlipTotal += c.Slips
	}
	if len(d.Slips) > 0 {
		d.SlipChart = barChart(r.T("team.slips.chart", d.Days), "slips", d.Slips)
	}
	switch r.URL.Query().Get("done") {
	case "deactivated":
		d.Notice = r.T("team.agents.deactivated")
	case "activated":
		d.Notice = r.T("team.agents.activated")
	}
	return s.render(w, r, http.StatusOK, "team", view{Title: r.T("team.title"), Data: d})
}

// setAgentActive deactivates (or reactivates) an agent; deactivation ends their sessions.
func (s *Server) setAgentActive(w http.ResponseWriter, r *request) error {
	if !canManage(r.sess.Actor) {
		return desk.Forbidden("only managers and admins deactivate agents")
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return desk.NotFound("agent", r.PathValue("id"))
	}
	active := r.FormValue("active") == "true"
	if _, err := s.svc.SetAgentActive(r.Context(), r.sess.Actor, id, active); err != nil {
		return err
	}
	q := url.Values{"done": {"deactivated"}}
	if active {
		q.Set("done", "activated")
	}
	if t := r.FormValue("team"); t != "" {
		q.Set("team", t)
	}
	http.Redirect(w, r.Request, "/team?"+q.Encode()+"#agents", http.StatusSeeOther)
	return nil
}
