package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

var promiseColumns = timesUntyped(`id, case_id, kind, words, place, due_at, state, maker_id, owner_id, slips, case_type, created_at, done_at`,
	"due_at", "created_at", "done_at")

func scanPromise(row scanner) (desk.Promise, error) {
	var d struct { // one allocation for the destinations (see scanCase)
		p                  desk.Promise
		kind, state        string
		due, created, done anyTime
	}
	p := &d.p
	if err := row.Scan(&p.ID, &p.CaseID, &d.kind, &p.Words, &p.Place, &d.due, &d.state, &p.MakerID, &p.OwnerID, &p.Slips, &p.CaseType, &d.created, &d.done); err != nil {
		return *p, err
	}
	p.Kind, p.State, p.DueAt, p.CreatedAt = desk.PromiseKind(d.kind), desk.PromiseState(d.state), d.due.Time, d.created.Time
	if d.done.Valid {
		done := d.done.Time
		p.DoneAt = &done
	}
	return *p, nil
}

// InsertPromise stores a new promise and sets its id.
func (t *Tx) InsertPromise(ctx context.Context, p *desk.Promise) error {
	err := t.tx.QueryRowContext(ctx, `INSERT INTO promises (case_id, kind, words, place, due_at, state, maker_id, owner_id, slips, case_type, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		p.CaseID, string(p.Kind), p.Words, p.Place, p.DueAt, string(p.State), p.MakerID, p.OwnerID, p.Slips, p.CaseType, p.CreatedAt).Scan(&p.ID)
	if err != nil {
		return fmt.Errorf("insert promise: %w", err)
	}
	t.noteCases(p.CaseID)
	return nil
}

// Promise loads a promise; inside a write it locks the row.
func (t *Tx) Promise(ctx context.Context, id int64) (desk.Promise, error) {
	return loadByID(ctx, t, "promise", id, scanPromise, t.forUpdate(`SELECT `+t.d.cols(promiseColumns)+` FROM promises WHERE id = $1`))
}

// PromiseFilter narrows a promise list. Zero values do not filter.
type PromiseFilter struct {
	CaseID  int64
	OwnerID int64
	TeamID  int64
	State   desk.PromiseState
	DueFrom time.Time // due at or after
	DueTo   time.Time // due before
	Limit   int
}

// Promises lists promises, soonest due first.
func (t *Tx) Promises(ctx context.Context, f PromiseFilter) ([]desk.Promise, error) {
	var cs conds
	if f.CaseID != 0 {
		cs.add("p.case_id = $%d", f.CaseID)
	}
	if f.OwnerID != 0 {
		cs.add("p.owner_id = $%d", f.OwnerID)
	}
	if f.TeamID != 0 {
		cs.add("c.team_id = $%d", f.TeamID)
	}
	if f.State != "" {
		cs.add("p.state = $%d", string(f.State))
	}
	if !f.DueFrom.IsZero() {
		cs.add("p.due_at >= $%d", f.DueFrom)
	}
	if !f.DueTo.IsZero() {
		cs.add("p.due_at < $%d", f.DueTo)
	}
	q := `SELECT p.id, p.case_id, p.kind, p.words, p.place, p.due_at, p.state, p.maker_id, p.owner_id, p.slips, p.case_type, p.created_at, p.done_at
		FROM promises p`
	if f.TeamID != 0 {
		q += ` JOIN cases c ON c.id = p.case_id`
	}
	if len(cs.where) > 0 {
		q += " WHERE " + strings.Join(cs.where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 500
	}
	if f.CaseID != 0 {
		// One case's few promises, by its index, sorted here: ordered by due time in SQL, the
		// planner walked every open promise of the desk in due order to find the case's.
		return t.casePromises(ctx, q, cs.args, limit)
	}
	q += fmt.Sprintf(" ORDER BY p.due_at, p.id LIMIT %d", limit)
	return listOf(ctx, t, "list promises", scanPromise, q, cs.args...)
}

// casePromises runs a promise query that names one case, and sorts what it finds soonest due
// first, at most limit.
func (t *Tx) casePromises(ctx context.Context, q string, args []any, limit int) ([]desk.Promise, error) {
	out, err := listOf(ctx, t, "list a case's promises", scanPromise, q, args...)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b desk.Promise) int {
		if c := a.DueAt.Compare(b.DueAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out[:min(len(out), limit)], nil
}

// KeptDurations returns how long the most recent kept promises of a case type and kind took,
// from being made to being kept, for estimates; with them, the spans of imported cases of the
// type that were like such promises (AddImportedSpans). The most recent come first, so the
// desk's own promises take the place of the older imported history as they accumulate.
func (t *Tx) KeptDurations(ctx context.Context, caseType string, kind desk.PromiseKind, limit int) ([]time.Duration, error) {
	type span struct{ made, done time.Time }
	var all []span
	for _, q := range []string{
		`SELECT created_at, done_at FROM promises WHERE case_type = $1 AND kind = $2 AND state = 'kept' ORDER BY done_at DESC LIMIT $3`,
		`SELECT started_at, done_at FROM imported_spans WHERE case_type = $1 AND kind = $2 ORDER BY done_at DESC LIMIT $3`,
	} {
		err := t.tx.eachRow(ctx, appendTo(&all, func(row scanner) (span, error) {
			var s span
			err := row.Scan(&s.made, &s.done)
			return s, err
		}), q, caseType, string(kind), limit)
		if err != nil {
			return nil, fmt.Errorf("promise history: %w", err)
		}
	}
	slices.SortStableFunc(all, func(a, b span) int { return b.done.Compare(a.done) })
	var out []time.Duration
	for _, s := range all[:min(len(all), limit)] {
		out = append(out, s.done.Sub(s.made))
	}
	return out, nil
}

// ImportedSpan is one span of an imported case (desk.ImportedSpans) with the case's type.
type ImportedSpan struct {
	CaseID   int64
	CaseType string
	desk.ImportedSpan
}

// AddImportedSpans stores imported cases' spans, history for the estimates (KeptDurations).
func (t *Tx) AddImportedSpans(ctx context.Context, spans []ImportedSpan) error {
	if t.d.name == "postgres" && len(spans) > 0 {
		// One statement of arrays: a batch's thousands of spans were dozens of statements of 64
		// rows, each a round trip to the server.
		ids, types, kinds := make([]int64, len(spans)), make([]string, len(spans)), make([]string, len(spans))
		started, done := make([]time.Time, len(spans)), make([]time.Time, len(spans))
		for i, s := range spans {
			ids[i], types[i], kinds[i], started[i], done[i] = s.CaseID, s.CaseType, string(s.Kind), dbTime(s.Started), dbTime(s.Done)
		}
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO imported_spans (case_id, case_type, kind, started_at, done_at)
			SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[])`, ids, types, kinds, started, done); err != nil {
			return fmt.Errorf("store %d spans of imported cases: %w", len(spans), err)
		}
		return nil
	}
	return chunks(len(spans), func(lo, hi int) error {
		args := make([]any, 0, 5*(hi-lo))
		for _, s := range spans[lo:hi] {
			args = append(args, s.CaseID, s.CaseType, string(s.Kind), dbTime(s.Started), dbTime(s.Done))
		}
		_, err := t.tx.ExecContext(ctx, `INSERT INTO imported_spans (case_id, case_type, kind, started_at, done_at) VALUES `+t.d.valuesRows(hi-lo, 5), args...)
		if err != nil {
			return fmt.Errorf("store %d spans of imported cases: %w", hi-lo, err)
		}
		return nil
	})
}

