package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// Report roll-ups (migration 00045): what the reports count, summed per UTC day, so a quarter's
// report reads a few thousand sums instead of a quarter's cases and entries. Each case's part
// (its facts) is kept in report_case_facts; a write transaction notes the cases it touches (an entry
// appended, a case or promise saved, an outcome recorded) and, before it commits, works their
// facts out again from the tables and adds the difference to the sums (report_days per team,
// channel and case type; report_agent_days per team and agent). A command that changes no
// counted fact (most messages) writes nothing. RebuildRollups works every case's facts out
// the same way, so rebuilt and live roll-ups agree.
//
// A fact is dated by the UTC day of what it counts: a promise by the day it was made (kept or
// broken later, it stays on that day, as the report counts it), an outcome by its day, a case's
// opening, first answer and backlog changes by theirs. Team, channel, case type and the case's
// owner are the case's now, as the reports read them; the agent of a promise is its owner, of
// an outcome its resolver. Times in business hours are worked out with the team's calendar when
// the fact is written: a team's hours changed later apply to the cases written after, until a
// rebuild.

// The measures of the roll-ups.
const (
	RollOpened   = "opened"   // a case opened (agent: its owner)
	RollAnswered = "answered" // its first answer (bucket, secs: business time from opening)
	RollClosed   = "closed"   // closed: confirmed or closed unconfirmed (bucket, secs: business time from opening; agent: resolver)
	RollRepeated = "repeated" // a closing the customer came back about within the team's repeat window
	RollBacklog  = "backlog"  // +1 when the case became open or awaiting confirmation, -1 when it left (agent: its owner)
	// RollBacklogHour is RollBacklog by the hour (its day column "2006-01-02T15", UTC), of no
	// channel or case type.
	RollBacklogHour = "backlog_hour"
	// RollEscalated and a trigger (desk.Trigger...) is an escalation by the day of its entry
	// (agent: the owner the case climbed from).
	RollEscalated = "escalated:"
	// RollHandoverMissing is a hand-over the desk made for an absence without the owner's
	// briefing, by its day (agent: the owner who went away).
	RollHandoverMissing = "handover_missing"
	// Promises by the day made (agent: owner): made, kept, slipped (at least once), broken; and
	// outcomes by their own names (confirmed, rejected, closed_unconfirmed, ...).
)

// fact is one part of a case in the roll-ups.
type fact struct {
	CaseID          int64
	Measure, Day    string
	TeamID, AgentID int64
	Channel, Type   string
	Bucket, N, Secs int64
}

// Bucket is a time measure's histogram bucket for a time in seconds: exact below 64 s, then 16
// buckets to each doubling (at most 1/16 of the time wide). A report's median or percentile that
// falls in a bucket is the mean of its times: exact when they are equal, within the bucket's
// width otherwise.
func Bucket(secs int64) int64 {
	if secs < 64 {
		return max(secs, 0)
	}
	e := int64(bits.Len64(uint64(secs))) - 1 // 2^e <= secs
	return 64 + (e-6)*16 + (secs>>(e-4))&15
}

// noteCases marks cases as touched by the transaction: their facts are worked out again before
// it commits.
func (t *Tx) noteCases(ids ...int64) {
	if !t.writable {
		return
	}
	if t.touched == nil {
		t.touched = map[int64]bool{}
	}
	for _, id := range ids {
		if id != 0 {
			t.touched[id] = true
		}
	}
}

// noteNewCase marks a case as inserted by the transaction, or given another type: the same
// customer's earlier closings may become repeat contacts (or stop being), so their facts are
// worked out again too. A case's customer and opening time never change once it is stored.
func (t *Tx) noteNewCase(id int64) {
	if !t.writable || id == 0 {
		return
	}
	if t.rollNew == nil {
		t.rollNew = map[int64]bool{}
	}
	t.rollNew[id] = true
}

// rollKinds are the entries that change a case's facts by being appended: an answer, a status
// change, an escalation and a hand-over. Every other change to the facts comes with a case,
// promise or outcome written.
var rollKinds = map[desk.EntryKind]bool{desk.KindMessageOut: true, desk.KindPromiseMade: true, desk.KindPromiseSlipped: true,
	desk.KindCall: true, desk.KindResolutionAsked: true, desk.KindStatusChanged: true, desk.KindEscalated: true, desk.KindHandover: true}

// rollCase is what of a case row its facts follow.
type rollCase struct {
	status                desk.Status
	owner, team, customer int64
	typ, channel          string
}

func rollOf(c desk.Case) rollCase {
	return rollCase{c.Status, c.OwnerID, c.TeamID, c.CustomerID, c.Type, c.Channel}
}

// rollLoaded records a case as loaded in a write.
func (t *Tx) rollLoaded(c desk.Case) {
	if t.rollSeen == nil {
		t.rollSeen = map[int64]rollCase{}
	}
	t.rollSeen[c.ID] = rollOf(c)
}

// rollSaved notes a case saved with a change its facts follow (a message's save of the case
// row changes none).
func (t *Tx) rollSaved(c desk.Case) {
	was, ok := t.rollSeen[c.ID]
	if !ok || was != rollOf(c) {
		t.noteCases(c.ID)
	}
	if !ok || was.typ != c.Type {
		t.noteNewCase(c.ID)
	}
	t.rollLoaded(c)
}

// HourOf is the roll-ups' hour of a time (RollBacklogHour).
func HourOf(at time.Time) string { return at.UTC().Format("2006-01-02T15") }

// dayOf is the roll-ups' day of a time.
func dayOf(at time.Time) string { return at.UTC().Format(time.DateOnly) }

// answerKinds are the entries that answer a customer (FirstAnswers).
const answerKinds = `'message_out', 'promise_made', 'promise_slipped', 'call', 'resolution_proposed'`

// firstAnswer is the time of case c's first answer: its record read from the start by the
// (case_id, seq) index, stopping at the first answer. The kind is compared as an expression so
// that no planner combines the index of kinds with it: PostgreSQL without statistics (a desk
// importing into new tables) did, reading every entry of those kinds for each case (6.3 s
// instead of 33 ms for a batch of 1,000 imported cases at 10,000 cases).
const firstAnswer = `(SELECT e.at FROM entries e WHERE e.case_id = c.id AND NOT e.internal AND e.kind || '' IN (` + answerKinds + `) ORDER BY e.seq LIMIT 1)`

