package service

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// Reports: the desk's measures over a period, each compared with the period of equal length
// just before it, narrowed to a team, agent, channel and case type. They measure promises
// kept and problems solved, not an agent's speed: time measures are per channel, never a
// ranking of agents.

// ReportQuery asks for a report over [From, To) of the cases of a team, channel and type, and
// of one agent's figures (zero values: all).
type ReportQuery struct {
	Name     string
	From, To time.Time
	Team     string
	AgentID  int64
	Channel  string
	Type     string
}

// Report is a report's rows (each a JSON object; CSV takes Columns in order), and the same
// report over the period before.
type Report struct {
	Name     string           `json:"name"`
	From     time.Time        `json:"from"`
	To       time.Time        `json:"to"`
	Team     string           `json:"team,omitempty"`
	AgentID  int64            `json:"agent_id,omitempty"`
	Channel  string           `json:"channel,omitempty"`
	Type     string           `json:"type,omitempty"`
	Columns  []string         `json:"columns"`
	Rows     []map[string]any `json:"rows"`
	Previous ReportPeriod     `json:"previous"`
}

// ReportPeriod is a report's rows over another period.
type ReportPeriod struct {
	From time.Time        `json:"from"`
	To   time.Time        `json:"to"`
	Rows []map[string]any `json:"rows"`
}

// measure is one report: its columns, and its rows over a period.
type measure struct {
	columns []string
	rows    func(m *measuring, from, to time.Time) ([]map[string]any, error)
}

// measures are the reports there are, by name.
var measures = map[string]measure{
	"promises": {[]string{"agent_id", "agent", "made", "kept", "slipped", "broken"}, func(m *measuring, from, to time.Time) ([]map[string]any, error) {
		counts, err := m.agentCounts(from, to, m.f, promiseKeys, m.promiseCounts)
		return countRows(counts, promiseKeys, nil), err
	}},
	"promise_trend":    {[]string{"week", "made", "kept", "slipped", "broken"}, promiseTrend},
	"promises_by_team": {[]string{"team", "made", "kept", "slipped", "broken"}, promisesByTeam},
	"resolutions": {[]string{"agent_id", "agent", "confirmed", "rejected", "closed_unconfirmed"}, func(m *measuring, from, to time.Time) ([]map[string]any, error) {
		keys := []string{"confirmed", "rejected", "closed_unconfirmed"}
		counts, err := m.agentCounts(from, to, m.f, keys, func(from, to time.Time, f store.ReportFilter) ([]store.AgentCount, error) {
			return m.w.tx.ResolutionCounts(m.w.ctx, from, to, f)
		})
		return countRows(counts, keys, nil), err
	}},
	"satisfaction": {[]string{"agent_id", "agent", "ratings", "average"}, func(m *measuring, from, to time.Time) ([]map[string]any, error) {
		counts, err := m.w.tx.RatingCounts(m.w.ctx, from, to, m.f)
		return countRows(counts, []string{"ratings", "score_sum"}, average), err
	}},
	"first_response": {[]string{"channel", "cases", "answered", "median_s", "p90_s"}, func(m *measuring, from, to time.Time) ([]map[string]any, error) {
		return m.timeRows(from, to, store.RollOpened, store.RollAnswered, func(from, to time.Time) ([]store.CaseSpan, error) {
			return m.w.tx.FirstAnswers(m.w.ctx, from, to, m.f)
		})
	}},
	"resolution_time": {[]string{"channel", "cases", "median_s", "p90_s"}, func(m *measuring, from, to time.Time) ([]map[string]any, error) {
		rows, err := m.timeRows(from, to, store.RollClosed, store.RollClosed, func(from, to time.Time) ([]store.CaseSpan, error) {
			return m.w.tx.Closings(m.w.ctx, from, to, m.f)
		})
		for _, r := range rows {
			delete(r, "answered") // every closed case has its time
		}
		return rows, err
	}},
	"repeat_contacts": {[]string{"agent_id", "agent", "closed", "repeated"}, repeatContacts},
	"escalations":     {[]string{"trigger", "escalations"}, escalations},
	"backlog":         {[]string{"day", "open"}, backlog},
	"volume": {[]string{"channel", "type", "cases"}, func(m *measuring, from, to time.Time) ([]map[string]any, error) {
		return m.volume(from, to)
	}},
	"handovers_missing": {[]string{"agent_id", "agent", "missing"}, handoversMissing},
	"reviews":           {[]string{"agent_id", "agent", "drawn", "reviewed"}, reviewCounts},
	"review_criteria":   {[]string{"week", "agent_id", "agent", "criterion_id", "criterion", "reviewed", "average", "scale"}, reviewFigures},
	"decisions": {[]string{"agent_id", "agent", "requested", "granted", "refused", "pending", "sent_up"}, func(m *measuring, from, to time.Time) ([]map[string]any, error) {
		counts, err := m.w.tx.DecisionCounts(m.w.ctx, from, to, m.f)
		return countRows(counts, []string{"requested", "granted", "refused", "pending", "sent_up"}, nil), err
	}},
	"decisions_by_reason": {append([]string{"kind", "reason"}, decisionColumns...), func(m *measuring, from, to time.Time) ([]map[string]any, error) {
		return m.decisionRows(from, to, func(d desk.Decision) map[string]any {
			return map[string]any{"kind": string(d.Kind), "reason": strings.TrimSpace(d.Reason)}
		})
	}},
	"decisions_by_rung": {append([]string{"rung"}, decisionColumns...), func(m *measuring, from, to time.Time) ([]map[string]any, error) {
		return m.decisionRows(from, to, func(d desk.Decision) map[string]any { return map[string]any{"rung": string(d.Rung)} })
	}},
}

