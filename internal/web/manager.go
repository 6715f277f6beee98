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

type teamData struct {
	Team      string
	Teams     []string
	Promises  []service.PromiseView
	Escalated []service.TeamCase
	Missing   []service.TeamCase
	Queued    []service.TeamCase
	Slips     []bar
	SlipChart template.HTML // drawn by barChart, every text in it escaped
	SlipTotal int
	Outcomes  []service.AgentOutcomes
	Agents    []teamAgent
	Days      int
	Notice    string
	Now       time.Time
	Manage    bool // the reader may deactivate some of the agents (a lead reads the page only)
}

type teamAgent struct {
	desk.Agent
	Me       bool
	Manage   bool // the service would let the reader deactivate (or reactivate) them
	RoleText string
}

// teamPage shows the team view the service reads (service.TeamView, which also decides who
// may see it).
func (s *Server) teamPage(w http.ResponseWriter, r *request) error {
	actor := r.sess.Actor
	v, err := s.svc.TeamView(r.Context(), actor, service.TeamQuery{Team: r.URL.Query().Get("team")})
	if err != nil {
		return err
	}
	d := teamData{Team: v.Team, Teams: v.Teams, Promises: v.Promises, Escalated: v.Escalated, Missing: v.Missing, Queued: v.Queued,
		Outcomes: v.Outcomes, Days: int(service.TeamWindow / (24 * time.Hour)), Now: v.Now}
	for _, a := range v.Agents {
		// Which buttons to show is the permission table's answer (v.Manage), not the page's own.
		d.Agents = append(d.Agents, teamAgent{Agent: a, Me: a.ID == actor.ID, Manage: v.Manage[a.ID],
			RoleText: r.T("team.role." + string(a.Role))})
		d.Manage = d.Manage || v.Manage[a.ID]
	}
	for _, c := range v.Slips {
		d.Slips = append(d.Slips, bar{Label: c.Name, Value: c.Slips, Title: r.T("team.slips.bar", c.Name, c.Slips)})
		d.SlipTotal += c.Slips
	}
	if len(d.Slips) > 0 {
		d.SlipChart = barChart(r.T("team.slips.chart", d.Days), "slips", d.Slips)
	}
	d.Notice = noticeOf(r, map[string]string{"deactivated": "team.agents.deactivated", "activated": "team.agents.activated"})
	return s.render(w, r, http.StatusOK, "team", view{Title: r.T("team.title"), Data: d})
}

// setAgentActive deactivates (or reactivates) an agent; deactivation ends their sessions.
func (s *Server) setAgentActive(w http.ResponseWriter, r *request) error {
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
	if next := localPath(r.FormValue("next"), ""); next != "" {
		// The administration screens send their own page back.
		http.Redirect(w, r.Request, next+"?"+q.Encode(), http.StatusSeeOther)
		return nil
	}
	if t := r.FormValue("team"); t != "" {
		q.Set("team", t)
	}
	http.Redirect(w, r.Request, "/team?"+q.Encode()+"#agents", http.StatusSeeOther)
	return nil
}