// InsertSlip records a slip for the per-promise, agent and team counts.
func (t *Tx) InsertSlip(ctx context.Context, promiseID, agentID, teamID int64, from, to time.Time, reason string, at time.Time) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO promise_slips (promise_id, agent_id, team_id, from_due, to_due, reason, at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		promiseID, agentID, teamID, from, to, reason, at)
	if err != nil {
		return fmt.Errorf("record slip of promise %d: %w", promiseID, err)
	}
	return nil
}

// SlipCounts counts slips per agent and per team since a time.
func (t *Tx) SlipCounts(ctx context.Context, since time.Time) (agents, teams []desk.SlipCount, err error) {
	for _, q := range []struct {
		sql string
		out *[]desk.SlipCount
	}{
		{`SELECT a.id, a.name, COUNT(*) FROM promise_slips s JOIN agents a ON a.id = s.agent_id WHERE s.at >= $1 GROUP BY a.id, a.name ORDER BY COUNT(*) DESC, a.id`, &agents},
		{`SELECT tm.id, tm.name, COUNT(*) FROM promise_slips s JOIN teams tm ON tm.id = s.team_id WHERE s.at >= $1 GROUP BY tm.id, tm.name ORDER BY COUNT(*) DESC, tm.id`, &teams},
	} {
		if *q.out, err = listOf(ctx, t, "slip counts", scanSlipCount, q.sql, since); err != nil {
			return nil, nil, err
		}
	}
	return agents, teams, nil
}