// decisionColumns are the figures of the decision reports for each group: how the decisions
// asked ended, and the median time from asking to the decision (seconds; 0 at once).
var decisionColumns = []string{"requested", "granted", "refused", "pending", "median_decide_s"}

// decisionRows groups the decisions asked in [from, to) by key (the group's columns), in the
// order each group was first asked for, and adds a total row (its key columns "all").
func (m *measuring) decisionRows(from, to time.Time, key func(desk.Decision) map[string]any) ([]map[string]any, error) {
	decisions, err := m.w.tx.DecisionsAsked(m.w.ctx, from, to, m.f)
	if err != nil {
		return nil, err
	}
	type group struct {
		row   map[string]any
		times []float64
	}
	var order []string
	groups := map[string]*group{}
	add := func(id string, k map[string]any, d desk.Decision) {
		g, ok := groups[id]
		if !ok {
			g = &group{row: k}
			for _, c := range decisionColumns[:4] {
				g.row[c] = 0
			}
			groups[id] = g
			order = append(order, id)
		}
		g.row["requested"] = g.row["requested"].(int) + 1
		switch d.State {
		case desk.DecisionGranted:
			g.row["granted"] = g.row["granted"].(int) + 1
		case desk.DecisionRefused:
			g.row["refused"] = g.row["refused"].(int) + 1
		default:
			g.row["pending"] = g.row["pending"].(int) + 1
		}
		if d.DecidedAt != nil {
			g.times = append(g.times, d.DecidedAt.Sub(d.CreatedAt).Seconds())
		}
	}
	for _, d := range decisions {
		k := key(d)
		id, _ := json.Marshal(k)
		add(string(id), k, d)
		all := map[string]any{}
		for c := range k {
			all[c] = "all"
		}
		add("\x00all", all, d)
	}
	rows := []map[string]any{}
	for _, id := range order {
		if id == "\x00all" {
			continue
		}
		rows = append(rows, groups[id].row)
	}
	if g, ok := groups["\x00all"]; ok {
		rows = append(rows, g.row)
	}
	for _, g := range groups {
		slices.Sort(g.times)
		g.row["median_decide_s"] = quantile(g.times, 0.5)
	}
	return rows, nil
}

