package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

var caseColumns = timesUntyped(`id, customer_id, subject, status, case_type, COALESCE(team_id, 0), COALESCE(owner_id, 0), COALESCE(partner_id, 0), rung, channel,
	original_request, flags, unanswered, step, resolution, resolved_by, last_seq, last_hash, created_at, updated_at, priority, tags,
	cc, bcc, waiting_since, waiting_until, merged_into`, "created_at", "updated_at", "waiting_since", "waiting_until")

func scanCase(row scanner) (desk.Case, error) {
	// The destinations in one value: each variable a pointer is taken of would be allocated on
	// its own, ten a case (a batch of promise breaks loads hundreds).
	var d struct {
		c                              desk.Case
		status, flags, tags, cc, bcc   string
		created, updated, since, until anyTime
	}
	c := &d.c
	err := row.Scan(&c.ID, &c.CustomerID, &c.Subject, &d.status, &c.Type, &c.TeamID, &c.OwnerID, &c.PartnerID, &c.Rung, &c.Channel,
		&c.OriginalRequest, &d.flags, &c.Unanswered, &c.Step, &c.Resolution, &c.ResolvedBy, &c.LastSeq, &c.LastHash, &d.created, &d.updated,
		&c.Priority, &d.tags, &d.cc, &d.bcc, &d.since, &d.until, &c.MergedInto)
	if err != nil {
		return *c, err
	}
	c.CreatedAt, c.UpdatedAt = d.created.Time, d.updated.Time
	if d.since.Valid {
		c.WaitingSince = d.since.Time
	}
	if d.until.Valid {
		c.WaitingUntil = d.until.Time
	}
	if c.CC, err = decodeAddresses(d.cc); err != nil {
		return *c, fmt.Errorf("case %d cc: %w", c.ID, err)
	}
	if c.BCC, err = decodeAddresses(d.bcc); err != nil {
		return *c, fmt.Errorf("case %d bcc: %w", c.ID, err)
	}
	c.Status = desk.Status(d.status)
	if c.Flags, err = decodeStrings(d.flags); err != nil {
		return *c, fmt.Errorf("case %d flags: %w", c.ID, err)
	}
	if c.Tags, err = decodeStrings(d.tags); err != nil {
		return *c, fmt.Errorf("case %d tags: %w", c.ID, err)
	}
	return *c, nil
}

// decodeAddresses reads a case's cc or bcc column as encoding/json does ("[]" is an empty
// list, "null" none), without decoding the empty list most cases have.
func decodeAddresses(s string) ([]string, error) {
	if s == "[]" {
		return []string{}, nil
	}
	var out []string
	err := json.Unmarshal([]byte(s), &out)
	return out, err
}

// priorityOf is a case's priority as stored: normal when none was set.
func priorityOf(c desk.Case) string { return cmp.Or(c.Priority, desk.PriorityNormal) }

func flagsJSON(flags []string) string {
	if len(flags) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(flags) // a list of strings always encodes
	return string(b)
}

