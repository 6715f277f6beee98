package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"sort"
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

// teamWindow is how far back the slip chart and the resolution outcomes look.
const teamWindow = 30 * 24 * time.Hour

type teamData struct {
	Team      string
	Teams     []string
	Promises  []service.PromiseView
	Escalated []teamCase
	Missing   []teamCase
	Slips     []bar
	SlipChart template.HTML // drawn by barChart, every text in it escaped
	SlipTotal int
	Outcomes  []outcomeRow
	Agents    []teamAgent
	Days      int
	Notice    string
	Now       time.Time
}

// teamCase is an open case of the team as the lists show it.
type teamCase struct {
	ID       int64
	Ref      string
	Subject  string
	Customer string
	Owner    string
	Rung     int
	NextDue  *time.Time
	Overdue  bool
}

type outcomeRow struct {
	Name                             string
	Confirmed, Rejected, Unconfirmed int
}

type teamAgent struct {
	desk.Agent
	Me       bool
	RoleText string
}

// canManage is who may see the team view: managers and admins.
func canManage(a desk.Actor) bool {
	return a.Kind == desk.ActorAgent && (a.Role == desk.RoleManager || a.Role == desk.RoleAdmin)
}

func (s *Server) teamPage(w http.ResponseWriter, r *request) error {
	actor := r.sess.Actor
	if !canManage(actor) {
		return desk.Forbidden("only managers and admins see the team view")
	}
	ctx := r.Context()
	agents, err := s.svc.Agents(ctx, actor)
	if err != nil {
		return err
	}
	d := teamData{Days: int(teamWindow / (24 * time.Hour)), Now: s.svc.Now()}
	myTeam := ""
	for _, a := range agents {
		if a.Team != "" && !slices.Contains(d.Teams, a.Team) {
			d.Teams = append(d.Teams, a.Team)
		}
		if a.ID == actor.ID {
			myTeam = a.Team
		}
	}
	sort.Strings(d.Teams)
	d.Team = r.URL.Query().Get("team")
	if !slices.Contains(d.Teams, d.Team) {
		d.Team = myTeam
		if d.Team == "" && len(d.Teams) > 0 {
			d.Team = d.Teams[0]
		}
	}
	members := map[int64]bool{}
	names := map[int64]string{}
	for _, a := range agents {
		names[a.ID] = a.Name
		if d.Team == "" || a.Team == d.Team {
			members[a.ID] = true
			d.Agents = append(d.Agents, teamAgent{Agent: a, Me: a.ID == actor.ID, RoleText: r.T("team.role." + string(a.Role))})
		}
	}

	if d.Promises, err = s.svc.Promises(ctx, actor, service.PromiseList{State: desk.PromiseOpen, Team: d.Team, Limit: 1000}); err != nil {
		return err
	}
	cases, err := s.teamCases(r, d.Team, names)
	if err != nil {
		return err
	}
	for _, c := range cases {
		if c.Rung > 0 {
			d.Escalated = append(d.Escalated, c.teamCase)
		}
		if slices.Contains(c.Flags, desk.FlagHandoverMissing) {
			d.Missing = append(d.Missing, c.teamCase)
		}
	}

	since := s.svc.Now().Add(-teamWindow)
	slips, err := s.svc.SlipCounts(ctx, actor, since)
	if err != nil {
		return err
	}
	for _, c := range slips["agents"] {
		if members[c.ID] && c.Slips > 0 {
			d.Slips = append(d.Slips, bar{Label: c.Name, Value: c.Slips, Title: r.T("team.slips.bar", c.Name, c.Slips)})
			d.SlipTotal += c.Slips
		}
	}
	if len(d.Slips) > 0 {
		d.SlipChart = barChart(r.T("team.slips.chart", d.Days), "slips", d.Slips)
	}

	outcomes, err := s.svc.ResolutionOutcomes(ctx, actor, since)
	if err != nil {
		return err
	}
	byAgent := map[int64]*outcomeRow{}
	var order []int64
	for _, o := range outcomes {
		if !members[o.AgentID] {
			continue
		}
		row, ok := byAgent[o.AgentID]
		if !ok {
			row = &outcomeRow{Name: o.Name}
			byAgent[o.AgentID] = row
			order = append(order, o.AgentID)
		}
		switch o.Outcome {
		case "confirmed":
			row.Confirmed += o.Count
		case "rejected":
			row.Rejected += o.Count
		case "closed_unconfirmed":
			row.Unconfirmed += o.Count
		}
	}
	for _, id := range order {
		d.Outcomes = append(d.Outcomes, *byAgent[id])
	}
	switch r.URL.Query().Get("done") {
	case "deactivated":
		d.Notice = r.T("team.agents.deactivated")
	case "activated":
		d.Notice = r.T("team.agents.activated")
	}
	return s.render(w, r, http.StatusOK, "team", view{Title: r.T("team.title"), Data: d})
}

// flaggedCase is a team case with its flags, before the lists pick it.
type flaggedCase struct {
	teamCase
	Flags []string
}

// teamCases lists the team's active cases (every team's when the desk has no teams).
func (s *Server) teamCases(r *request, team string, names map[int64]string) ([]flaggedCase, error) {
	active := []desk.Status{desk.StatusOpen, desk.StatusAwaitingConfirmation, desk.StatusQuarantined}
	now := s.svc.Now()
	var out []flaggedCase
	if team == "" {
		cases, err := s.svc.Cases(r.Context(), r.sess.Actor, service.CaseList{Statuses: active, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, c := range cases {
			out = append(out, flaggedCase{teamCase{ID: c.ID, Ref: c.Ref, Subject: c.Subject, Owner: names[c.OwnerID], Rung: c.Rung}, c.Flags})
		}
		return out, nil
	}
	items, err := s.svc.Inbox(r.Context(), r.sess.Actor, service.InboxQuery{Team: team, Statuses: active, Limit: 500})
	if err != nil {
		return nil, err
	}
	for _, c := range items {
		out = append(out, flaggedCase{teamCase{ID: c.CaseID, Ref: c.Ref, Subject: c.Subject, Customer: c.CustomerName,
			Owner: names[c.OwnerID], Rung: c.Rung, NextDue: c.NextDue, Overdue: c.NextDue != nil && c.NextDue.Before(now)}, c.Flags})
	}
	return out, nil
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