// ReportNames are the reports there are, by name.
var ReportNames = func() []string {
	var out []string
	for n := range measures {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}()

// measuring is what a report's rows are read with: the read, the filter and the teams'
// settings (their calendars and repeat windows).
type measuring struct {
	w     *work
	f     store.ReportFilter
	teams map[int64]desk.TeamSettings
	// rolled: the roll-ups hold the whole desk (see rollups.go).
	rolled bool
}

// team is a team's settings (the desk's defaults for cases of no team).
func (m *measuring) team(id int64) desk.TeamSettings {
	if t, ok := m.teams[id]; ok {
		return t
	}
	return desk.DefaultTeamSettings()
}

// RunReport reads a report over a period and the period of equal length before it. An agent
// reads their own figures, a lead (or a manager with someone above them) their own team's,
// the head of care (an admin, or a manager nobody stands above) every team's.
func (s *Service) RunReport(ctx context.Context, actor desk.Actor, q ReportQuery) (Report, error) {
	reports, err := s.RunReports(ctx, actor, q, q.Name)
	return reports[q.Name], err
}

// RunReports reads several reports over one period (q's Name aside) in one read, so that a
// page of them shows the desk at one moment and reads the teams and the roll-ups' state once.
func (s *Service) RunReports(ctx context.Context, actor desk.Actor, q ReportQuery, names ...string) (map[string]Report, error) {
	if err := gate(actor, ActReports); err != nil {
		return nil, err
	}
	for _, name := range names {
		if _, ok := measures[name]; !ok {
			return nil, desk.NotFound("report", name)
		}
	}
	if q.To.IsZero() {
		q.To = s.now()
	}
	if q.From.IsZero() {
		q.From = q.To.AddDate(0, 0, -7)
	}
	if !q.From.Before(q.To) {
		return nil, desk.Invalid("from", "must be before to")
	}
	if q.To.Sub(q.From) > 400*24*time.Hour {
		return nil, desk.Invalid("from", "a report covers at most 400 days")
	}
	out := make(map[string]Report, len(names))
	err := s.read(ctx, actor, func(w *work) error {
		m := &measuring{w: w, teams: map[int64]desk.TeamSettings{}}
		if err := scopeReport(w, &q, &m.f); err != nil {
			return err
		}
		teams, err := w.tx.Teams(ctx)
		if err != nil {
			return err
		}
		for _, t := range teams {
			m.teams[t.ID] = t
		}
		if m.rolled, err = w.tx.RollupsReady(ctx); err != nil {
			return err
		}
		for _, name := range names {
			ms := measures[name]
			r := Report{Name: name, From: q.From, To: q.To, Team: q.Team, AgentID: q.AgentID, Channel: q.Channel, Type: q.Type, Columns: ms.columns}
			if r.Rows, err = ms.rows(m, q.From, q.To); err != nil {
				return fmt.Errorf("report %s: %w", name, err)
			}
			r.Previous = ReportPeriod{From: q.From.Add(-q.To.Sub(q.From)), To: q.From}
			if r.Previous.Rows, err = ms.rows(m, r.Previous.From, r.Previous.To); err != nil {
				return fmt.Errorf("report %s: %w", name, err)
			}
			if r.Rows == nil {
				r.Rows = []map[string]any{}
			}
			if r.Previous.Rows == nil {
				r.Previous.Rows = []map[string]any{}
			}
			out[name] = r
		}
		return nil
	})
	if err != nil {
		return nil, wrap("reports", err)
	}
	return out, nil
}

// scopeReport turns the query into the store's filter, narrowed to what the actor may read:
// a lead asking for no team reads their own, an agent asking for nobody reads themselves. What
// is asked beyond that is refused (403), by the permission table.
func scopeReport(w *work, q *ReportQuery, f *store.ReportFilter) error {
	f.AgentID, f.Channel, f.Type = q.AgentID, q.Channel, q.Type
	if q.Team != "" {
		id, err := w.tx.TeamID(w.ctx, q.Team)
		if err != nil {
			return notFoundAs(err, "team", q.Team)
		}
		f.TeamID = id
	}
	if w.actor.Kind == desk.ActorAgent {
		me, err := w.agent(w.actor.ID)
		if err != nil {
			return err
		}
		switch {
		case headOfCare(me):
		case me.Role == desk.RoleLead || me.Role == desk.RoleManager:
			if q.Team == "" && me.TeamID != 0 {
				f.TeamID, q.Team = me.TeamID, me.Team
			}
		case q.AgentID == 0:
			f.AgentID, q.AgentID = me.ID, me.ID
		}
	}
	o := Object{TeamID: f.TeamID}
	if f.AgentID != 0 {
		o.Agent = &desk.Agent{ID: f.AgentID}
	}
	return w.allow(ActReports, o)
}

// ReportReader is what a reader may pick on the reports page.
type ReportReader struct {
	Teams []string // the teams they may read (the head of care: every team)
	All   bool     // the head of care: every team at once
	Own   bool     // an agent: their own figures only
	Team  string   // the team read when none is picked ("" for all)
	// CatchingUp: the roll-ups are being rebuilt (see CatchUpReports), CaughtUp percent of
	// the desk so far; the reports read the tables meanwhile, slower.
	CatchingUp bool
	CaughtUp   int
	// StuckSince: the rebuild's steps have failed since then (zero: it moves); Stuck says
	// why, for the head of care only (the server's words, not the catalogue's).
	StuckSince time.Time
	Stuck      string
}

// ReportReader says which teams the actor may read reports of, as RunReport would allow.
func (s *Service) ReportReader(ctx context.Context, actor desk.Actor) (ReportReader, error) {
	out, err := readAs(s, ctx, actor, ActReports, func(w *work) (ReportReader, error) {
		var out ReportReader
		teams, err := w.tx.Teams(ctx)
		if err != nil {
			return out, err
		}
		all := actor.Kind == desk.ActorSystem
		var me desk.Agent
		if actor.Kind == desk.ActorAgent {
			if me, err = w.agent(actor.ID); err != nil {
				return out, err
			}
			all = headOfCare(me)
		}
		out.All = all
		out.Own = !all && me.Role != desk.RoleLead && me.Role != desk.RoleManager
		for _, t := range teams {
			if all || out.Own || t.ID == me.TeamID {
				out.Teams = append(out.Teams, t.Name)
			}
		}
		if !all && !out.Own {
			out.Team = me.Team
		}
		st, err := w.tx.RollupsRebuild(ctx)
		if err != nil {
			return out, err
		}
		ready, err := w.tx.RollupsReady(ctx)
		out.CatchingUp, out.CaughtUp, out.StuckSince = st.Under || !ready, int(st.Done*100), st.FailingSince
		if all {
			out.Stuck = st.Failure
		}
		return out, err
	})
	return out, wrap("report reader", err)
}

// headOfCare reads every team's reports: an admin, or a manager nobody stands above.
func headOfCare(a desk.Agent) bool {
	return a.Role == desk.RoleAdmin || (a.Role == desk.RoleManager && a.ManagerID == 0)
}

// mayReadReport is the permission table's answer for a report of a team (0: all) and agent
// (nil: all). Asked of neither (the page's link, the report as scopeReport narrows it), it is
// whether the actor has a scope at all: a lead or manager below the head of care in no team
// has none.
func mayReadReport(w *work, o Object) (bool, error) {
	me, err := w.agent(w.actor.ID)
	if err != nil {
		return false, err
	}
	switch {
	case headOfCare(me):
		return true, nil
	case me.Role == desk.RoleLead || me.Role == desk.RoleManager:
		return me.TeamID != 0 && (o.TeamID == me.TeamID || (o.TeamID == 0 && o.Agent == nil)), nil
	}
	return o.Agent == nil && o.TeamID == 0 || o.Agent != nil && o.Agent.ID == me.ID, nil
}

// countRows turns counts per agent into rows, with a last row for all of them (agent_id 0,
// agent "total"); finish, if set, works out a row's derived columns.
func countRows(counts []store.AgentCount, keys []string, finish func(map[string]any)) []map[string]any {
	rows := []map[string]any{}
	total := map[string]any{"agent_id": 0, "agent": "total"}
	for _, k := range keys {
		total[k] = 0
	}
	for _, c := range counts {
		row := map[string]any{"agent_id": c.AgentID, "agent": c.Name}
		for _, k := range keys {
			row[k] = c.Counts[k]
			total[k] = total[k].(int) + c.Counts[k]
		}
		rows = append(rows, row)
	}
	rows = append(rows, total)
	if finish != nil {
		for _, row := range rows {
			finish(row)
		}
	}
	return rows
}

// average is a satisfaction row's average score, to two places (0 without ratings).
func average(row map[string]any) {
	n, sum := row["ratings"].(int), row["score_sum"].(int)
	delete(row, "score_sum")
	row["average"] = 0.0
	if n > 0 {
		row["average"] = math.Round(float64(sum)/float64(n)*100) / 100
	}
}

// quantile is the q-quantile of sorted values, rounded to the second (0 for none).
func quantile(sorted []float64, q float64) int64 {
	if len(sorted) == 0 {
		return 0
	}
	return int64(math.Round(sorted[int(math.Ceil(q*float64(len(sorted))))-1]))
}

// promiseTrend is the promises report week by week over the period (the last week may be
// shorter): the headline's trend line.
func promiseTrend(m *measuring, from, to time.Time) ([]map[string]any, error) {
	rows := []map[string]any{}
	for start := from; start.Before(to); start = start.AddDate(0, 0, 7) {
		end := desk.Earliest(start.AddDate(0, 0, 7), to)
		total, err := promiseTotal(m, start, end, m.f)
		if err != nil {
			return nil, err
		}
		total["week"] = start.Format(time.DateOnly)
		rows = append(rows, total)
	}
	return rows, nil
}

// promiseTotal is the promises report's total row over a period, without its agent columns.
func promiseTotal(m *measuring, from, to time.Time, f store.ReportFilter) (map[string]any, error) {
	n, err := m.totals(from, to, f, promiseKeys, m.promiseCounts)
	if err != nil {
		return nil, err
	}
	total := map[string]any{}
	for k, v := range n {
		total[k] = v
	}
	return total, nil
}

// promiseKeys are the promise reports' counts.
var promiseKeys = []string{"made", "kept", "slipped", "broken"}

// promiseCounts reads the promises made in a period from the tables.
func (m *measuring) promiseCounts(from, to time.Time, f store.ReportFilter) ([]store.AgentCount, error) {
	return m.w.tx.PromiseCounts(m.w.ctx, from, to, f)
}

// volume counts the cases opened per channel and case type, by channel and type.
func (m *measuring) volume(from, to time.Time) ([]map[string]any, error) {
	type key struct{ channel, typ string }
	n := map[key]int{}
	a, b, ok := m.rollSpan(from, to)
	parts := [][2]time.Time{{from, to}}
	if ok && store.RollupsCover(m.f, "channel", "case_type") {
		parts = ends(from, to, a, b)
		rows, err := m.w.tx.Rollups(m.w.ctx, []string{store.RollOpened}, a, b, m.f, "channel", "case_type")
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			n[key{r.Channel, r.Type}] += int(r.N)
		}
	}
	for _, e := range parts {
		rows, err := m.w.tx.Volume(m.w.ctx, e[0], e[1], m.f)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			n[key{r["channel"].(string), r["type"].(string)}] += r["cases"].(int)
		}
	}
	var keys []key
	for k := range n {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y key) int {
		return cmp.Or(strings.Compare(x.channel, y.channel), strings.Compare(x.typ, y.typ))
	})
	out := []map[string]any{}
	for _, k := range keys {
		out = append(out, map[string]any{"channel": k.channel, "type": k.typ, "cases": n[k]})
	}
	return out, nil
}

