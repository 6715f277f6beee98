package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// The writes of a batch of promise breaks (see jobs.BatchHandler): each reads or writes the
// rows of a whole batch in one statement. A batch's rows go in as one JSON parameter, so the
// statement's text is the same for any batch size: IN lists of varying length would each be
// prepared (and cached) as a statement of their own. On SQLite, lists of ids and the entries
// go instead as multi-row VALUES in chunks of fixed sizes (see chunkSizes): on a copy of scale
// S, decoding their JSON cost more than binding a placeholder a value; a case update's rows
// measured no cheaper that way and stay JSON.

// jsonIDs is a subquery of the ids in a JSON array of numbers passed as parameter n.
func (t *Tx) jsonIDs(n int) string {
	if t.d.name == "postgres" {
		return fmt.Sprintf("(SELECT jsonb_array_elements_text($%d::jsonb)::bigint)", n)
	}
	return fmt.Sprintf("(SELECT value FROM json_each($%d))", n)
}

// jsonRows is a FROM item, named j, of the rows of a JSON array of objects passed as parameter
// n, with the columns named (with their SQL types: "id BIGINT") after the objects' keys.
func (t *Tx) jsonRows(n int, cols ...string) string {
	if t.d.name == "postgres" {
		return fmt.Sprintf("jsonb_to_recordset($%d::jsonb) AS j(%s)", n, strings.Join(cols, ", "))
	}
	sel := make([]string, len(cols))
	for i, c := range cols {
		name, _, _ := strings.Cut(c, " ")
		sel[i] = fmt.Sprintf("json_extract(value, '$.%s') AS %s", name, name)
	}
	// jsonb_each: each object comes out in SQLite's binary JSON, which json_extract reads as it
	// is; json_each would give it as text, parsed again for each column.
	return fmt.Sprintf("(SELECT %s FROM jsonb_each($%d)) AS j", strings.Join(sel, ", "), n)
}

// chunkSizes are the sizes of the statements a batch's rows go to SQLite in, as multi-row
// VALUES with a placeholder a value: a batch of 100 is 64 + 32 + 4, and a statement has at
// most seven texts for the statement cache.
var chunkSizes = [...]int{64, 32, 16, 8, 4, 2, 1}

// chunks calls fn for consecutive runs [lo, hi) of n rows, each of a size in chunkSizes.
func chunks(n int, fn func(lo, hi int) error) error {
	lo := 0
	for _, size := range chunkSizes {
		for n-lo >= size {
			if err := fn(lo, lo+size); err != nil {
				return err
			}
			lo += size
		}
	}
	return nil
}

// valuesRows is rows rows "(?, …), (…)" of cols placeholders each. They are anonymous ("?",
// not "$N"), bound in the order they stand: modernc looks up each numbered parameter's name
// in a list as long as the statement's parameters, quadratic in a chunk of 64 rows (half of
// the statement's CPU).
func valuesRows(rows, cols int) string {
	row := "(?" + strings.Repeat(", ?", cols-1) + ")"
	return row + strings.Repeat(", "+row, rows-1)
}

// idLists runs fn over ids as the IN list of a statement whose own parameters are $1 to $k,
// written before the list: on PostgreSQL once, in being a subquery of the ids as one JSON
// parameter ($k+1) and list that parameter; on SQLite once per chunk (see chunkSizes), in
// being "(VALUES (?), …)" and list the chunk's ids, cheaper than decoding JSON.
func (t *Tx) idLists(ids []int64, k int, fn func(in string, list []any) error) error {
	if t.d.name == "postgres" {
		list, err := jsonParam(ids)
		if err != nil {
			return err
		}
		return fn(t.jsonIDs(k+1), []any{list})
	}
	return chunks(len(ids), func(lo, hi int) error {
		list := make([]any, hi-lo)
		for i, id := range ids[lo:hi] {
			list[i] = id
		}
		return fn("(VALUES "+valuesRows(hi-lo, 1)+")", list)
	})
}