// InsertCase stores a new case and sets its id.
func (t *Tx) InsertCase(ctx context.Context, c *desk.Case) error {
	// Unheld: a new row; the held case saves update others, and no trigger reads cases.
	err := t.unheld().QueryRowContext(ctx, `INSERT INTO cases (customer_id, subject, status, case_type, team_id, owner_id, rung, channel,
		original_request, flags, last_seq, last_hash, created_at, updated_at, priority, tags)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
		c.CustomerID, c.Subject, string(c.Status), c.Type, nullID(c.TeamID), nullID(c.OwnerID), c.Rung, c.Channel,
		c.OriginalRequest, flagsJSON(c.Flags), c.LastSeq, c.LastHash, c.CreatedAt, c.UpdatedAt, priorityOf(*c), flagsJSON(c.Tags)).Scan(&c.ID)
	if err != nil {
		return fmt.Errorf("insert case: %w", err)
	}
	t.pend.countOpen(t.opens.inserted(*c))
	t.noteCases(c.ID)
	t.noteNewCase(c.ID)
	t.rowHolds(*c)
	return nil
}

// Case loads a case. Inside a write it locks the row, so appends to one record queue up.
func (t *Tx) Case(ctx context.Context, id int64) (desk.Case, error) {
	q := t.forUpdate(`SELECT ` + t.d.cols(caseColumns) + ` FROM cases WHERE id = $1`)
	run := t.tx
	if _, held := t.pend.cases.at[id]; !held {
		run = t.unheld() // its row is as stored: the held writes change other cases' rows
	}
	c, err := scanCase(run.QueryRowContext(ctx, q, id))
	if err != nil {
		return c, fmt.Errorf("load case %d: %w", id, notFound(err))
	}
	t.loaded(c)
	return c, nil
}

// loaded records a case read in a write, as its row holds it: for its owner's count of open
// cases (openlog.go), its report facts (rollups.go) and what its save must write (saveCases).
func (t *Tx) loaded(c desk.Case) {
	if t.writable {
		t.opens.seen(c)
		t.rollLoaded(c)
		t.rowHolds(c)
	}
}

// CaseFilter narrows a case list. Zero values do not filter.
type CaseFilter struct {
	CustomerID int64
	OwnerID    int64
	PartnerID  int64
	Statuses   []desk.Status
	BeforeID   int64 // for paging: cases with a lower id
	Limit      int
}

// Cases lists cases, newest first.
func (t *Tx) Cases(ctx context.Context, f CaseFilter) ([]desk.Case, error) {
	return listOf(ctx, t, "list cases", scanCase, `SELECT `+t.d.cols(caseColumns)+` FROM cases`+f.where(t.d), f.args()...)
}

// where is the filter's WHERE, ORDER BY and LIMIT, numbering its parameters as args lists them.
//
// The ids are chosen first, in a subquery that reads only them, and the rows read after. An
// owner's list (the inbox) is read from the index of each owner's active cases
// (cases_owner_active), in its order (see ownerOrder); that index's condition names the
// statuses, which a parameter does not prove, so the statuses the desk knows are written out
// (there are five; anything else stays a parameter).
func (f CaseFilter) where(d dialect) string {
	var where []string
	n := 0
	add := func(cond string) {
		n++
		where = append(where, fmt.Sprintf(cond, n))
	}
	if f.CustomerID != 0 {
		add("customer_id = $%d")
	}
	order := "id DESC"
	if f.OwnerID != 0 {
		n++
		where = append(where, d.ownerOrder("owner_id", n))
		order = "owner_id DESC, id DESC"
	}
	if f.PartnerID != 0 {
		add("partner_id = $%d")
	}
	if f.BeforeID != 0 {
		add("id < $%d")
	}
	if len(f.Statuses) > 0 {
		in := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			if slices.Contains(desk.Statuses, st) {
				in[i] = "'" + string(st) + "'"
			} else {
				n++
				in[i] = fmt.Sprintf("$%d", n)
			}
		}
		where = append(where, "status IN ("+strings.Join(in, ", ")+")")
	}
	q := ""
	if len(where) > 0 {
		q = " WHERE " + strings.Join(where, " AND ")
	}
	return fmt.Sprintf(" WHERE id IN (SELECT id FROM cases%s ORDER BY %s LIMIT $%d) ORDER BY id DESC", q, order, n+1)
}

// args are the parameters of where, in its order.
func (f CaseFilter) args() []any {
	var args []any
	for _, id := range []int64{f.CustomerID, f.OwnerID, f.PartnerID, f.BeforeID} {
		if id != 0 {
			args = append(args, id)
		}
	}
	for _, s := range f.Statuses {
		if !slices.Contains(desk.Statuses, s) { // the desk's own are written into where
			args = append(args, string(s))
		}
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return append(args, limit)
}

// CasesByID loads the cases with these ids (missing ones are left out), keyed by id.
func (t *Tx) CasesByID(ctx context.Context, ids []int64) (map[int64]desk.Case, error) {
	return byIDs(ctx, t, "load cases", ids, func(in string) string {
		return `SELECT ` + t.d.cols(caseColumns) + ` FROM cases WHERE id IN ` + in
	}, scanCase, func(c desk.Case) int64 { return c.ID })
}

func placeholders(from, n int) string {
	ph := make([]string, n)
	for i := range ph {
		ph[i] = fmt.Sprintf("$%d", from+i)
	}
	return strings.Join(ph, ", ")
}

func int64Args(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

// ParticipantsOf lists the participants of several cases in one statement, by case.
func (t *Tx) ParticipantsOf(ctx context.Context, caseIDs []int64) (map[int64][]desk.Participant, error) {
	out := make(map[int64][]desk.Participant, len(caseIDs))
	err := t.idLists(caseIDs, 0, func(in string, list []any) error {
		return t.tx.eachRow(ctx, func(row scanner) error {
			var caseID int64
			p, err := scanParticipant(row, &caseID)
			if err != nil {
				return err
			}
			out[caseID] = append(out[caseID], p)
			return nil
		}, `SELECT case_id, kind, person_id, name, role, `+t.d.untyped("since")+` FROM participants WHERE case_id IN `+in+
			` ORDER BY since, kind, person_id`, list...)
	})
	if err != nil {
		return nil, fmt.Errorf("participants of %d cases: %w", len(caseIDs), err)
	}
	return out, nil
}

// Participants lists a case's participants in the order they joined.
func (t *Tx) Participants(ctx context.Context, caseID int64) ([]desk.Participant, error) {
	run := t.unheld() // unless participants of this case are held
	for _, p := range t.pend.participants {
		if p.CaseID == caseID {
			run = t.tx
			break
		}
	}
	out := []desk.Participant{}
	err := run.eachRow(ctx, appendTo(&out, func(row scanner) (desk.Participant, error) { return scanParticipant(row) }),
		`SELECT kind, person_id, name, role, `+t.d.untyped("since")+` FROM participants WHERE case_id = $1 ORDER BY since, kind, person_id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("participants of case %d: %w", caseID, err)
	}
	return out, nil
}