// promisesByTeam is the promises report's total for each team (the one asked for, or all).
func promisesByTeam(m *measuring, from, to time.Time) ([]map[string]any, error) {
	var teams []desk.TeamSettings
	for _, t := range m.teams {
		if m.f.TeamID == 0 || t.ID == m.f.TeamID {
			teams = append(teams, t)
		}
	}
	slices.SortFunc(teams, func(a, b desk.TeamSettings) int { return strings.Compare(a.Name, b.Name) })
	rows := []map[string]any{}
	for _, t := range teams {
		f := m.f
		f.TeamID = t.ID
		total, err := promiseTotal(m, from, to, f)
		if err != nil {
			return nil, err
		}
		total["team"] = t.Name
		rows = append(rows, total)
	}
	return rows, nil
}

// repeatContacts counts, per resolver, the cases closed in the period and those of them the
// customer came back about within their team's repeat window: the case reopened, or a new case
// of theirs (of the same type, when both have one). Such a case was not solved.
func repeatContacts(m *measuring, from, to time.Time) ([]map[string]any, error) {
	keys := []string{"closed", "repeated"}
	counts, err := m.agentCounts(from, to, m.f, []string{store.RollClosed, store.RollRepeated}, func(from, to time.Time, f store.ReportFilter) ([]store.AgentCount, error) {
		n, err := repeatCounts(m, from, to, f)
		if err != nil {
			return nil, err
		}
		return m.agentList(n)
	})
	return countRows(counts, keys, nil), err
}