// byIDs loads the rows of query (given the id list's SQL, see idLists) keyed by id; missing
// ids are left out: the one way the store loads rows by a list of ids (cases, promises,
// agents, entries), in statements whose text does not vary with the list's length.
func byIDs[T any](ctx context.Context, t *Tx, ids []int64, query func(in string) string, scan func(scanner) (T, error), id func(T) int64) (map[int64]T, error) {
	out := make(map[int64]T, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	err := t.idLists(ids, 0, func(in string, list []any) error {
		rows, err := t.tx.QueryContext(ctx, query(in), list...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				return err
			}
			out[id(v)] = v
		}
		return rows.Err()
	})
	return out, err
}

// forUpdate locks the rows a query reads inside a write (PostgreSQL; SQLite's writer holds
// the whole database).
func (t *Tx) forUpdate(q string) string {
	if t.writable {
		return q + t.d.forUpdate
	}
	return q
}

// CasesForUpdate loads the cases with these ids (missing ones are left out), keyed by id; inside
// a write it locks their rows, in the order of their ids, as Case locks one.
func (t *Tx) CasesForUpdate(ctx context.Context, ids []int64) (map[int64]desk.Case, error) {
	out, err := byIDs(ctx, t, ids, func(in string) string {
		return t.forUpdate(`SELECT ` + caseColumns + ` FROM cases WHERE id IN ` + in + ` ORDER BY id`)
	}, scanCase, func(c desk.Case) int64 { return c.ID })
	if err != nil {
		return nil, fmt.Errorf("load cases: %w", err)
	}
	return out, nil
}

// AgentsByID loads the agents with these ids (missing ones are left out), keyed by id.
func (t *Tx) AgentsByID(ctx context.Context, ids []int64) (map[int64]desk.Agent, error) {
	out, err := byIDs(ctx, t, ids, func(in string) string {
		return `SELECT ` + agentColumns + agentFrom + ` WHERE a.id IN ` + in
	}, t.scanAgent, func(a desk.Agent) int64 { return a.ID })
	if err != nil {
		return nil, fmt.Errorf("load agents: %w", err)
	}
	return out, nil
}