// rolledEntries reads the status changes, escalations and hand-overs of the cases in parameter
// 1 (a list of distinct ids), through the partial index of those kinds (entries_rolled_kinds,
// migration 00054: the kinds are written as it names them, or no planner uses it and each
// case's every entry is read).
//
// On PostgreSQL it is read a case at a time (OFFSET 0 keeps the planner from joining the cases
// with the entries as a whole). Planned as a whole, statistics taken before the desk had any
// escalation (autovacuum off, or not yet come round) had it read every escalation of the desk
// for each case of the batch: each batch of broken promises slower than the last (1.8 ms for
// the first of BenchmarkPromiseBreakRate's twenty, 31.6 ms for the last).
func rolledEntries(d dialect) string {
	const kinds = `e.kind IN ('status_changed', 'escalated', 'handover')`
	if d.name == "postgres" {
		return `SELECT e.case_id, e.kind, e.at, e.data FROM jsonb_array_elements_text($1::jsonb) AS ids(id)
		CROSS JOIN LATERAL (SELECT e.id, e.case_id, e.kind, e.at, e.data FROM entries e WHERE e.case_id = ids.id::bigint AND ` + kinds + ` OFFSET 0) e
		ORDER BY e.case_id, e.at, e.id`
	}
	return `SELECT e.case_id, e.kind, ` + d.untyped("e.at") + `, e.data FROM entries e
		WHERE ` + kinds + ` AND e.case_id IN ` + d.jsonIDs(1) + ` ORDER BY e.case_id, e.at, e.id`
}

// LadderFact is what an escalation or a hand-over entry counts in the roll-ups (the measure,
// and the agent it counts for), ok false when it counts nothing: an escalation by its trigger,
// for the owner the case climbed from (a trigger the desk does not know has no report row); a
// hand-over only when the owner went away without a briefing, for that owner. The reports
// count the entries of a period's ends the same way.
func LadderFact(kind desk.EntryKind, data string) (measure string, agent int64, ok bool, err error) {
	switch kind {
	case desk.KindEscalated:
		var d desk.EscalatedData
		if err := json.Unmarshal([]byte(data), &d); err != nil {
			return "", 0, false, fmt.Errorf("escalation: %w", err)
		}
		return RollEscalated + d.Trigger, d.FromOwner, slices.Contains(desk.Triggers, d.Trigger), nil
	case desk.KindHandover:
		var d desk.HandoverData
		if err := json.Unmarshal([]byte(data), &d); err != nil {
			return "", 0, false, fmt.Errorf("hand-over: %w", err)
		}
		return RollHandoverMissing, d.From, d.Missing, nil
	}
	return "", 0, false, nil
}

type factCase struct {
	id, customer, team, owner int64
	typ, channel, status      string
	created                   time.Time
	answered                  anyTime
}

func idList(ids []int64) string {
	b, _ := json.Marshal(ids)
	return string(b)
}