// repeatCounts reads repeatContacts's counts per agent from the tables.
func repeatCounts(m *measuring, from, to time.Time, f store.ReportFilter) (map[int64]map[string]int, error) {
	closed, err := m.w.tx.Closings(m.w.ctx, from, to, f)
	if err != nil {
		return nil, err
	}
	var customers []int64
	longest := time.Duration(0)
	for _, c := range closed {
		customers = append(customers, c.CustomerID)
		longest = max(longest, m.team(c.TeamID).RepeatWindow)
	}
	later, err := m.w.tx.CustomerCases(m.w.ctx, customers, from, to.Add(longest))
	if err != nil {
		return nil, err
	}
	changes, err := m.w.tx.EntryFacts(m.w.ctx, []string{string(desk.KindStatusChanged)}, from, to.Add(longest), store.ReportFilter{TeamID: f.TeamID})
	if err != nil {
		return nil, err
	}
	reopened := map[int64][]time.Time{}
	for _, e := range changes {
		var d desk.StatusChangedData
		if json.Unmarshal([]byte(e.Data), &d) == nil && d.To == desk.StatusOpen {
			reopened[e.CaseID] = append(reopened[e.CaseID], e.At)
		}
	}
	within := func(at time.Time, c store.CaseSpan) bool {
		return at.After(c.End) && !at.After(c.End.Add(m.team(c.TeamID).RepeatWindow))
	}
	byCustomer := map[int64][]store.CaseSpan{} // a closed case is compared with its customer's cases only
	for _, n := range later {
		byCustomer[n.CustomerID] = append(byCustomer[n.CustomerID], n)
	}
	counts := map[int64]map[string]int{}
	for _, c := range closed {
		if counts[c.AgentID] == nil {
			counts[c.AgentID] = map[string]int{}
		}
		counts[c.AgentID]["closed"]++
		again := slices.ContainsFunc(reopened[c.CaseID], func(at time.Time) bool { return within(at, c) }) ||
			slices.ContainsFunc(byCustomer[c.CustomerID], func(n store.CaseSpan) bool {
				return n.CaseID != c.CaseID && within(n.Start, c) && (n.Type == "" || c.Type == "" || n.Type == c.Type)
			})
		if again {
			counts[c.AgentID]["repeated"]++
		}
	}
	return counts, nil
}

