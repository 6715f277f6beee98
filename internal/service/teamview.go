package service

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// AbsencesBetween lists an agent's absences that overlap [from, to), ended ones included: what a
// calendar of that week shows.
func (s *Service) AbsencesBetween(ctx context.Context, actor desk.Actor, agentID int64, from, to time.Time) ([]desk.Absence, error) {
	if err := requireStaff(actor); err != nil {
		return nil, err
	}
	if !to.After(from) {
		return []desk.Absence{}, nil
	}
	var out []desk.Absence
	err := s.readTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Agent(ctx, agentID); err != nil {
			return notFoundAs(err, "agent", agentID)
		}
		var err error
		out, err = tx.Absences(ctx, agentID, from, to)
		return err
	})
	return out, wrap("list absences", err)
}

// Colleague is an agent who might take over an away agent's cases, and whether they are away
// themselves (on leave or sick) at some point of the absence.
type Colleague struct {
	desk.Agent
	SameTeam bool
	Away     *desk.Absence // the first leave or sickness overlapping the absence; nil when there
}

// Colleagues lists who could look after agentID's cases during [from, to): the other active
// agents who may own cases (not partners), the agent's own team first, then by name. A
// colleague away on leave or sick during the absence is listed with Away set, so a form can
// say why they cannot be chosen; breaks do not count.
func (s *Service) Colleagues(ctx context.Context, actor desk.Actor, agentID int64, from, to time.Time) ([]Colleague, error) {
	if err := requireStaff(actor); err != nil {
		return nil, err
	}
	out := []Colleague{}
	err := s.readTx(ctx, func(tx *store.Tx) error {
		me, err := tx.Agent(ctx, agentID)
		if err != nil {
			return notFoundAs(err, "agent", agentID)
		}
		agents, err := tx.Agents(ctx)
		if err != nil {
			return err
		}
		for _, a := range agents {
			if a.ID == me.ID || !a.Active || a.Role == desk.RolePartner {
				continue
			}
			c := Colleague{Agent: a, SameTeam: me.TeamID != 0 && a.TeamID == me.TeamID}
			if to.After(from) {
				away, err := tx.Absences(ctx, a.ID, from, to)
				if err != nil {
					return err
				}
				for i := range away {
					if away[i].Kind != desk.AbsenceBreak {
						c.Away = &away[i]
						break
					}
				}
			}
			out = append(out, c)
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].SameTeam != out[j].SameTeam {
			return out[i].SameTeam
		}
		return out[i].Name < out[j].Name
	})
	return out, wrap("list colleagues", err)
}

// TeamWindow is how far back the team view's slips and resolution outcomes look.
const TeamWindow = 30 * 24 * time.Hour

// TeamQuery chooses the team the team view shows: a team by name; with none, or one the desk
// does not have, the reader's own team (else the first by name).
type TeamQuery struct {
	Team string
}

// TeamView is the manager's view of a team, read in one transaction: every open promise of the
// team with its exact words, maker and owner; its escalated cases and those whose owner went
// away without a hand-over; slips and resolution outcomes per agent over TeamWindow; and the
// team's agents.
type TeamView struct {
	Team      string        // the team shown; "" when the desk has no teams (then: everyone's)
	Teams     []string      // every team, by name
	Agents    []desk.Agent  // the team's agents
	Promises  []PromiseView // the team's open promises, soonest due first (at most 1000)
	Escalated []TeamCase    // the team's active cases that climbed the ladder
	Missing   []TeamCase    // its active cases whose owner went away without a hand-over
	Queued    []TeamCase    // its cases waiting in its queue for someone at work (owned by nobody yet)
	// Slips are the slips per agent of the team since Since, of those who slipped any.
	Slips []desk.SlipCount
	// Outcomes are how the resolutions of the team's agents since Since ended.
	Outcomes []AgentOutcomes
	Manage   map[int64]bool // the agents the reader may deactivate (permissions.go)
	Since    time.Time
	Now      time.Time
}