// scanParticipant reads (any extra columns first, then) kind, person_id, name, role, since.
func scanParticipant(row scanner, extra ...any) (desk.Participant, error) {
	var d struct { // one allocation for the destinations (see scanCase)
		p     desk.Participant
		kind  string
		since anyTime
	}
	err := row.Scan(append(extra, &d.kind, &d.p.PersonID, &d.p.Name, &d.p.Role, &d.since)...)
	d.p.Kind, d.p.Since = desk.ActorKind(d.kind), d.since.Time
	return d.p, err
}

const entryColumns = `id, case_id, seq, kind, at, actor_kind, actor_id, actor_name, internal, channel, body, data, prev_hash, hash`

// entryScan reads entryColumns (and any extra columns) row after row into one set of
// destinations, so a record of a hundred entries does not allocate them a hundred times.
type entryScan struct {
	e               desk.Entry
	kind, actorKind string
	data            []byte  // scanned straight into bytes: one copy of the text, not two
	at              anyTime // NULL only for a case without entries in WalkRecords
	dest            []any
}

func newEntryScan(extra ...any) *entryScan {
	s := &entryScan{}
	s.dest = append([]any{&s.e.ID, &s.e.CaseID, &s.e.Seq, &s.kind, &s.at, &s.actorKind, &s.e.Actor.ID, &s.e.Actor.Name, &s.e.Internal,
		&s.e.Channel, &s.e.Body, &s.data, &s.e.PrevHash, &s.e.Hash}, extra...)
	return s
}

func (s *entryScan) scan(row scanner) (desk.Entry, error) {
	s.e = desk.Entry{}
	if err := row.Scan(s.dest...); err != nil {
		return desk.Entry{}, err
	}
	e := s.e
	e.Kind, e.Actor.Kind, e.At = desk.EntryKind(s.kind), desk.ActorKind(s.actorKind), s.at.Time
	if len(s.data) > 0 {
		e.Data = s.data
	}
	return e, nil
}

// Entries lists a case's record, oldest first.
func (t *Tx) Entries(ctx context.Context, caseID int64) ([]desk.Entry, error) {
	return t.entries(ctx, caseID, 0, 0)
}

// Record is Entries for a case already loaded: its last seq sizes the list.
func (t *Tx) Record(ctx context.Context, c desk.Case) ([]desk.Entry, error) {
	return t.entries(ctx, c.ID, 0, int(min(c.LastSeq, 10_000)))
}