// caseFacts works out the facts of the cases from the tables.
func (t *Tx) caseFacts(ctx context.Context, ids []int64, teams map[int64]desk.TeamSettings) ([]fact, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	team := func(id int64) desk.TeamSettings {
		if s, ok := teams[id]; ok {
			return s
		}
		return desk.DefaultTeamSettings()
	}
	list := idList(ids)
	rows, err := t.tx.QueryContext(ctx, `SELECT c.id, c.customer_id, c.case_type, COALESCE(c.team_id, 0), c.channel, COALESCE(c.owner_id, 0), `+t.d.untyped("c.created_at")+`, c.status,
		  `+firstAnswer+`
		FROM cases c WHERE c.id IN `+t.d.jsonIDs(1)+` ORDER BY c.id`, list)
	if err != nil {
		return nil, fmt.Errorf("roll-ups: cases: %w", err)
	}
	cases := make([]factCase, 0, len(ids))
	for rows.Next() {
		var c factCase
		var created anyTime
		if err := rows.Scan(&c.id, &c.customer, &c.typ, &c.team, &c.channel, &c.owner, &created, &c.status, &c.answered); err != nil {
			rows.Close()
			return nil, fmt.Errorf("roll-ups: cases: %w", err)
		}
		c.created = created.Time
		cases = append(cases, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("roll-ups: cases: %w", err)
	}
	out := make([]fact, 0, 8*len(cases)) // most cases have a dozen facts or fewer
	at := make(map[int64]*factCase, len(cases))
	// The days and hours as text, each formatted once: a batch's facts fall on a few.
	days, hours := map[int64]string{}, map[int64]string{}
	format := func(m map[int64]string, when time.Time, unit int64, text func(time.Time) string) string {
		k := when.Unix()
		k -= ((k % unit) + unit) % unit // the start of its UTC day or hour
		s, ok := m[k]
		if !ok {
			s = text(when)
			m[k] = s
		}
		return s
	}
	add := func(c *factCase, measure string, when time.Time, agent, bucket, secs int64) {
		out = append(out, fact{CaseID: c.id, Measure: measure, Day: format(days, when, 86400, dayOf), TeamID: c.team, AgentID: agent, Channel: c.channel, Type: c.typ, Bucket: bucket, N: 1, Secs: secs})
	}
	// A backlog change counts by its day, and by its hour for the team and owner alone (a period
	// from midnight in the reader's zone).
	addBacklog := func(c *factCase, when time.Time, d int64) {
		add(c, RollBacklog, when, c.owner, 0, 0)
		out[len(out)-1].N = d
		out = append(out, fact{CaseID: c.id, Measure: RollBacklogHour, Day: format(hours, when, 3600, HourOf), TeamID: c.team, AgentID: c.owner, N: d})
	}
	elapsed := func(c *factCase, end time.Time) int64 {
		return int64(math.Round(team(c.team).Calendar().Elapsed(c.created.UTC(), end.UTC()).Seconds()))
	}
	for i := range cases {
		c := &cases[i]
		at[c.id] = c
		add(c, RollOpened, c.created, c.owner, 0, 0)
		if c.answered.Valid {
			s := elapsed(c, c.answered.Time)
			add(c, RollAnswered, c.created, c.owner, Bucket(s), s)
		}
	}

	// Promises, by the day made.
	rows, err = t.tx.QueryContext(ctx, `SELECT p.case_id, p.owner_id, `+t.d.untyped("p.created_at")+`, p.state, p.slips FROM promises p JOIN agents a ON a.id = p.owner_id
		WHERE p.case_id IN `+t.d.jsonIDs(1)+` ORDER BY p.case_id, p.id`, list)
	if err != nil {
		return nil, fmt.Errorf("roll-ups: promises: %w", err)
	}
	for rows.Next() {
		var caseID, owner int64
		var made anyTime
		var state string
		var slips int
		if err := rows.Scan(&caseID, &owner, &made, &state, &slips); err != nil {
			rows.Close()
			return nil, fmt.Errorf("roll-ups: promises: %w", err)
		}
		c := at[caseID]
		if c == nil {
			continue
		}
		add(c, "made", made.Time, owner, 0, 0)
		if state == "kept" || state == "broken" {
			add(c, state, made.Time, owner, 0, 0)
		}
		if slips > 0 {
			add(c, "slipped", made.Time, owner, 0, 0)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("roll-ups: promises: %w", err)
	}

	// Status changes (the backlog, and reopenings for repeat contacts), escalations and
	// hand-overs without a briefing, in one read.
	type change struct {
		at       time.Time
		from, to desk.Status
	}
	changes := map[int64][]change{}
	rows, err = t.tx.QueryContext(ctx, rolledEntries(t.d), list)
	if err != nil {
		return nil, fmt.Errorf("roll-ups: status changes and the ladder: %w", err)
	}
	for rows.Next() {
		var caseID int64
		var kind string
		var when anyTime
		var data string
		if err := rows.Scan(&caseID, &kind, &when, &data); err != nil {
			rows.Close()
			return nil, fmt.Errorf("roll-ups: status changes and the ladder: %w", err)
		}
		c := at[caseID]
		switch desk.EntryKind(kind) {
		case desk.KindStatusChanged:
			var d desk.StatusChangedData
			if json.Unmarshal([]byte(data), &d) != nil {
				continue // the backlog report skips it too (its read fails on it)
			}
			changes[caseID] = append(changes[caseID], change{when.Time, d.From, d.To})
		case desk.KindEscalated, desk.KindHandover:
			if measure, agent, ok, err := LadderFact(desk.EntryKind(kind), data); c != nil && err == nil && ok {
				add(c, measure, when.Time, agent, 0, 0)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("roll-ups: status changes and the ladder: %w", err)
	}
	inBacklog := func(s desk.Status) int64 {
		if s == desk.StatusOpen || s == desk.StatusAwaitingConfirmation {
			return 1
		}
		return 0
	}
	for i := range cases {
		c := &cases[i]
		ch := changes[c.id]
		st := desk.Status(c.status)
		if len(ch) > 0 {
			st = ch[0].from
		}
		if inBacklog(st) == 1 {
			addBacklog(c, c.created, 1)
		}
		for _, x := range ch {
			if d := inBacklog(x.to) - inBacklog(st); d != 0 {
				addBacklog(c, x.at, d)
			}
			st = x.to
		}
	}

	// Outcomes, and for each closing whether the customer came back about it.
	type outcome struct {
		caseID, agent int64
		what          string
		at            time.Time
	}
	var outcomes []outcome
	rows, err = t.tx.QueryContext(ctx, `SELECT o.case_id, o.agent_id, o.outcome, `+t.d.untyped("o.at")+` FROM resolution_outcomes o
		WHERE o.case_id IN `+t.d.jsonIDs(1)+` ORDER BY o.case_id, o.at`, list)
	if err != nil {
		return nil, fmt.Errorf("roll-ups: outcomes: %w", err)
	}
	// The customers of the closings, and the earliest closing: only a case opened after it can
	// be a repeat contact, and such a case was updated after it too (cases_customer's order).
	customers := map[int64]bool{}
	var since time.Time
	for rows.Next() {
		var o outcome
		var agent sql.NullInt64
		var when anyTime
		if err := rows.Scan(&o.caseID, &agent, &o.what, &when); err != nil {
			rows.Close()
			return nil, fmt.Errorf("roll-ups: outcomes: %w", err)
		}
		o.agent, o.at = agent.Int64, when.Time
		if c := at[o.caseID]; c != nil {
			outcomes = append(outcomes, o)
			if closing(o.what) {
				customers[c.customer] = true
				if since.IsZero() || o.at.Before(since) {
					since = o.at
				}
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("roll-ups: outcomes: %w", err)
	}
	later := map[int64][]factCase{} // the customers' cases, for repeat contacts
	if len(customers) > 0 {
		var cs []int64
		for id := range customers {
			cs = append(cs, id)
		}
		rows, err = t.tx.QueryContext(ctx, `SELECT c.id, c.customer_id, c.case_type, `+t.d.untyped("c.created_at")+` FROM cases c
			WHERE c.customer_id IN `+t.d.jsonIDs(1)+` AND c.updated_at >= $2`, idList(cs), dbTime(since))
		if err != nil {
			return nil, fmt.Errorf("roll-ups: customers' cases: %w", err)
		}
		for rows.Next() {
			var c factCase
			var created anyTime
			if err := rows.Scan(&c.id, &c.customer, &c.typ, &created); err != nil {
				rows.Close()
				return nil, fmt.Errorf("roll-ups: customers' cases: %w", err)
			}
			c.created = created.Time
			later[c.customer] = append(later[c.customer], c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("roll-ups: customers' cases: %w", err)
		}
	}
	for _, o := range outcomes {
		c := at[o.caseID]
		add(c, o.what, o.at, o.agent, 0, 0)
		if !closing(o.what) {
			continue
		}
		s := elapsed(c, o.at)
		add(c, RollClosed, o.at, o.agent, Bucket(s), s)
		window := team(c.team).RepeatWindow
		within := func(when time.Time) bool { return when.After(o.at) && !when.After(o.at.Add(window)) }
		again := slices.ContainsFunc(changes[c.id], func(x change) bool { return x.to == desk.StatusOpen && within(x.at) }) ||
			slices.ContainsFunc(later[c.customer], func(n factCase) bool {
				return n.id != c.id && within(n.created) && (n.typ == "" || c.typ == "" || n.typ == c.typ)
			})
		if again {
			add(c, RollRepeated, o.at, o.agent, 0, 0)
		}
	}
	return out, nil
}

// closing says whether a resolution outcome closed its case (and so may be followed by a
// repeat contact).
func closing(outcome string) bool { return outcome == "confirmed" || outcome == "closed_unconfirmed" }

// rollTeams are the teams' settings the facts are worked out with, and the longest repeat window.
func (t *Tx) rollTeams(ctx context.Context) (map[int64]desk.TeamSettings, time.Duration, error) {
	list, err := t.Teams(ctx)
	if err != nil {
		return nil, 0, err
	}
	teams := map[int64]desk.TeamSettings{}
	longest := desk.DefaultTeamSettings().RepeatWindow
	for _, s := range list {
		teams[s.ID] = s
		longest = max(longest, s.RepeatWindow)
	}
	return teams, longest, nil
}

type dayKey struct {
	measure, day  string
	team          int64
	channel, typ  string
	bucket        int64
	agent         int64 // report_agent_days only
	channelAndTyp bool  // report_days (true) or report_agent_days
}

type sums struct{ n, secs int64 }

// rollDiff is what a transaction adds to the sums.
type rollDiff map[dayKey]sums

func (d rollDiff) add(f fact, sign int64) {
	for _, k := range []dayKey{
		{measure: f.Measure, day: f.Day, team: f.TeamID, channel: f.Channel, typ: f.Type, bucket: f.Bucket, channelAndTyp: true},
		{measure: f.Measure, day: f.Day, team: f.TeamID, agent: f.AgentID, bucket: f.Bucket},
	} {
		s := d[k]
		s.n += sign * f.N
		s.secs += sign * f.Secs
		d[k] = s
	}
}

// RollCases works the report facts of new cases out again, with those of their customers'
// earlier closings, and adds the difference to the sums: for cases the bulk path wrote, which
// leaves the roll-ups to a rebuild (kept bench's timer cases, written after its data set's).
func (s *Store) RollCases(ctx context.Context, ids []int64) error {
	for lo := 0; lo < len(ids); lo += 2000 {
		part := ids[lo:min(lo+2000, len(ids))]
		err := s.Write(ctx, func(t *Tx) error {
			t.noteCases(part...)
			for _, id := range part {
				t.noteNewCase(id)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("roll up %d cases: %w", len(part), err)
		}
	}
	return nil
}

// refreshRollups works the facts of the cases the transaction touched out again, with, for the
// cases it inserted or gave another type (noteNewCase), those of the same customers' cases
// closed within the longest repeat window before the earliest of them (a new case of the
// customer makes such a closing a repeat contact), and adds the difference to the sums. Only
// those cases can change another case's facts: a promise broken, a reply or a status changed
// has no bearing on the customer's other closings, and reading them for every batch of breaks
// was two fifths of the roll-ups' time at scale M (a random read for each of the customers'
// cases).
func (t *Tx) refreshRollups(ctx context.Context) error {
	if len(t.touched) == 0 {
		t.rollNew = nil
		return nil
	}
	ids := slices.Sorted(maps.Keys(t.touched))
	fresh := slices.Sorted(maps.Keys(t.rollNew))
	t.touched, t.rollNew = nil, nil
	teams, longest, err := t.rollTeams(ctx)
	if err != nil {
		return fmt.Errorf("roll-ups: %w", err)
	}
	var closed []int64
	if len(fresh) > 0 {
		list := idList(fresh)
		err = t.tx.eachRow(ctx, appendTo(&closed, scanValue[int64]), `SELECT DISTINCT o.case_id FROM cases n JOIN cases c ON c.customer_id = n.customer_id
			JOIN resolution_outcomes o ON o.case_id = c.id
			WHERE n.id IN `+t.d.jsonIDs(1)+` AND o.at >= $2 AND o.outcome IN ('confirmed', 'closed_unconfirmed')`, list, dbTime(t.earliestCreated(ctx, list).Add(-longest)))
		if err != nil {
			return fmt.Errorf("roll-ups: closings of the customers: %w", err)
		}
	}
	return t.replaceFacts(ctx, addIDs(ids, closed), teams)
}

// addIDs is the sorted ids with those of more they lack, sorted, each once. A case twice in the
// list had its facts written twice and its difference added twice to the sums.
func addIDs(ids, more []int64) []int64 {
	out := append(slices.Clone(ids), more...)
	slices.Sort(out)
	return slices.Compact(out)
}

// replaceFacts works the facts of the cases out again and adds the difference from those stored
// to the sums: the sums stay those of the facts stored, whatever order transactions commit in.
// Only the cases whose facts changed are written again: a reply that answers nothing new, or a
// save that moves no fact, writes nothing.
func (t *Tx) replaceFacts(ctx context.Context, ids []int64, teams map[int64]desk.TeamSettings) error {
	fresh, err := t.caseFacts(ctx, ids, teams)
	if err != nil {
		return err
	}
	old, err := t.storedFacts(ctx, idList(ids), len(fresh))
	if err != nil {
		return err
	}
	// Facts are matched as a multiset: a stored one that a fresh one equals stays. Both lists
	// sorted, matching is a merge.
	slices.SortFunc(fresh, compareFacts)
	slices.SortFunc(old, compareFacts)
	diff := rollDiff{}
	changed := map[int64]bool{}
	for i, j := 0, 0; i < len(old) || j < len(fresh); {
		c := 0
		switch {
		case i == len(old):
			c = 1
		case j == len(fresh):
			c = -1
		default:
			c = compareFacts(old[i], fresh[j])
		}
		switch {
		case c < 0: // stored, no longer so
			diff.add(old[i], -1)
			changed[old[i].CaseID] = true
			i++
		case c > 0: // new
			diff.add(fresh[j], 1)
			changed[fresh[j].CaseID] = true
			j++
		default:
			i, j = i+1, j+1
		}
	}
	if len(changed) == 0 {
		return nil
	}
	if err := t.saveFacts(ctx, fresh, changed); err != nil {
		return err
	}
	return t.addSums(ctx, diff)
}

// compareFacts orders facts by all their fields.
func compareFacts(a, b fact) int {
	return cmp.Or(cmp.Compare(a.CaseID, b.CaseID), strings.Compare(a.Measure, b.Measure), strings.Compare(a.Day, b.Day),
		cmp.Compare(a.TeamID, b.TeamID), cmp.Compare(a.AgentID, b.AgentID), strings.Compare(a.Channel, b.Channel),
		strings.Compare(a.Type, b.Type), cmp.Compare(a.Bucket, b.Bucket), cmp.Compare(a.N, b.N), cmp.Compare(a.Secs, b.Secs))
}

// earliestCreated is when the earliest of the cases was opened (now if none is stored).
func (t *Tx) earliestCreated(ctx context.Context, list string) time.Time {
	var at anyTime
	if err := t.tx.QueryRowContext(ctx, `SELECT MIN(created_at) FROM cases WHERE id IN `+t.d.jsonIDs(1), list).Scan(&at); err != nil || !at.Valid {
		return time.Now()
	}
	return at.Time
}

// storedFacts are the facts stored for the cases in list, about as many as size (the fresh
// facts): a row a case (report_case_facts, migration 00059), its facts as factsText wrote them.
func (t *Tx) storedFacts(ctx context.Context, list string, size int) ([]fact, error) {
	out := make([]fact, 0, size+size/4)
	err := t.tx.eachRow(ctx, func(row scanner) error {
		var caseID int64
		var text string
		if err := row.Scan(&caseID, &text); err != nil {
			return err
		}
		var err error
		if out, err = appendFacts(out, caseID, text); err != nil {
			return err
		}
		return nil
	}, `SELECT case_id, facts FROM report_case_facts WHERE case_id IN `+t.d.jsonIDs(1), list)
	if err != nil {
		return nil, fmt.Errorf("roll-ups: stored facts: %w", err)
	}
	return out, nil
}

// saveFacts stores the facts of the changed cases (facts holds every case's, sorted by case):
// a row a case, written again whole. It empties changed as it goes; what is left are cases
// with stored facts and none now, whose rows go (no case is deleted today, but a stale row
// would be taken off the sums a second time).
func (t *Tx) saveFacts(ctx context.Context, facts []fact, changed map[int64]bool) error {
	var ids []int64
	var texts []string
	for lo := 0; lo < len(facts); {
		hi := lo + 1
		for hi < len(facts) && facts[hi].CaseID == facts[lo].CaseID {
			hi++
		}
		if id := facts[lo].CaseID; changed[id] {
			ids, texts = append(ids, id), append(texts, factsText(facts[lo:hi]))
			delete(changed, id)
		}
		lo = hi
	}
	// The cases in one order, so two transactions writing the same rows on PostgreSQL wait for
	// each other instead of deadlocking.
	gone := slices.Sorted(maps.Keys(changed))
	if len(gone) > 0 {
		if _, err := t.tx.ExecContext(ctx, `DELETE FROM report_case_facts WHERE case_id IN `+t.d.jsonIDs(1), idList(gone)); err != nil {
			return fmt.Errorf("roll-ups: remove the facts of %d cases: %w", len(gone), err)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	const head, tail = `INSERT INTO report_case_facts (case_id, facts) `, ` ON CONFLICT (case_id) DO UPDATE SET facts = excluded.facts`
	var err error
	if t.d.name == "postgres" {
		_, err = t.tx.ExecContext(ctx, head+`SELECT * FROM unnest($1::bigint[], $2::text[])`+tail, ids, texts)
	} else {
		err = t.insertRows(ctx, head+`VALUES `, tail, 2, len(ids), func(i int, args []any) []any {
			return append(args, ids[i], texts[i])
		})
	}
	if err != nil {
		return fmt.Errorf("roll-ups: store the facts of %d cases: %w", len(ids), err)
	}
	return nil
}

// factsText is a case's facts as report_case_facts holds them: a line a fact, its fields
// separated by tabs (measure, day, team, agent, channel, case type, bucket, n, secs), each
// text with its backslashes, tabs and line ends escaped, so any case type reads back.
func factsText(fs []fact) string {
	b := make([]byte, 0, 64*len(fs))
	for i, f := range fs {
		if i > 0 {
			b = append(b, '\n')
		}
		b = appendFactText(b, f.Measure)
		b = appendFactText(append(b, '\t'), f.Day)
		b = strconv.AppendInt(append(b, '\t'), f.TeamID, 10)
		b = strconv.AppendInt(append(b, '\t'), f.AgentID, 10)
		b = appendFactText(append(b, '\t'), f.Channel)
		b = appendFactText(append(b, '\t'), f.Type)
		b = strconv.AppendInt(append(b, '\t'), f.Bucket, 10)
		b = strconv.AppendInt(append(b, '\t'), f.N, 10)
		b = strconv.AppendInt(append(b, '\t'), f.Secs, 10)
	}
	return string(b)
}

var (
	factEscapes   = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`)
	factUnescapes = strings.NewReplacer(`\\`, `\`, `\t`, "\t", `\n`, "\n")
)

func appendFactText(b []byte, s string) []byte {
	if strings.ContainsAny(s, "\\\t\n") {
		s = factEscapes.Replace(s)
	}
	return append(b, s...)
}

// appendFacts appends the facts of case caseID that factsText wrote in text.
func appendFacts(out []fact, caseID int64, text string) ([]fact, error) {
	for line := range strings.SplitSeq(text, "\n") {
		if line == "" {
			continue
		}
		var fields [9]string // measure, day, team, agent, channel, case type, bucket, n, secs
		rest := line
		for i := range fields {
			var more bool
			fields[i], rest, more = strings.Cut(rest, "\t")
			if more != (i < len(fields)-1) {
				return out, fmt.Errorf("a fact of case %d unreadable: %q", caseID, line)
			}
		}
		f := fact{CaseID: caseID, Measure: unescapeFact(fields[0]), Day: unescapeFact(fields[1]),
			Channel: unescapeFact(fields[4]), Type: unescapeFact(fields[5])}
		nums := [...]struct {
			to   *int64
			from string
		}{{&f.TeamID, fields[2]}, {&f.AgentID, fields[3]}, {&f.Bucket, fields[6]}, {&f.N, fields[7]}, {&f.Secs, fields[8]}}
		for _, n := range nums {
			v, err := strconv.ParseInt(n.from, 10, 64)
			if err != nil {
				return out, fmt.Errorf("a fact of case %d unreadable: %q", caseID, line)
			}
			*n.to = v
		}
		out = append(out, f)
	}
	return out, nil
}

func unescapeFact(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	return factUnescapes.Replace(s)
}

// sumColumns are the sums' rows as PostgreSQL's arrays, a parameter a column, for a statement
// whose text is the same for any number of rows: rows of numbered VALUES (each value encoded
// on its own) made a new statement text for each count of rows, prepared anew, and were a third
// of what a promise break allocated on PostgreSQL. report_agent_days leaves out the channel
// and case type, report_days the agent.
type sumColumns struct {
	team, agent, bucket, n, secs []int64
	measure, day, channel, typ   []string
}

// newSumColumns are columns of room for n rows.
func newSumColumns(n int) *sumColumns {
	ids := func() []int64 { return make([]int64, 0, n) }
	texts := func() []string { return make([]string, 0, n) }
	return &sumColumns{team: ids(), agent: ids(), bucket: ids(), n: ids(), secs: ids(),
		measure: texts(), day: texts(), channel: texts(), typ: texts()}
}

func (c *sumColumns) add(k dayKey, s sums) {
	c.measure, c.day, c.team, c.agent = append(c.measure, k.measure), append(c.day, k.day), append(c.team, k.team), append(c.agent, k.agent)
	c.channel, c.typ, c.bucket, c.n, c.secs = append(c.channel, k.channel), append(c.typ, k.typ), append(c.bucket, k.bucket), append(c.n, s.n), append(c.secs, s.secs)
}

// addSums adds a difference to the sums, many rows a statement.
func (t *Tx) addSums(ctx context.Context, diff rollDiff) error {
	var days, agents []dayKey
	for k, s := range diff {
		if s == (sums{}) {
			continue
		}
		if k.channelAndTyp {
			days = append(days, k)
		} else {
			agents = append(agents, k)
		}
	}
	// In one order, so two transactions adding to the same sums on PostgreSQL wait for each
	// other instead of deadlocking.
	order := func(a, b dayKey) int {
		return cmp.Or(strings.Compare(a.measure, b.measure), strings.Compare(a.day, b.day), cmp.Compare(a.team, b.team),
			strings.Compare(a.channel, b.channel), strings.Compare(a.typ, b.typ), cmp.Compare(a.bucket, b.bucket), cmp.Compare(a.agent, b.agent))
	}
	slices.SortFunc(days, order)
	slices.SortFunc(agents, order)
	const daysHead, daysTail = `INSERT INTO report_days (measure, day, team_id, channel, case_type, bucket, n, secs) `,
		` ON CONFLICT (measure, day, team_id, channel, case_type, bucket) DO UPDATE SET n = report_days.n + excluded.n, secs = report_days.secs + excluded.secs`
	const agentsHead, agentsTail = `INSERT INTO report_agent_days (measure, day, team_id, agent_id, bucket, n, secs) `,
		` ON CONFLICT (measure, day, team_id, agent_id, bucket) DO UPDATE SET n = report_agent_days.n + excluded.n, secs = report_agent_days.secs + excluded.secs`
	if t.d.name == "postgres" {
		// Arrays (sumColumns); unnest keeps their order, the locks' order.
		if len(days) > 0 {
			c := newSumColumns(len(days))
			for _, k := range days {
				c.add(k, diff[k])
			}
			_, err := t.tx.ExecContext(ctx, daysHead+`SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::bigint[],
				$7::bigint[], $8::bigint[])`+daysTail, c.measure, c.day, c.team, c.channel, c.typ, c.bucket, c.n, c.secs)
			if err != nil {
				return fmt.Errorf("roll-ups: add to the days: %w", err)
			}
		}
		if len(agents) > 0 {
			c := newSumColumns(len(agents))
			for _, k := range agents {
				c.add(k, diff[k])
			}
			_, err := t.tx.ExecContext(ctx, agentsHead+`SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[],
				$6::bigint[], $7::bigint[])`+agentsTail, c.measure, c.day, c.team, c.agent, c.bucket, c.n, c.secs)
			if err != nil {
				return fmt.Errorf("roll-ups: add to the agents' days: %w", err)
			}
		}
		return nil
	}
	err := t.insertRows(ctx, daysHead+`VALUES `, daysTail, 8, len(days), func(i int, args []any) []any {
		k := days[i]
		return append(args, k.measure, k.day, k.team, k.channel, k.typ, k.bucket, diff[k].n, diff[k].secs)
	})
	if err != nil {
		return fmt.Errorf("roll-ups: add to the days: %w", err)
	}
	err = t.insertRows(ctx, agentsHead+`VALUES `, agentsTail, 7, len(agents), func(i int, args []any) []any {
		k := agents[i]
		return append(args, k.measure, k.day, k.team, k.agent, k.bucket, diff[k].n, diff[k].secs)
	})
	if err != nil {
		return fmt.Errorf("roll-ups: add to the agents' days: %w", err)
	}
	return nil
}

// RebuildRollups works the roll-ups out again from the tables: it empties them (the reports read
// the tables meanwhile), then replaces the facts of 2,000 cases a transaction in id order, so
// the desk's commands go on between them (a command's own refresh and the rebuild's each add the
// difference from the facts stored, so they agree in any order), and marks them ready. progress
// is told how many cases are done of how many. A rebuild already under way (kept serve's, see
// RebuildRollupsStep) starts over with this one, and the two share the remaining steps.
func (s *Store) RebuildRollups(ctx context.Context, progress func(done, total int)) error {
	var total int
	err := s.Write(ctx, func(t *Tx) error {
		if err := t.startRebuild(ctx); err != nil {
			return err
		}
		return t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases`).Scan(&total)
	})
	if err != nil {
		return fmt.Errorf("rebuild roll-ups: %w", err)
	}
	done := 0
	for {
		n, ready, err := s.RebuildRollupsStep(ctx, 2000)
		if err != nil {
			return err
		}
		if done += n; n > 0 && progress != nil {
			progress(done, total)
		}
		if ready {
			return nil
		}
	}
}

// RebuildRollupsStep takes the rebuild of the roll-ups a step on: the facts of up to n cases
// after the last one rebuilt, in one transaction; after the last case, it marks the roll-ups
// ready. On a desk whose roll-ups are not ready and with no rebuild under way (upgraded to a
// release that rolls up more) it starts one. The step says how many cases it rebuilt and
// whether the roll-ups are ready. Where is kept in the database (report_rollups_rebuild,
// migration 00056), so a stopped server goes on where it was, and steps from several nodes
// take turns.
func (s *Store) RebuildRollupsStep(ctx context.Context, n int) (rebuilt int, ready bool, err error) {
	err = s.Write(ctx, func(t *Tx) error {
		if t.d.name == "postgres" {
			// Nodes take turns: two starting at once would each empty what the other filled.
			if _, err := t.tx.ExecContext(ctx, `LOCK TABLE report_rollups_rebuild IN EXCLUSIVE MODE`); err != nil {
				return fmt.Errorf("take a turn: %w", err)
			}
		}
		after, under, err := t.rebuildCursor(ctx)
		if err != nil {
			return err
		}
		if !under {
			if ready, err = t.RollupsReady(ctx); err != nil || ready {
				return err
			}
			// Started in a step of its own, so that a first step that fails has a rebuild
			// under way to say so on (RebuildFailed).
			return t.startRebuild(ctx)
		}
		var ids []int64
		if err := t.tx.eachRow(ctx, appendTo(&ids, scanValue[int64]), `SELECT id FROM cases WHERE id > $1 ORDER BY id LIMIT $2`, after, n); err != nil {
			return fmt.Errorf("cases: %w", err)
		}
		if len(ids) == 0 {
			ready = true
			return t.endRebuild(ctx)
		}
		teams, _, err := t.rollTeams(ctx)
		if err != nil {
			return err
		}
		if err := t.replaceFacts(ctx, ids, teams); err != nil {
			return err
		}
		rebuilt = len(ids)
		if _, err := t.tx.ExecContext(ctx, `UPDATE report_rollups_rebuild SET after_case = $1, failing_since = NULL, failure = '' WHERE one = 1`, ids[len(ids)-1]); err != nil {
			return fmt.Errorf("move on: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, false, fmt.Errorf("rebuild roll-ups: %w", err)
	}
	return rebuilt, ready, nil
}

// RebuildFailed notes on a rebuild under way that a step failed at now, and why; the first
// failure since the last step done stays as the time it has failed since. No rebuild under
// way: nothing to note.
func (s *Store) RebuildFailed(ctx context.Context, why error, now time.Time) error {
	text := why.Error()
	if len(text) > maxErrorText {
		text = text[:maxErrorText]
	}
	err := s.Write(ctx, func(t *Tx) error {
		_, err := t.tx.ExecContext(ctx, `UPDATE report_rollups_rebuild SET failing_since = COALESCE(failing_since, $1), failure = $2 WHERE one = 1`,
			dbTime(now), strings.ToValidUTF8(text, "?"))
		return err
	})
	if err != nil {
		return fmt.Errorf("note the roll-ups rebuild's failure: %w", err)
	}
	return nil
}

// RebuildState is where a rebuild of the roll-ups is.
type RebuildState struct {
	Under bool    // a rebuild is under way
	Done  float64 // the share of the desk's case ids behind it, 0 to 1
	// FailingSince: its steps have failed since then, none done (zero: the last one was
	// done); Failure says why the last one failed.
	FailingSince time.Time
	Failure      string
}

// RollupsRebuild says where a rebuild of the roll-ups is.
func (t *Tx) RollupsRebuild(ctx context.Context) (RebuildState, error) {
	var st RebuildState
	var since sql.NullTime
	var after int64
	err := t.tx.QueryRowContext(ctx, `SELECT after_case, failing_since, failure FROM report_rollups_rebuild WHERE one = 1`).Scan(&after, &since, &st.Failure)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("roll-ups rebuild: %w", err)
	}
	st.Under, st.FailingSince = true, since.Time
	var last int64
	if err := t.tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM cases`).Scan(&last); err != nil {
		return st, fmt.Errorf("roll-ups rebuilt: %w", err)
	}
	st.Done = 1
	if last > 0 {
		st.Done = min(float64(after)/float64(last), 1)
	}
	return st, nil
}

// rebuildCursor is the last case a rebuild under way has done (0 before the first).
func (t *Tx) rebuildCursor(ctx context.Context) (after int64, under bool, err error) {
	err = t.tx.QueryRowContext(ctx, `SELECT after_case FROM report_rollups_rebuild WHERE one = 1`).Scan(&after)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("roll-ups rebuild: %w", err)
	}
	return after, true, nil
}

// startRebuild empties the roll-ups (the reports read the tables meanwhile) and starts a
// rebuild from the first case.
func (t *Tx) startRebuild(ctx context.Context) error {
	for _, table := range []string{"report_rollups_ready", "report_case_facts", "report_days", "report_agent_days", "report_rollups_rebuild"} {
		if _, err := t.tx.ExecContext(ctx, `DELETE FROM `+table); err != nil {
			return fmt.Errorf("empty %s: %w", table, err)
		}
	}
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO report_rollups_rebuild (one, after_case) VALUES (1, 0)`); err != nil {
		return fmt.Errorf("start the rebuild: %w", err)
	}
	return nil
}

// endRebuild marks the rebuilt roll-ups ready.
func (t *Tx) endRebuild(ctx context.Context) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM report_rollups_rebuild`); err != nil {
		return fmt.Errorf("end the rebuild: %w", err)
	}
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO report_rollups_ready (ready) VALUES (1)`); err != nil {
		return fmt.Errorf("end the rebuild: %w", err)
	}
	// The planner's statistics were gathered, if ever, on the tables before they were
	// filled: on PostgreSQL a command's refresh then read all of the facts for a few cases'
	// (a scan of 7.5 million rows, 1–3 s a commit at scale M, before 00059 kept a row a
	// case, until autovacuum came round; with it off, never).
	for _, table := range []string{"report_case_facts", "report_days", "report_agent_days"} {
		if _, err := t.tx.ExecContext(ctx, `ANALYZE `+table); err != nil {
			return fmt.Errorf("statistics of %s: %w", table, err)
		}
	}
	if t.d.name == "sqlite" {
		return dropSamples(ctx, t.tx)
	}
	return nil
}

// RollupsReady says whether the roll-ups hold the whole desk: made on a new desk, or rebuilt.
func (t *Tx) RollupsReady(ctx context.Context) (bool, error) {
	var n int
	if err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM report_rollups_ready`).Scan(&n); err != nil {
		return false, fmt.Errorf("roll-ups ready: %w", err)
	}
	return n > 0, nil
}

// RollupRow is a sum of the roll-ups, by the columns asked for (the others are zero).
type RollupRow struct {
	Measure         string
	Day             string
	TeamID, AgentID int64
	Channel, Type   string
	Bucket, N, Secs int64
}

// RollupsCover says whether the roll-ups answer a filter grouped by the columns ("day", "team_id",
// "agent_id", "channel", "case_type", "bucket"): an agent's figures are summed per team only,
// not per channel or case type.
func RollupsCover(f ReportFilter, by ...string) bool {
	perAgent := f.AgentID != 0 || slices.Contains(by, "agent_id")
	return !perAgent || (f.Channel == "" && f.Type == "" && !slices.Contains(by, "channel") && !slices.Contains(by, "case_type"))
}

// Rollups sums the measures over the UTC days of [from, to) (midnights) for the filter, grouped
// by the columns (see RollupsCover; it must cover them). Sums of zero are left out.
func (t *Tx) Rollups(ctx context.Context, measures []string, from, to time.Time, f ReportFilter, by ...string) ([]RollupRow, error) {
	if !RollupsCover(f, by...) {
		return nil, fmt.Errorf("roll-ups: a filter they do not cover: %w", errUncovered)
	}
	table := "report_days"
	if f.AgentID != 0 || slices.Contains(by, "agent_id") {
		table = "report_agent_days"
	}
	args := []any{dayOf(from), dayOf(to)}
	in := make([]string, len(measures))
	for i, m := range measures {
		args = append(args, m)
		in[i] = fmt.Sprintf("$%d", len(args))
	}
	conds := []string{"r.day >= $1", "r.day < $2", "r.measure IN (" + strings.Join(in, ", ") + ")"}
	cond := func(col string, v any) {
		args = append(args, v)
		conds = append(conds, fmt.Sprintf("r.%s = $%d", col, len(args)))
	}
	if f.TeamID != 0 {
		cond("team_id", f.TeamID)
	}
	if f.AgentID != 0 {
		cond("agent_id", f.AgentID)
	}
	if f.Channel != "" {
		cond("channel", f.Channel)
	}
	if f.Type != "" {
		cond("case_type", f.Type)
	}
	cols := append([]string{"measure"}, by...)
	for i := range cols {
		cols[i] = "r." + cols[i]
	}
	group := strings.Join(cols, ", ")
	rows, err := t.tx.QueryContext(ctx, `SELECT `+group+`, SUM(r.n), SUM(r.secs) FROM `+table+` r WHERE `+strings.Join(conds, " AND ")+`
		GROUP BY `+group+` HAVING SUM(r.n) <> 0 ORDER BY `+group, args...)
	if err != nil {
		return nil, fmt.Errorf("roll-ups: %w", err)
	}
	defer rows.Close()
	var out []RollupRow
	for rows.Next() {
		var r RollupRow
		dest := []any{&r.Measure}
		for _, c := range by {
			dest = append(dest, map[string]any{"day": &r.Day, "team_id": &r.TeamID, "agent_id": &r.AgentID, "channel": &r.Channel, "case_type": &r.Type, "bucket": &r.Bucket}[c])
		}
		if err := rows.Scan(append(dest, &r.N, &r.Secs)...); err != nil {
			return nil, fmt.Errorf("roll-ups: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

var errUncovered = fmt.Errorf("not rolled up")

// RollupSums lists every non-zero sum of both roll-up tables as text, in order: what a rebuild
// must give back (tests compare them).
func (t *Tx) RollupSums(ctx context.Context) ([]string, error) {
	var out []string
	for _, q := range []string{
		`SELECT 'days', measure, day, team_id, channel, case_type, bucket, n, secs FROM report_days WHERE n <> 0 OR secs <> 0 ORDER BY measure, day, team_id, channel, case_type, bucket`,
		`SELECT 'agents', measure, day, team_id, agent_id, '', bucket, n, secs FROM report_agent_days WHERE n <> 0 OR secs <> 0 ORDER BY measure, day, team_id, agent_id, bucket`,
	} {
		rows, err := t.tx.QueryContext(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("roll-up sums: %w", err)
		}
		for rows.Next() {
			var table, measure, day, channel string
			var team, agentOrChannel any
			var bucket, n, secs int64
			if err := rows.Scan(&table, &measure, &day, &team, &agentOrChannel, &channel, &bucket, &n, &secs); err != nil {
				rows.Close()
				return nil, fmt.Errorf("roll-up sums: %w", err)
			}
			if b, ok := agentOrChannel.([]byte); ok {
				agentOrChannel = string(b)
			}
			out = append(out, fmt.Sprintf("%s %s %s team=%v %v %s bucket=%d n=%d secs=%d", table, measure, day, team, agentOrChannel, channel, bucket, n, secs))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("roll-up sums: %w", err)
		}
	}
	return out, nil
}