// TeamCase is an active case of the team as the team view lists it.
type TeamCase struct {
	ID       int64
	Ref      string
	Subject  string
	Customer string // the customer's name (when the team is named)
	Owner    string // the owner's name
	Rung     int
	NextDue  *time.Time // what falls due next on it (when the team is named); nil for nothing
	Overdue  bool
}

// AgentOutcomes counts how an agent's resolutions ended.
type AgentOutcomes struct {
	AgentID     int64
	Name        string
	Confirmed   int
	Rejected    int
	Unconfirmed int // closed without the customer's answer
}

// mayViewTeam is who may read the team view: managers, admins and the desk itself. A plain
// agent or lead is refused even though each part of it (promises, slips) may be open to them:
// the view puts a whole team's work side by side.
func mayViewTeam(actor desk.Actor) error {
	if actor.Kind == desk.ActorSystem || (actor.Kind == desk.ActorAgent && (actor.Role == desk.RoleManager || actor.Role == desk.RoleAdmin)) {
		return nil
	}
	if leadOfOwnTeam(actor) {
		return nil // their own team's only (chooseTeam), and read-only
	}
	return desk.Forbidden("only managers and admins see the team view")
}

// leadOfOwnTeam is a team lead, who reads the team view of their own team only (issue 15,
// finding 11: a lead had no team page).
func leadOfOwnTeam(actor desk.Actor) bool {
	return actor.Kind == desk.ActorAgent && actor.Role == desk.RoleLead
}

// TeamView reads the team view in one read transaction; only managers and admins may.
func (s *Service) TeamView(ctx context.Context, actor desk.Actor, q TeamQuery) (TeamView, error) {
	if err := mayViewTeam(actor); err != nil {
		return TeamView{}, err
	}
	var v TeamView
	err := s.read(ctx, actor, func(w *work) error {
		v = TeamView{Now: w.now, Since: w.now.Add(-TeamWindow)}
		agents, err := w.tx.Agents(w.ctx)
		if err != nil {
			return err
		}
		teamID := chooseTeam(w, agents, q.Team, &v)
		if leadOfOwnTeam(actor) && v.Team == "" {
			return desk.Forbidden("a team lead sees their own team's view, and you are in no team")
		}
		names := make(map[int64]string, len(agents))
		people := make(map[int64]Person, len(agents))
		for _, a := range agents {
			names[a.ID] = a.Name
			people[a.ID] = Person{ID: a.ID, Name: a.Name, Role: string(a.Role), Team: a.Team}
			if v.Team == "" || a.Team == v.Team {
				v.Agents = append(v.Agents, a)
			}
		}
		promises, err := w.tx.Promises(w.ctx, store.PromiseFilter{State: desk.PromiseOpen, TeamID: teamID, Limit: 1000})
		if err != nil {
			return err
		}
		v.Promises = make([]PromiseView, 0, len(promises))
		for _, p := range promises {
			v.Promises = append(v.Promises, viewPromise(p, people))
		}
		if err := teamCases(w, teamID, names, &v); err != nil {
			return err
		}
		if v.Manage, err = manageable(w, v.Agents); err != nil {
			return err
		}
		return teamCounts(w, teamID, &v)
	})
	return v, wrap("team view", err)
}

// chooseTeam sets the teams the view may show and the one it shows (see TeamQuery), and
// returns the shown team's id (0 for everyone's).
func chooseTeam(w *work, agents []desk.Agent, asked string, v *TeamView) int64 {
	ids := map[string]int64{}
	mine := ""
	for _, a := range agents {
		if a.Team != "" && ids[a.Team] == 0 {
			ids[a.Team] = a.TeamID
			v.Teams = append(v.Teams, a.Team)
		}
		if w.actor.Kind == desk.ActorAgent && a.ID == w.actor.ID {
			mine = a.Team
		}
	}
	sort.Strings(v.Teams)
	if leadOfOwnTeam(w.actor) {
		// A lead sees their own team, whichever is asked (TeamView refuses a lead in none).
		v.Teams, v.Team = nil, mine
		if mine != "" {
			v.Teams = []string{mine}
		}
		return ids[mine]
	}
	v.Team = asked
	if _, ok := ids[asked]; !ok {
		v.Team = mine
		if v.Team == "" && len(v.Teams) > 0 {
			v.Team = v.Teams[0]
		}
	}
	return ids[v.Team]
}