// EntriesAfter is the part of a case's record after seq afterSeq, oldest first: a record is
// never rewritten, so a reader that keeps its start reads only what was appended since.
func (t *Tx) EntriesAfter(ctx context.Context, c desk.Case, afterSeq int64) ([]desk.Entry, error) {
	return t.entries(ctx, c.ID, afterSeq, int(min(max(c.LastSeq-afterSeq, 0), 10_000)))
}

func (t *Tx) entries(ctx context.Context, caseID, afterSeq int64, size int) ([]desk.Entry, error) {
	// A record is the API's largest read, and the SQLite driver's cost is per column (reading a
	// record of 100 entries was a third of the case page's CPU): the case id is known, and the
	// four columns that hold only names and hex digests (kind, actor kind, the two hashes) come
	// as one text, split here into parts that share it. On SQLite "+at" has no declared type, so
	// the driver hands over the stored text and parseStoredTime reads it (see anyTime).
	rows, err := t.tx.QueryContext(ctx, `SELECT id, seq, kind || ' ' || actor_kind || ' ' || prev_hash || ' ' || hash, `+t.d.untyped("at")+`,
		actor_id, actor_name, internal, channel, body, data FROM entries WHERE case_id = $1 AND seq > $2 ORDER BY seq`, caseID, afterSeq)
	if err != nil {
		return nil, fmt.Errorf("record of case %d: %w", caseID, err)
	}
	defer rows.Close()
	out := make([]desk.Entry, 0, size)
	var e desk.Entry
	var names string
	var when anyTime
	var data []byte
	dest := []any{&e.ID, &e.Seq, &names, &when, &e.Actor.ID, &e.Actor.Name, &e.Internal, &e.Channel, &e.Body, &data}
	for rows.Next() {
		e = desk.Entry{}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("record of case %d: %w", caseID, err)
		}
		kind, rest, ok1 := strings.Cut(names, " ")
		actorKind, rest, ok2 := strings.Cut(rest, " ")
		prev, hash, ok3 := strings.Cut(rest, " ")
		if !ok1 || !ok2 || !ok3 || strings.Contains(hash, " ") {
			return nil, fmt.Errorf("record of case %d: entry %d: kinds and hashes %q do not split in four", caseID, e.ID, names)
		}
		e.CaseID, e.Kind, e.Actor.Kind, e.PrevHash, e.Hash, e.At = caseID, desk.EntryKind(kind), desk.ActorKind(actorKind), prev, hash, when.Time
		if len(data) > 0 {
			e.Data = data
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// EntriesByID loads entries by id, keyed by id.
func (t *Tx) EntriesByID(ctx context.Context, ids []int64) (map[int64]desk.Entry, error) {
	return byIDs(ctx, t, "load entries", ids, func(in string) string {
		return `SELECT ` + entryColumns + ` FROM entries WHERE id IN ` + in
	}, newEntryScan().scan, func(e desk.Entry) int64 { return e.ID })
}

// CaseHead is what a case row remembers of its record's end.
type CaseHead struct {
	CaseID   int64
	LastSeq  int64
	LastHash string
}

// WalkRecords streams every record (or one case's when caseID is not 0) in case and seq order,
// calling fn for each entry; a case with no entries is passed once with a zero entry.
func (t *Tx) WalkRecords(ctx context.Context, caseID int64, fn func(h CaseHead, e desk.Entry) error) error {
	q, args := narrowed(`SELECT COALESCE(e.id, 0), COALESCE(e.case_id, 0), COALESCE(e.seq, 0), COALESCE(e.kind, ''),
		e.at, COALESCE(e.actor_kind, ''), COALESCE(e.actor_id, 0), COALESCE(e.actor_name, ''), COALESCE(e.internal, FALSE),
		COALESCE(e.channel, ''), COALESCE(e.body, ''), COALESCE(e.data, ''), COALESCE(e.prev_hash, ''), COALESCE(e.hash, ''),
		c.id, c.last_seq, c.last_hash
		FROM cases c LEFT JOIN entries e ON e.case_id = c.id`, `c.id = $1`, caseID)
	var h CaseHead
	sc := newEntryScan(&h.CaseID, &h.LastSeq, &h.LastHash)
	return walkRows(ctx, t, "walk records", sc.scan, func(e desk.Entry) error { return fn(h, e) }, q+` ORDER BY c.id, e.seq`, args...)
}

// InboundKey finds the case an integration's message with this external id went to.
func (t *Tx) InboundKey(ctx context.Context, channel, externalID string) (caseID int64, err error) {
	err = t.tx.QueryRowContext(ctx, `SELECT case_id FROM inbound_keys WHERE channel = $1 AND external_id = $2`, channel, externalID).Scan(&caseID)
	if err != nil {
		return 0, fmt.Errorf("inbound key %s/%s: %w", channel, externalID, notFound(err))
	}
	return caseID, nil
}

// CaseSettings loads what the ladder needs for a case in one query: its team's settings (the
// desk's defaults for team 0), and the response target its case type sets (0 for none; see
// desk.TeamSettings.ForType).
func (t *Tx) CaseSettings(ctx context.Context, teamID int64, caseType string) (desk.TeamSettings, time.Duration, error) {
	var r teamRow
	var typeTarget int64
	// Cast parameters: see CustomerAt.
	// Unheld: nothing held writes teams or case types.
	err := t.unheld().QueryRowContext(ctx, `SELECT `+teamColumns+`, COALESCE((SELECT ct.response_target_s FROM case_types ct WHERE ct.name = CAST($2 AS TEXT)), 0)
		FROM (SELECT 1 AS one) o LEFT JOIN teams tm ON tm.id = CAST($1 AS BIGINT)`, teamID, caseType).Scan(append(r.dest(), &typeTarget)...)
	if err != nil {
		return desk.DefaultTeamSettings(), 0, fmt.Errorf("settings of team %d, type %q: %w", teamID, caseType, err)
	}
	if teamID != 0 && !r.id.Valid {
		return desk.DefaultTeamSettings(), 0, fmt.Errorf("team %d settings: %w", teamID, ErrNotFound)
	}
	s, err := t.teamSettings(r)
	return s, time.Duration(typeTarget) * time.Second, err
}

// InsertCases stores new cases set-wise and sets their ids: an import's batch writes its case
// rows in a few statements instead of one each (each would first make the writes held so far,
// see pending.go, so the batch's entries would go a case at a time). The ids are taken first
// (on SQLite the transaction is the only writer; on PostgreSQL from the id sequence), so the
// rows need not come back in order.
func (t *Tx) InsertCases(ctx context.Context, cases []*desk.Case) error {
	if len(cases) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(cases))
	if t.d.name == "postgres" {
		err := t.tx.eachRow(ctx, appendTo(&ids, scanValue[int64]),
			`SELECT nextval(pg_get_serial_sequence('cases', 'id')) FROM generate_series(1, $1::int)`, len(cases))
		if err != nil {
			return fmt.Errorf("insert %d cases: take ids: %w", len(cases), err)
		}
	} else {
		var last int64
		if err := t.tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM cases`).Scan(&last); err != nil {
			return fmt.Errorf("insert %d cases: take ids: %w", len(cases), err)
		}
		for i := range cases {
			ids = append(ids, last+int64(i)+1)
		}
	}
	if len(ids) != len(cases) {
		return fmt.Errorf("insert %d cases: %d ids taken", len(cases), len(ids))
	}
	const cols = 17
	err := chunks(len(cases), func(lo, hi int) error {
		args := make([]any, 0, cols*(hi-lo))
		for i, c := range cases[lo:hi] {
			args = append(args, ids[lo+i], c.CustomerID, c.Subject, string(c.Status), c.Type, nullID(c.TeamID), c.OwnerID, c.Rung, c.Channel,
				c.OriginalRequest, flagsJSON(c.Flags), c.LastSeq, c.LastHash, c.CreatedAt, c.UpdatedAt, priorityOf(*c), flagsJSON(c.Tags))
		}
		_, err := t.tx.ExecContext(ctx, `INSERT INTO cases (id, customer_id, subject, status, case_type, team_id, owner_id, rung, channel,
			original_request, flags, last_seq, last_hash, created_at, updated_at, priority, tags) VALUES `+t.d.valuesRows(hi-lo, cols), args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("insert %d cases: %w", len(cases), err)
	}
	for i, c := range cases {
		c.ID = ids[i]
		t.pend.countOpen(t.opens.inserted(*c))
		t.noteCases(c.ID)
		t.noteNewCase(c.ID)
	}
	return nil
}