// TeamSlipCounts counts per agent the slips since a time of promises on one team's cases
// (every team's for 0), whoever slipped them: the team view counts a team's cases, as the
// per-team totals of SlipCounts do.
func (t *Tx) TeamSlipCounts(ctx context.Context, since time.Time, teamID int64) ([]desk.SlipCount, error) {
	return listOf(ctx, t, "team slip counts", scanSlipCount, `SELECT a.id, a.name, COUNT(*) FROM promise_slips s JOIN agents a ON a.id = s.agent_id
		WHERE s.at >= $1 AND (CAST($2 AS BIGINT) = 0 OR s.team_id = CAST($2 AS BIGINT)) GROUP BY a.id, a.name ORDER BY COUNT(*) DESC, a.id`, since, teamID)
}

func scanSlipCount(row scanner) (desk.SlipCount, error) {
	var c desk.SlipCount
	err := row.Scan(&c.ID, &c.Name, &c.Slips)
	return c, err
}

// InsertAbsence stores an absence and sets its id.
func (t *Tx) InsertAbsence(ctx context.Context, a *desk.Absence) error {
	err := t.tx.QueryRowContext(ctx, `INSERT INTO absences (agent_id, kind, from_at, to_at, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		a.AgentID, string(a.Kind), a.From, a.To, a.CreatedAt).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("insert absence: %w", err)
	}
	return nil
}

// Absence loads one absence.
func (t *Tx) Absence(ctx context.Context, id int64) (desk.Absence, error) {
	return loadByID(ctx, t, "absence", id, scanAbsence, `SELECT `+absenceColumns+` FROM absences WHERE id = $1`)
}

// Absences lists an agent's absences that end after from and start before to.
func (t *Tx) Absences(ctx context.Context, agentID int64, from, to time.Time) ([]desk.Absence, error) {
	return listOf(ctx, t, fmt.Sprintf("absences of agent %d", agentID), scanAbsence, `SELECT `+absenceColumns+` FROM absences
		WHERE agent_id = $1 AND to_at > $2 AND from_at < $3 ORDER BY from_at, id`, agentID, from, to)
}

const absenceColumns = `id, agent_id, kind, from_at, to_at, created_at`

func scanAbsence(row scanner) (desk.Absence, error) {
	var a desk.Absence
	var kind string
	err := row.Scan(&a.ID, &a.AgentID, &kind, &a.From, &a.To, &a.CreatedAt)
	a.Kind, a.From, a.To, a.CreatedAt = desk.AbsenceKind(kind), a.From.UTC(), a.To.UTC(), a.CreatedAt.UTC()
	return a, err
}

// AbsencesOf lists the absences of several agents that meet [from, to), by agent, in one
// statement (a batch of escalations checks who is away once).
func (t *Tx) AbsencesOf(ctx context.Context, agentIDs []int64, from, to time.Time) (map[int64][]desk.Absence, error) {
	out := make(map[int64][]desk.Absence, len(agentIDs))
	err := t.idLists(agentIDs, 2, func(in string, list []any) error {
		return t.tx.eachRow(ctx, func(row scanner) error {
			a, err := scanAbsence(row)
			if err != nil {
				return err
			}
			out[a.AgentID] = append(out[a.AgentID], a)
			return nil
		}, `SELECT `+absenceColumns+` FROM absences
			WHERE to_at > $1 AND from_at < $2 AND agent_id IN `+in+` ORDER BY from_at, id`, append([]any{from, to}, list...)...)
	})
	if err != nil {
		return nil, fmt.Errorf("absences of %d agents: %w", len(agentIDs), err)
	}
	return out, nil
}

// Notifications lists an agent's newest notifications.
func (t *Tx) Notifications(ctx context.Context, agentID int64, limit int) ([]desk.Notification, error) {
	return listOf(ctx, t, fmt.Sprintf("notifications of agent %d", agentID), func(row scanner) (desk.Notification, error) {
		var n desk.Notification
		var read sql.NullTime
		var args string
		if err := row.Scan(&n.ID, &n.AgentID, &n.CaseID, &n.Kind, &n.Body, &n.Key, &args, &n.CreatedAt, &read); err != nil {
			return n, err
		}
		n.CreatedAt = n.CreatedAt.UTC()
		if read.Valid {
			r := read.Time.UTC()
			n.ReadAt = &r
		}
		if err := json.Unmarshal([]byte(args), &n.Args); err != nil {
			return n, fmt.Errorf("notification %d: arguments: %w", n.ID, err)
		}
		return n, nil
	}, `SELECT id, agent_id, case_id, kind, body, detail_key, detail_args, created_at, read_at FROM notifications
		WHERE agent_id = $1 ORDER BY id DESC LIMIT $2`, agentID, limit)
}

// UnreadNotifications counts an agent's unread notifications, up to most (from an index of the
// unread only: the navigation shows it on every page, and an agent who never marks them read
// has tens of thousands: counting 100,000 took 8.6 ms a page on PostgreSQL, 100 takes 0.8).
func (t *Tx) UnreadNotifications(ctx context.Context, agentID int64, most int) (int, error) {
	var n int
	if err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM notifications WHERE agent_id = $1 AND read_at IS NULL LIMIT $2) u`,
		agentID, most).Scan(&n); err != nil {
		return 0, fmt.Errorf("unread notifications of agent %d: %w", agentID, err)
	}
	return n, nil
}

// MarkNotificationsRead marks an agent's unread notifications with ids up to upTo as read at
// at, and returns how many it marked.
func (t *Tx) MarkNotificationsRead(ctx context.Context, agentID, upTo int64, at time.Time) (int64, error) {
	return t.changedRows(ctx, fmt.Sprintf("mark notifications of agent %d read", agentID),
		`UPDATE notifications SET read_at = $1 WHERE agent_id = $2 AND id <= $3 AND read_at IS NULL`, dbTime(at), agentID, upTo)
}

// PromisesForUpdate loads the promises with these ids (missing ones are left out), keyed by id;
// inside a write it locks their rows, in the order of their ids.
func (t *Tx) PromisesForUpdate(ctx context.Context, ids []int64) (map[int64]desk.Promise, error) {
	return byIDs(ctx, t, "load promises", ids, func(in string) string {
		return t.forUpdate(`SELECT ` + t.d.cols(promiseColumns) + ` FROM promises WHERE id IN ` + in + ` ORDER BY id`)
	}, scanPromise, func(p desk.Promise) int64 { return p.ID })
}