// agentRows are counts per agent id as rows with the agents' names, by name, and the total.
func (m *measuring) agentRows(counts map[int64]map[string]int, keys []string) ([]map[string]any, error) {
	list, err := m.agentList(counts)
	if err != nil {
		return nil, err
	}
	return countRows(list, keys, nil), nil
}

// escalations counts the climbs up the ladder in the period by what triggered them (an
// unanswered contact is response_target or repeat_contacts); the agent is the one the case
// climbed from. The whole days come from the roll-ups: at scale M, after 100,000 promises
// broke in a day, reading each escalation of a quarter took 1.5 s.
func escalations(m *measuring, from, to time.Time) ([]map[string]any, error) {
	measures := make([]string, len(desk.Triggers))
	for i, t := range desk.Triggers {
		measures[i] = store.RollEscalated + t
	}
	n, err := m.totals(from, to, m.f, measures, func(from, to time.Time, f store.ReportFilter) ([]store.AgentCount, error) {
		return m.ladderCounts(desk.KindEscalated, from, to, f)
	})
	if err != nil {
		return nil, err
	}
	rows := []map[string]any{}
	total := 0
	for i, t := range desk.Triggers {
		rows = append(rows, map[string]any{"trigger": t, "escalations": n[measures[i]]})
		total += n[measures[i]]
	}
	return append(rows, map[string]any{"trigger": "total", "escalations": total}), nil
}

// handoversMissing counts, per agent, the cases they left without a briefing when they went
// away (a hand-over the desk made for their absence, marked missing).
func handoversMissing(m *measuring, from, to time.Time) ([]map[string]any, error) {
	counts, err := m.agentCounts(from, to, m.f, []string{store.RollHandoverMissing}, func(from, to time.Time, f store.ReportFilter) ([]store.AgentCount, error) {
		return m.ladderCounts(desk.KindHandover, from, to, f)
	})
	for _, c := range counts {
		c.Counts["missing"] = c.Counts[store.RollHandoverMissing]
	}
	return countRows(counts, []string{"missing"}, nil), err
}

// ladderCounts reads the escalations or hand-overs of [from, to) from the record and counts
// them per agent as the roll-ups do (store.LadderFact).
func (m *measuring) ladderCounts(kind desk.EntryKind, from, to time.Time, f store.ReportFilter) ([]store.AgentCount, error) {
	entries, err := m.w.tx.EntryFacts(m.w.ctx, []string{string(kind)}, from, to, f)
	if err != nil {
		return nil, err
	}
	counts := map[int64]map[string]int{}
	for _, e := range entries {
		measure, agent, ok, err := store.LadderFact(desk.EntryKind(e.Kind), e.Data)
		if err != nil {
			return nil, fmt.Errorf("case %d: %w", e.CaseID, err)
		}
		if ok && (f.AgentID == 0 || agent == f.AgentID) {
			if counts[agent] == nil {
				counts[agent] = map[string]int{}
			}
			counts[agent][measure]++
		}
	}
	return m.agentList(counts)
}