func jsonParam(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// Readers is Reader for several customers at once, keyed by customer id (missing ones are left
// out).
func (t *Tx) Readers(ctx context.Context, customerIDs []int64) (map[int64]desk.Reader, error) {
	out := make(map[int64]desk.Reader, len(customerIDs))
	if len(customerIDs) == 0 {
		return out, nil
	}
	err := t.idLists(customerIDs, 0, func(in string, list []any) error {
		rows, err := t.tx.QueryContext(ctx, `SELECT id, lang, timezone FROM customers WHERE id IN `+in, list...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var lang, zone string
			if err := rows.Scan(&id, &lang, &zone); err != nil {
				return err
			}
			out[id] = desk.ReaderFor(lang, zone)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("customers' languages and zones: %w", err)
	}
	return out, nil
}

// CaseParticipant is a participant of one case, for AddCaseParticipants.
type CaseParticipant struct {
	CaseID int64
	desk.Participant
}

// AddCaseParticipants records people acting on several cases in one statement (someone already
// on a case keeps their first date) and returns those who are new to their case. Their Since
// is since, the same for all: a batch's now.
func (t *Tx) AddCaseParticipants(ctx context.Context, ps []CaseParticipant, since time.Time) ([]CaseParticipant, error) {
	if len(ps) == 0 {
		return nil, nil
	}
	type row struct {
		CaseID   int64  `json:"case_id"`
		Kind     string `json:"kind"`
		PersonID int64  `json:"person_id"`
		Name     string `json:"name"`
		Role     string `json:"role"`
	}
	rows := make([]row, len(ps))
	for i, p := range ps {
		rows[i] = row{p.CaseID, string(p.Kind), p.PersonID, p.Name, p.Role}
	}
	list, err := jsonParam(rows)
	if err != nil {
		return nil, fmt.Errorf("add participants: %w", err)
	}
	// WHERE true: without it SQLite would read ON CONFLICT as part of the SELECT's join.
	res, err := t.tx.QueryContext(ctx, `INSERT INTO participants (case_id, kind, person_id, name, role, since)
		SELECT j.case_id, j.kind, j.person_id, j.name, j.role, $2
		FROM `+t.jsonRows(1, "case_id BIGINT", "kind TEXT", "person_id BIGINT", "name TEXT", "role TEXT")+` WHERE true
		ON CONFLICT (case_id, kind, person_id) DO NOTHING RETURNING case_id, kind, person_id`, list, since)
	if err != nil {
		return nil, fmt.Errorf("add participants: %w", err)
	}
	defer res.Close()
	type key struct {
		caseID int64
		kind   string
		person int64
	}
	added := map[key]bool{}
	for res.Next() {
		var k key
		if err := res.Scan(&k.caseID, &k.kind, &k.person); err != nil {
			return nil, fmt.Errorf("add participants: %w", err)
		}
		added[k] = true
	}
	if err := res.Err(); err != nil {
		return nil, fmt.Errorf("add participants: %w", err)
	}
	var out []CaseParticipant
	for _, p := range ps {
		if added[key{p.CaseID, string(p.Kind), p.PersonID}] {
			p.Since = since
			out = append(out, p)
		}
	}
	return out, nil
}

// AppendEntries is InsertEntries in one statement for entries of any number of cases, all
// written at the same time (a batch's now, as desk.Chain stamps them), and sets their ids.
func (t *Tx) AppendEntries(ctx context.Context, entries []desk.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	type row struct {
		CaseID    int64  `json:"case_id"`
		Seq       int64  `json:"seq"`
		Kind      string `json:"kind"`
		ActorKind string `json:"actor_kind"`
		ActorID   int64  `json:"actor_id"`
		ActorName string `json:"actor_name"`
		Internal  bool   `json:"internal"`
		Channel   string `json:"channel"`
		Body      string `json:"body"`
		Data      string `json:"data"`
		PrevHash  string `json:"prev_hash"`
		Hash      string `json:"hash"`
	}
	at := entries[0].At
	for i := range entries {
		if e := &entries[i]; !e.At.Equal(at) {
			return fmt.Errorf("append entries: written at %v and %v, not at one time", at, e.At)
		}
	}
	if t.d.name == "sqlite" {
		return chunks(len(entries), func(lo, hi int) error { return t.appendEntries(ctx, entries[lo:hi], at) })
	}
	rows := make([]row, len(entries))
	byKey := make(map[[2]int64]*desk.Entry, len(entries)) // by case and seq: RETURNING promises no order
	for i := range entries {
		e := &entries[i]
		rows[i] = row{e.CaseID, e.Seq, string(e.Kind), string(e.Actor.Kind), e.Actor.ID, e.Actor.Name, e.Internal, e.Channel, e.Body,
			string(e.Data), e.PrevHash, e.Hash}
		byKey[[2]int64{e.CaseID, e.Seq}] = e
	}
	list, err := jsonParam(rows)
	if err != nil {
		return fmt.Errorf("append entries: %w", err)
	}
	res, err := t.tx.QueryContext(ctx, `INSERT INTO entries (case_id, seq, kind, at, actor_kind, actor_id, actor_name, internal, channel, body, data, prev_hash, hash)
		SELECT j.case_id, j.seq, j.kind, $2, j.actor_kind, j.actor_id, j.actor_name, j.internal, j.channel, j.body, j.data, j.prev_hash, j.hash
		FROM `+t.jsonRows(1, "case_id BIGINT", "seq BIGINT", "kind TEXT", "actor_kind TEXT", "actor_id BIGINT", "actor_name TEXT",
		"internal BOOLEAN", "channel TEXT", "body TEXT", "data TEXT", "prev_hash TEXT", "hash TEXT")+`
		RETURNING id, case_id, seq`, list, at)
	if err != nil {
		return fmt.Errorf("append %d entries: %w", len(entries), err)
	}
	defer res.Close()
	n := 0
	for res.Next() {
		var id, caseID, seq int64
		if err := res.Scan(&id, &caseID, &seq); err != nil {
			return fmt.Errorf("append %d entries: %w", len(entries), err)
		}
		if e := byKey[[2]int64{caseID, seq}]; e != nil {
			e.ID = id
			n++
		}
	}
	if err := res.Err(); err != nil {
		return fmt.Errorf("append %d entries: %w", len(entries), err)
	}
	if n != len(entries) {
		return fmt.Errorf("append entries: %d of %d returned their ids", n, len(entries))
	}
	return nil
}

// appendEntries is AppendEntries on SQLite, for a chunk of entries in one statement.
func (t *Tx) appendEntries(ctx context.Context, entries []desk.Entry, at time.Time) error {
	args := make([]any, 0, 13*len(entries))
	for i := range entries {
		e := &entries[i]
		args = append(args, e.CaseID, e.Seq, string(e.Kind), at, string(e.Actor.Kind), e.Actor.ID, e.Actor.Name, e.Internal, e.Channel, e.Body,
			string(e.Data), e.PrevHash, e.Hash)
	}
	res, err := t.tx.QueryContext(ctx, `INSERT INTO entries (case_id, seq, kind, at, actor_kind, actor_id, actor_name, internal, channel, body, data, prev_hash, hash)
		VALUES `+valuesRows(len(entries), 13)+`
		RETURNING id, case_id, seq`, args...)
	if err != nil {
		return fmt.Errorf("append %d entries: %w", len(entries), err)
	}
	defer res.Close()
	n := 0
	for res.Next() {
		var id, caseID, seq int64
		if err := res.Scan(&id, &caseID, &seq); err != nil {
			return fmt.Errorf("append %d entries: %w", len(entries), err)
		}
		// RETURNING promises no order: find the entry by case and seq in the chunk.
		for i := range entries {
			if e := &entries[i]; e.CaseID == caseID && e.Seq == seq {
				e.ID = id
				n++
				break
			}
		}
	}
	if err := res.Err(); err != nil {
		return fmt.Errorf("append %d entries: %w", len(entries), err)
	}
	if n != len(entries) {
		return fmt.Errorf("append entries: %d of %d returned their ids", n, len(entries))
	}
	return nil
}

// SaveCases is SaveCase in one statement for several cases, all updated at the same time (a
// batch's now, as desk.Chain stamps them).
func (t *Tx) SaveCases(ctx context.Context, cases []desk.Case) error {
	if len(cases) == 0 {
		return nil
	}
	type row struct {
		ID         int64  `json:"id"`
		Subject    string `json:"subject"`
		Status     string `json:"status"`
		Type       string `json:"case_type"`
		TeamID     int64  `json:"team_id"`
		OwnerID    int64  `json:"owner_id"`
		Rung       int    `json:"rung"`
		Flags      string `json:"flags"`
		Unanswered int    `json:"unanswered"`
		Step       int    `json:"step"`
		Resolution string `json:"resolution"`
		ResolvedBy int64  `json:"resolved_by"`
		LastSeq    int64  `json:"last_seq"`
		LastHash   string `json:"last_hash"`
		PartnerID  int64  `json:"partner_id"`
	}
	at := cases[0].UpdatedAt
	rows := make([]row, len(cases))
	for i, c := range cases {
		if !c.UpdatedAt.Equal(at) {
			return fmt.Errorf("save cases: updated at %v and %v, not at one time", at, c.UpdatedAt)
		}
		rows[i] = row{c.ID, c.Subject, string(c.Status), c.Type, c.TeamID, c.OwnerID, c.Rung, flagsJSON(c.Flags), c.Unanswered, c.Step,
			c.Resolution, c.ResolvedBy, c.LastSeq, c.LastHash, c.PartnerID}
	}
	list, err := jsonParam(rows)
	if err != nil {
		return fmt.Errorf("save cases: %w", err)
	}
	_, err = t.tx.ExecContext(ctx, `UPDATE cases SET subject = j.subject, status = j.status, case_type = j.case_type,
		team_id = NULLIF(j.team_id, 0), owner_id = j.owner_id, rung = j.rung, flags = j.flags, unanswered = j.unanswered, step = j.step,
		resolution = j.resolution, resolved_by = j.resolved_by, last_seq = j.last_seq, last_hash = j.last_hash, updated_at = $2,
		partner_id = NULLIF(j.partner_id, 0)
		FROM `+t.jsonRows(1, "id BIGINT", "subject TEXT", "status TEXT", "case_type TEXT", "team_id BIGINT", "owner_id BIGINT", "rung INTEGER",
		"flags TEXT", "unanswered INTEGER", "step INTEGER", "resolution TEXT", "resolved_by BIGINT", "last_seq BIGINT", "last_hash TEXT",
		"partner_id BIGINT")+` WHERE cases.id = j.id`, list, at)
	if err != nil {
		return fmt.Errorf("save %d cases: %w", len(cases), err)
	}
	t.opens.unknown() // their owners and statuses before are not known here
	return nil
}