// teamCases lists the team's active cases that are escalated or miss a hand-over (every team's
// when the desk has no teams).
func teamCases(w *work, teamID int64, names map[int64]string, v *TeamView) error {
	active := []desk.Status{desk.StatusOpen, desk.StatusAwaitingConfirmation, desk.StatusQuarantined}
	add := func(c TeamCase, flags []string) {
		if c.Rung > 0 {
			v.Escalated = append(v.Escalated, c)
		}
		if slices.Contains(flags, desk.FlagHandoverMissing) {
			v.Missing = append(v.Missing, c)
		}
	}
	if teamID == 0 {
		cases, err := w.tx.CaseList(w.ctx, store.CaseFilter{Statuses: active, Limit: 500})
		for _, c := range cases {
			if desk.CanSeeCase(w.actor, c.Case()) {
				add(TeamCase{ID: c.ID, Ref: desk.CaseRef(c.ID), Subject: c.Subject, Owner: names[c.OwnerID], Rung: c.Rung}, c.Flags)
			}
		}
		return err
	}
	queued, err := w.tx.Inbox(w.ctx, store.InboxFilter{TeamID: teamID, Queued: true, Statuses: active, ResponseTimer: timerResponseDue, Limit: 500})
	if err != nil {
		return err
	}
	for _, r := range queued {
		c := TeamCase{ID: r.CaseID, Ref: r.Ref, Subject: r.Subject, Customer: r.CustomerName, Overdue: r.Overdue(w.now)}
		if !r.NextDue.IsZero() {
			due := r.NextDue
			c.NextDue = &due
		}
		v.Queued = append(v.Queued, c)
	}
	rows, err := w.tx.Inbox(w.ctx, store.InboxFilter{TeamID: teamID, Statuses: active, ResponseTimer: timerResponseDue, Limit: 500})
	for _, r := range rows {
		c := TeamCase{ID: r.CaseID, Ref: r.Ref, Subject: r.Subject, Customer: r.CustomerName, Owner: names[r.OwnerID], Rung: r.Rung,
			Overdue: r.Overdue(w.now)}
		if !r.NextDue.IsZero() {
			due := r.NextDue
			c.NextDue = &due
		}
		add(c, r.Flags)
	}
	return err
}

// teamCounts counts the slips and resolution outcomes on the team's cases since v.Since, per
// agent who slipped or resolved them (of any team: a colleague's slip on the team's case is the
// team's, as GET /api/v1/slips counts it).
func teamCounts(w *work, teamID int64, v *TeamView) error {
	slips, err := w.tx.TeamSlipCounts(w.ctx, v.Since, teamID)
	if err != nil {
		return err
	}
	for _, c := range slips {
		if c.Slips > 0 {
			v.Slips = append(v.Slips, c)
		}
	}
	outcomes, err := w.tx.TeamOutcomeCounts(w.ctx, v.Since, teamID)
	if err != nil {
		return err
	}
	byAgent := map[int64]int{} // index in v.Outcomes, in the order the agents come
	for _, o := range outcomes {
		i, ok := byAgent[o.AgentID]
		if !ok {
			i = len(v.Outcomes)
			byAgent[o.AgentID] = i
			v.Outcomes = append(v.Outcomes, AgentOutcomes{AgentID: o.AgentID, Name: o.Name})
		}
		switch o.Outcome {
		case "confirmed":
			v.Outcomes[i].Confirmed += o.Count
		case "rejected":
			v.Outcomes[i].Rejected += o.Count
		case "closed_unconfirmed":
			v.Outcomes[i].Unconfirmed += o.Count
		}
	}
	return nil
}