// backlog is how many cases were open (open or awaiting the customer's confirmation) at the
// end of each day of the period (days from the period's start; the last may end at its end).
// The agent filter is the case's owner now. A case opened before the period and unchanged
// since has its status now all through it, so those are counted once in SQL; only the cases
// opened or changed since the period began are followed day by day (at scale M: tens of
// thousands instead of a million, and their changes instead of every change ever made).
func backlog(m *measuring, from, to time.Time) ([]map[string]any, error) {
	if rows, ok, err := backlogRolled(m, from, to); ok || err != nil {
		return rows, err
	}
	ctx, tx := m.w.ctx, m.w.tx
	// Days that have not begun have no backlog yet.
	to = desk.Earliest(to, m.w.now)
	changed, err := tx.BacklogChanged(ctx, from, m.f)
	if err != nil {
		return nil, err
	}
	still, err := tx.CountInStatus(ctx, backlogStatuses, m.f)
	if err != nil {
		return nil, err
	}
	mine := map[int64]bool{}
	for _, c := range changed {
		mine[c.CaseID] = true
		if backlogStatus(desk.Status(c.Status)) {
			still-- // counted by its status now, but followed below
		}
	}
	// Every change up to now: a case open through the period and closed since is "closed" now.
	entries, err := tx.EntryFacts(ctx, []string{string(desk.KindStatusChanged)}, from, desk.Latest(to, m.w.now).Add(time.Second), store.ReportFilter{TeamID: m.f.TeamID, Channel: m.f.Channel, Type: m.f.Type})
	if err != nil {
		return nil, err
	}
	changes := map[int64][]statusAt{}
	for _, e := range entries {
		if !mine[e.CaseID] {
			continue
		}
		var d desk.StatusChangedData
		if err := json.Unmarshal([]byte(e.Data), &d); err != nil {
			return nil, fmt.Errorf("status change on case %d: %w", e.CaseID, err)
		}
		changes[e.CaseID] = append(changes[e.CaseID], statusAt{e.At, d})
	}
	rows := []map[string]any{}
	for day := from; day.Before(to); day = day.AddDate(0, 0, 1) {
		end := desk.Earliest(day.AddDate(0, 0, 1), to)
		open := still
		for _, c := range changed {
			if c.Created.Before(end) && backlogStatus(statusAsOf(desk.Status(c.Status), changes[c.CaseID], end)) {
				open++
			}
		}
		rows = append(rows, map[string]any{"day": day.Format(time.DateOnly), "open": open})
	}
	return rows, nil
}

type statusAt struct {
	at time.Time
	d  desk.StatusChangedData
}

// statusAsOf is a case's status just before t, from its changes in time order and its status
// now (the status before its first change is that change's From).
func statusAsOf(now desk.Status, changes []statusAt, t time.Time) desk.Status {
	if len(changes) == 0 {
		return now
	}
	st := changes[0].d.From
	for _, c := range changes {
		if !c.at.Before(t) {
			break
		}
		st = c.d.To
	}
	return st
}

// backlogStatuses are the statuses a backlog counts.
var backlogStatuses = []string{string(desk.StatusOpen), string(desk.StatusAwaitingConfirmation)}

func backlogStatus(s desk.Status) bool { return slices.Contains(backlogStatuses, string(s)) }

// ReportCSV writes a report's rows as CSV with a header line, for the API and the pages alike.
// A cell a spreadsheet would take for a formula (=, +, -, @, or a tab or carriage return
// first) is written with a quote mark before it, so a name like "=HYPERLINK(…)" stays text.
func ReportCSV(rep Report) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(rep.Columns)
	for _, row := range rep.Rows {
		cells := make([]string, len(rep.Columns))
		for i, c := range rep.Columns {
			cell := fmt.Sprint(row[c])
			if strings.IndexAny(cell, "=+-@\t\r") == 0 {
				cell = "'" + cell
			}
			cells[i] = cell
		}
		_ = w.Write(cells)
	}
	w.Flush()
	return buf.Bytes()
}
