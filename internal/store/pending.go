package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// Set-wise writes. The writes a command makes most often — entries, case rows, participants,
// notifications, timer cancels, promise saves, outbox mails and the links of mails and
// integration messages to their entries — are held by the transaction and written a statement
// per table: just before the transaction's next statement of any other kind (a read sees every
// write made before it), before a savepoint ends, and before commit. A single command writes
// its few rows as it would have; a batch (a hundred promise breaks, a group of mails) that
// reads what it needs first and then runs each command's rules writes each table once.
//
// An entry's id is known only once it is written: AppendEntries sets the ids in the slice it
// was given at that moment, so keep the slice (not copies of its entries) to read them after
// commit. Rows that point at an entry appended in the same transaction (an outbox mail, a mail's
// link, an integration's key, a search text) name it by case and seq instead, and get its id
// when they are written.

// pending holds a transaction's writes not yet made (see above).
type pending struct {
	flushing bool

	entries      [][]desk.Entry // as given to AppendEntries: their ids are set here
	cases        latest[desk.Case]
	promises     latest[desk.Promise]
	reassigns    []caseOwner // written after the promise saves: a promise closed here stays with its owner
	cancels      []TimerRef
	timers       []heldTimer // HoldTimer: written after the cancels, which drop those held before them
	participants []CaseParticipant
	notes        []desk.Notification
	outbox       []OutMail
	mailLinks    []entryLink
	inboundKeys  []inboundKey
	opens        map[int64]int   // agent → change to their count of open cases (openlog.go)
	events       []WebhookEvent  // webhook events, each stored once (webhooks.go)
	runs         []automationRun // automations' runs on events that happen once (automations.go)

	// ids are the ids of the entries written in this transaction, by case and seq; idLog lists
	// their keys in the order written, so a savepoint rolled back can forget its own.
	ids   map[entryKey]int64
	idLog []entryKey
}

// written is how many entries the transaction has written so far (see forget).
func (p *pending) written() int { return len(p.idLog) }

// forget drops the ids of the entries written after the first n (their savepoint was rolled
// back).
func (p *pending) forget(n int) {
	for _, k := range p.idLog[n:] {
		delete(p.ids, k)
	}
	p.idLog = p.idLog[:n]
}

type entryKey struct{ caseID, seq int64 }

// caseOwner is a case's open promises of one owner (from) going to another (owner).
type caseOwner struct{ caseID, fromID, ownerID int64 }

// entryLink ties a stored mail to the entry it became.
type entryLink struct {
	mailID int64
	entry  entryKey
}

type inboundKey struct {
	channel, externalID string
	entry               entryKey
}

func (p *pending) empty() bool {
	return len(p.entries) == 0 && len(p.cases.rows) == 0 && len(p.promises.rows) == 0 && len(p.reassigns) == 0 && len(p.cancels) == 0 && len(p.timers) == 0 &&
		len(p.participants) == 0 && len(p.notes) == 0 && len(p.outbox) == 0 && len(p.mailLinks) == 0 && len(p.inboundKeys) == 0 &&
		len(p.opens) == 0 && len(p.events) == 0 && len(p.runs) == 0
}

// countOpen holds changes to agents' counts of open cases.
func (p *pending) countOpen(changes []openChange) {
	for _, c := range changes {
		if p.opens == nil {
			p.opens = map[int64]int{}
		}
		p.opens[c.agentID] += c.delta
	}
}

// drop forgets the writes not yet made (their savepoint was rolled back).
func (p *pending) drop() {
	ids, idLog, flushing := p.ids, p.idLog, p.flushing
	*p = pending{ids: ids, idLog: idLog, flushing: flushing}
}

// flush makes the writes pending on t, a statement per table, in an order that keeps each
// write's meaning: promise saves before reassigns, entries before the rows that name them.
func (t *Tx) flush(ctx context.Context) error {
	p := &t.pend
	if p.flushing || p.empty() {
		return nil
	}
	p.flushing = true
	defer func() { p.flushing = false }()
	w := *p
	p.drop()
	steps := []func() error{
		func() error { return t.savePromises(ctx, w.promises.rows) },
		func() error { return t.reassignPromises(ctx, w.reassigns) },
		func() error { return t.cancelTimers(ctx, w.cancels) },
		func() error { return t.addTimers(ctx, w.timers) },
		func() error { return t.addParticipants(ctx, w.participants) },
		func() error { return t.notify(ctx, w.notes) },
		func() error { return t.appendEntries(ctx, w.entries) },
		func() error { return t.linkMails(ctx, w.mailLinks) },
		func() error { return t.insertInboundKeys(ctx, w.inboundKeys) },
		func() error { return t.queueMails(ctx, w.outbox) },
		func() error { return t.insertEvents(ctx, w.events) },
		func() error { return t.insertAutomationRuns(ctx, w.runs) },
		func() error { return t.saveCases(ctx, w.cases.rows) },
		func() error { return t.writeOpenCounts(ctx, w.opens) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// unheld is t's statement runner for a statement that reads and writes nothing the held writes
// touch: it runs without making them first. The statements each mail of a group makes (its own
// row, its sender, the teams' settings, a new case's row) are such, so the held writes of a
// whole group go a statement per table at its commit instead of a statement per table for each
// mail (issue 21).
func (t *Tx) unheld() sqlTx {
	q := t.tx
	q.before = func(context.Context) error { return t.failed }
	return q
}

// Flush makes the writes held so far (see pending.go). Commands need not call it: every other
// statement and the commit do. A test of what a statement count costs may.
func (t *Tx) Flush(ctx context.Context) error { return t.flush(ctx) }

// entryID is the id of an entry written in this transaction (0 if it was not).
func (t *Tx) entryID(k entryKey) int64 { return t.pend.ids[k] }

// AppendEntries appends entries (chained by desk.Chain on a locked case row) to their records.
// Their ids are set in entries when they are written: keep the slice to read them.
func (t *Tx) AppendEntries(ctx context.Context, entries []desk.Entry) error {
	if len(entries) > 0 {
		t.pend.entries = append(t.pend.entries, entries)
	}
	for _, e := range entries {
		if rollKinds[e.Kind] {
			t.noteCases(e.CaseID)
		}
	}
	return nil
}

// SaveCase writes back what commands change on a case row. The case must have been loaded
// (Case, CasesForUpdate) or inserted in this transaction: its open count follows from both.
func (t *Tx) SaveCase(ctx context.Context, c desk.Case) error {
	t.pend.cases.put(c.ID, c)
	t.rollSaved(c)
	changes, err := t.opens.saved(c)
	t.pend.countOpen(changes)
	return err
}

// SavePromise writes back a promise's state, due time, owner, slips and words. The saves held
// are written before the reassigns held with them (ReassignOpenPromises): a promise saved
// closed stays with the owner it was saved with, so save it with the owner it has after any
// earlier reassign.
func (t *Tx) SavePromise(ctx context.Context, p desk.Promise) error {
	t.pend.promises.put(p.ID, p)
	t.noteCases(p.CaseID)
	return nil
}

// latest keeps the last version given of each row (by id), in the order each was first given:
// a row saved twice before the write is written once, as it ends.
type latest[T any] struct {
	rows []T
	at   map[int64]int
}

func (l *latest[T]) put(id int64, v T) {
	if i, ok := l.at[id]; ok {
		l.rows[i] = v
		return
	}
	if l.at == nil {
		l.at = map[int64]int{}
	}
	l.at[id] = len(l.rows)
	l.rows = append(l.rows, v)
}

// ReassignOpenPromises gives the open promises of a case that one owner (from) holds to another:
// a hand-over or an escalation moves the old owner's promises, and each other colleague keeps
// the promises they were given.
func (t *Tx) ReassignOpenPromises(ctx context.Context, caseID, fromID, ownerID int64) error {
	t.pend.reassigns = append(t.pend.reassigns, caseOwner{caseID, fromID, ownerID})
	t.noteCases(caseID)
	return nil
}

// CancelTimers removes the pending timers of each kind and ref.
func (t *Tx) CancelTimers(ctx context.Context, refs ...TimerRef) error {
	t.pend.cancels = append(t.pend.cancels, refs...)
	if len(t.pend.timers) > 0 {
		t.pend.timers = slices.DeleteFunc(t.pend.timers, func(h heldTimer) bool {
			return slices.Contains(refs, TimerRef{h.Kind, h.RefID})
		})
	}
	return nil
}

// CaseParticipant is a participant of one case.
type CaseParticipant struct {
	CaseID int64
	desk.Participant
}

// AddParticipants records people acting on cases; someone already on a case keeps their first
// date.
func (t *Tx) AddParticipants(ctx context.Context, ps ...CaseParticipant) error {
	t.pend.participants = append(t.pend.participants, ps...)
	return nil
}

// Notify stores a notification for an agent.
func (t *Tx) Notify(ctx context.Context, n desk.Notification) error {
	t.pend.notes = append(t.pend.notes, n)
	return nil
}

// QueueMail stores a mail to send, due at now. Call it in the transaction that stores the entry
// the mail carries (named by CaseID and EntrySeq), so the mail exists exactly when the entry
// does. A mail whose MessageID is queued already is not queued again, so a command that runs
// twice mails once.
func (t *Tx) QueueMail(ctx context.Context, m OutMail, now time.Time) error {
	if err := m.check(); err != nil {
		return err
	}
	m.CreatedAt = dbTime(now)
	t.pend.outbox = append(t.pend.outbox, m)
	return nil
}

// SetMailEntry records the case and entry (its seq) a stored mail became.
func (t *Tx) SetMailEntry(ctx context.Context, mailID, caseID, seq int64) error {
	t.pend.mailLinks = append(t.pend.mailLinks, entryLink{mailID, entryKey{caseID, seq}})
	return nil
}

// InsertInboundKey remembers the entry (case and seq) an integration's message became, so a
// retry is stored once.
func (t *Tx) InsertInboundKey(ctx context.Context, channel, externalID string, caseID, seq int64) error {
	t.pend.inboundKeys = append(t.pend.inboundKeys, inboundKey{channel, externalID, entryKey{caseID, seq}})
	return nil
}

// The writes themselves, a statement per table (or per chunk of rows on SQLite).

func (t *Tx) savePromises(ctx context.Context, ps []desk.Promise) error {
	type row struct {
		ID     int64   `json:"id"`
		Owner  int64   `json:"owner_id"`
		DueAt  string  `json:"due_at"`
		State  string  `json:"state"`
		Slips  int     `json:"slips"`
		Words  string  `json:"words"`
		DoneAt *string `json:"done_at"`
	}
	slices.SortFunc(ps, func(a, b desk.Promise) int { return cmp.Compare(a.ID, b.ID) }) // locks taken in one order
	return writeRows(ctx, t, ps, func(p desk.Promise) row {
		r := row{ID: p.ID, Owner: p.OwnerID, DueAt: t.d.timeParam(p.DueAt), State: string(p.State), Slips: p.Slips, Words: p.Words}
		if p.DoneAt != nil {
			d := t.d.timeParam(*p.DoneAt)
			r.DoneAt = &d
		}
		return r
	}, "save %d promises", `UPDATE promises SET owner_id = j.owner_id,
		due_at = `+t.d.timeColumn("j.due_at")+`, state = j.state, slips = j.slips, words = j.words, done_at = `+t.d.timeColumn("j.done_at")+`
		FROM `+t.d.rowsOf("id BIGINT", "owner_id BIGINT", "due_at TEXT", "state TEXT", "slips INTEGER", "words TEXT", "done_at TEXT")+` WHERE promises.id = j.id`)
}

func (t *Tx) reassignPromises(ctx context.Context, rs []caseOwner) error {
	if len(rs) == 0 {
		return nil
	}
	type row struct {
		CaseID  int64 `json:"case_id"`
		FromID  int64 `json:"from_id"`
		OwnerID int64 `json:"owner_id"`
	}
	// Reassigns of one case in one write compose: A to B, then B to C, is A (and B) to C, so
	// each promise matches one row.
	type key struct{ caseID, fromID int64 }
	last := map[key]int64{}
	for _, r := range rs {
		for k, to := range last {
			if k.caseID == r.caseID && to == r.fromID {
				last[k] = r.ownerID
			}
		}
		if _, ok := last[key{r.caseID, r.fromID}]; !ok {
			last[key{r.caseID, r.fromID}] = r.ownerID
		}
	}
	rows := make([]row, 0, len(last))
	for k, o := range last {
		if k.fromID != o {
			rows = append(rows, row{k.caseID, k.fromID, o})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	slices.SortFunc(rows, func(a, b row) int { // locks taken in one order
		return cmp.Or(cmp.Compare(a.CaseID, b.CaseID), cmp.Compare(a.FromID, b.FromID))
	})
	// The state compared without its index (dialect.unindexed): SQLite without statistics
	// otherwise walked every open promise for two rows or more, where it now finds each case's.
	return t.execRows(ctx, fmt.Sprintf("reassign promises of %d cases", len(rows)), `UPDATE promises SET owner_id = j.owner_id
		FROM `+t.d.rowsOf("case_id BIGINT", "from_id BIGINT", "owner_id BIGINT")+` WHERE promises.case_id = j.case_id
		AND promises.owner_id = j.from_id AND `+t.d.unindexed("promises.state")+` = 'open'`, rows)
}

func (t *Tx) cancelTimers(ctx context.Context, refs []TimerRef) error {
	type row struct {
		Kind  string `json:"kind"`
		RefID int64  `json:"ref_id"`
	}
	// The state compared without its index (dialect.unindexed): SQLite without statistics
	// otherwise walked every pending timer for a cancel of two refs or more, where it now finds
	// each ref's timers by kind and ref.
	return writeRows(ctx, t, refs, func(r TimerRef) row { return row{r.Kind, r.RefID} }, "cancel %d timers", `DELETE FROM timers WHERE id IN (SELECT tm.id
		FROM `+t.d.rowsOf("kind TEXT", "ref_id BIGINT")+` JOIN timers tm ON tm.kind = j.kind AND tm.ref_id = j.ref_id WHERE `+t.d.unindexed("tm.state")+` = 'pending')`)
}

func (t *Tx) addParticipants(ctx context.Context, ps []CaseParticipant) error {
	type row struct {
		CaseID   int64  `json:"case_id"`
		Kind     string `json:"kind"`
		PersonID int64  `json:"person_id"`
		Name     string `json:"name"`
		Role     string `json:"role"`
		Since    string `json:"since"`
	}
	// WHERE true: without it SQLite would read ON CONFLICT as part of the SELECT's join.
	return writeRows(ctx, t, ps, func(p CaseParticipant) row {
		return row{p.CaseID, string(p.Kind), p.PersonID, p.Name, p.Role, t.d.timeParam(p.Since)}
	}, "add %d participants", `INSERT INTO participants (case_id, kind, person_id, name, role, since)
		SELECT j.case_id, j.kind, j.person_id, j.name, j.role, `+t.d.timeColumn("j.since")+`
		FROM `+t.d.rowsOf("case_id BIGINT", "kind TEXT", "person_id BIGINT", "name TEXT", "role TEXT", "since TEXT")+` WHERE true
		ON CONFLICT (case_id, kind, person_id) DO NOTHING`)
}

func (t *Tx) notify(ctx context.Context, ns []desk.Notification) error {
	type row struct {
		AgentID   int64  `json:"agent_id"`
		CaseID    int64  `json:"case_id"`
		Kind      string `json:"kind"`
		Body      string `json:"body"`
		Key       string `json:"detail_key"`
		Args      string `json:"detail_args"`
		CreatedAt string `json:"created_at"`
	}
	return writeRows(ctx, t, ns, func(n desk.Notification) row {
		return row{n.AgentID, n.CaseID, n.Kind, n.Body, n.Key, noteArgs(n.Args), t.d.timeParam(n.CreatedAt)}
	}, "notify agents (%d notifications)",
		`INSERT INTO notifications (agent_id, case_id, kind, body, detail_key, detail_args, created_at)
		SELECT j.agent_id, j.case_id, j.kind, j.body, j.detail_key, j.detail_args, `+t.d.timeColumn("j.created_at")+` FROM `+
			t.d.rowsOf("agent_id BIGINT", "case_id BIGINT", "kind TEXT", "body TEXT", "detail_key TEXT", "detail_args TEXT", "created_at TEXT"))
}

// noteArgs is a notification's arguments as their column keeps them (strings, numbers and
// times: they always encode).
func noteArgs(args []desk.NoteArg) string {
	if len(args) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(args)
	return string(b)
}

// mailLink is a row of linkMails: a stored mail and the entry it became.
type mailLink struct {
	ID     int64 `json:"id"`
	CaseID int64 `json:"case_id"`
	Seq    int64 `json:"seq"`
}

func (t *Tx) linkMails(ctx context.Context, links []entryLink) error {
	return writeRows(ctx, t, links, func(l entryLink) mailLink { return mailLink{l.mailID, l.entry.caseID, l.entry.seq} }, "link %d mails", linkMailsSQL(t.d))
}

// linkMailsSQL is linkMails' statement.
func linkMailsSQL(d dialect) string {
	return `UPDATE mails SET case_id = j.case_id, entry_id = (SELECT e.id FROM entries e WHERE e.case_id = j.case_id AND e.seq = j.seq)
		FROM ` + d.rowsOf("id BIGINT", "case_id BIGINT", "seq BIGINT") + ` WHERE mails.id = j.id`
}

func (t *Tx) insertInboundKeys(ctx context.Context, keys []inboundKey) error {
	type row struct {
		Channel    string `json:"channel"`
		ExternalID string `json:"external_id"`
		CaseID     int64  `json:"case_id"`
		Seq        int64  `json:"seq"`
	}
	return writeRows(ctx, t, keys, func(k inboundKey) row {
		return row{k.channel, k.externalID, k.entry.caseID, k.entry.seq}
	}, "store %d inbound keys", `INSERT INTO inbound_keys (channel, external_id, case_id, entry_id)
		SELECT j.channel, j.external_id, j.case_id, e.id FROM `+
		t.d.rowsOf("channel TEXT", "external_id TEXT", "case_id BIGINT", "seq BIGINT")+`
		JOIN entries e ON e.case_id = j.case_id AND e.seq = j.seq`)
}

func (t *Tx) saveCases(ctx context.Context, cases []desk.Case) error {
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
		UpdatedAt  string `json:"updated_at"`
		Priority   string `json:"priority"`
		Tags       string `json:"tags"`
		CC         string `json:"cc"`
		BCC        string `json:"bcc"`
		Since      string `json:"waiting_since"`
		Until      string `json:"waiting_until"`
		MergedInto int64  `json:"merged_into"`
	}
	slices.SortFunc(cases, func(a, b desk.Case) int { return cmp.Compare(a.ID, b.ID) }) // locks taken in one order
	// A save that leaves the row's indexed columns as they are (a reply, a note, a promise) sets
	// only the others: SQLite rewrites every index on a column the statement sets, even to the
	// value it had, and six of the ten indexes on cases are on those columns.
	var full, light []desk.Case
	for _, c := range cases {
		if was, ok := t.rowKeys[c.ID]; ok && was == t.keysOf(c) {
			light = append(light, c)
		} else {
			full = append(full, c)
		}
	}
	rowOf := func(c desk.Case) row {
		return row{c.ID, c.Subject, string(c.Status), c.Type, c.TeamID, c.OwnerID, c.Rung, flagsJSON(c.Flags), c.Unanswered, c.Step,
			c.Resolution, c.ResolvedBy, c.LastSeq, c.LastHash, c.PartnerID, t.d.timeParam(c.UpdatedAt), priorityOf(c), flagsJSON(c.Tags),
			flagsJSON(c.CC), flagsJSON(c.BCC), t.optTimeParam(c.WaitingSince), t.optTimeParam(c.WaitingUntil), c.MergedInto}
	}
	from := ` FROM ` + t.d.rowsOf("id BIGINT", "subject TEXT", "status TEXT", "case_type TEXT", "team_id BIGINT", "owner_id BIGINT", "rung INTEGER",
		"flags TEXT", "unanswered INTEGER", "step INTEGER", "resolution TEXT", "resolved_by BIGINT", "last_seq BIGINT", "last_hash TEXT",
		"partner_id BIGINT", "updated_at TEXT", "priority TEXT", "tags TEXT",
		"cc TEXT", "bcc TEXT", "waiting_since TEXT", "waiting_until TEXT", "merged_into BIGINT") + ` WHERE cases.id = j.id`
	others := `subject = j.subject, case_type = j.case_type, rung = j.rung, flags = j.flags, unanswered = j.unanswered, step = j.step,
		resolution = j.resolution, resolved_by = j.resolved_by, last_seq = j.last_seq, last_hash = j.last_hash,
		updated_at = ` + t.d.timeColumn("j.updated_at") + `, tags = j.tags, cc = j.cc, bcc = j.bcc,
		waiting_until = ` + t.d.timeColumn("NULLIF(j.waiting_until, '')") + `, merged_into = j.merged_into`
	if err := writeRows(ctx, t, full, rowOf, "save %d cases", `UPDATE cases SET `+others+`, status = j.status, team_id = NULLIF(j.team_id, 0),
		owner_id = NULLIF(j.owner_id, 0), partner_id = NULLIF(j.partner_id, 0), priority = j.priority,
		waiting_since = `+t.d.timeColumn("NULLIF(j.waiting_since, '')")+from); err != nil {
		return err
	}
	if err := writeRows(ctx, t, light, rowOf, "save %d cases", `UPDATE cases SET `+others+from); err != nil {
		return err
	}
	for _, c := range cases {
		t.rowHolds(c)
	}
	return nil
}

// caseKeys is what a case row holds in the columns of its indexes, updated_at aside (it changes
// with every save): status, owner, team, partner, priority, and since when it waits.
type caseKeys struct {
	status                 desk.Status
	owner, team, partner   int64
	priority, waitingSince string
}

func (t *Tx) keysOf(c desk.Case) caseKeys {
	return caseKeys{c.Status, c.OwnerID, c.TeamID, c.PartnerID, priorityOf(c), t.optTimeParam(c.WaitingSince)}
}

// rowHolds records a case as its row now holds it: loaded, inserted or saved in this write.
func (t *Tx) rowHolds(c desk.Case) {
	if t.rowKeys == nil {
		t.rowKeys = map[int64]caseKeys{}
	}
	t.rowKeys[c.ID] = t.keysOf(c)
}

// optTimeParam is timeParam for a time that may be unset: "" (NULL once read) when zero.
func (t *Tx) optTimeParam(at time.Time) string {
	if at.IsZero() {
		return ""
	}
	return t.d.timeParam(at)
}

// writeRows runs q with items turned into rows by row, as its one JSON parameter, and nothing
// when there are none. what formats the count of rows for an error.
func writeRows[T, R any](ctx context.Context, t *Tx, items []T, row func(T) R, what, q string) error {
	if len(items) == 0 {
		return nil
	}
	rows := make([]R, len(items))
	for i, it := range items {
		rows[i] = row(it)
	}
	return t.execRows(ctx, fmt.Sprintf(what, len(items)), q, rows)
}

// execRows runs q, whose FROM item rowsOf reads rows (a slice of structs whose fields' JSON keys
// name its columns). On PostgreSQL the rows are its parameters, an array a column: the
// statement's text is the same for any number of rows. On SQLite they are bound values of
// multi-row VALUES, in chunks (see chunkSizes). A statement that reads them with jsonRows(1, …)
// instead gets them as one JSON parameter on both. what names the rows in an error.
func (t *Tx) execRows(ctx context.Context, what, q string, rows any) error {
	var err error
	if t.d.name == "sqlite" && strings.Contains(q, rowsMark) {
		err = t.execValues(ctx, q, reflect.ValueOf(rows))
	} else {
		var args []any
		if args, err = t.d.rowsArgs(q, rows); err == nil {
			_, err = t.tx.ExecContext(ctx, q, args...)
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// rowsArgs are the parameters of statement q for rows: an array a column where rowsOf marked
// them (PostgreSQL), else the one JSON document jsonRows(1, …) reads.
func (d dialect) rowsArgs(q string, rows any) ([]any, error) {
	if !strings.Contains(q, rowsMark) {
		list, err := d.jsonArg(rows)
		return []any{list}, err
	}
	_, _, fields, err := markedFields(q, reflect.TypeOf(rows).Elem())
	if err != nil {
		return nil, err
	}
	return columnArrays(reflect.ValueOf(rows), fields), nil
}

// markedFields finds the column names rowsOf marked in q (between start and end) and the
// fields of the row type typ whose JSON keys they are, in the marked order.
func markedFields(q string, typ reflect.Type) (start, end int, fields []int, err error) {
	start = strings.Index(q, rowsMark)
	end = strings.Index(q[start:], rowsMarkEnd)
	if end < 0 {
		return 0, 0, nil, fmt.Errorf("rowsOf's mark not closed: %.60s", q)
	}
	end += start
	names := strings.Fields(q[start+len(rowsMark) : end])
	fields = make([]int, len(names))
	for i, name := range names {
		fields[i] = -1
		for f := range typ.NumField() {
			if key, _, _ := strings.Cut(typ.Field(f).Tag.Get("json"), ","); key == name {
				fields[i] = f
			}
		}
		if fields[i] < 0 {
			return 0, 0, nil, fmt.Errorf("rows of %s have no field %q", typ, name)
		}
	}
	return start, end, fields, nil
}

// columnArrays are the fields of rows (a slice of structs) as arrays, one a field, for rowsOf's
// unnest on PostgreSQL: pgx sends them in binary, where a JSON document of the rows was parsed
// into jsonb whole before the statement began, and the planner took it to hold 100 rows
// whatever it held (an UPDATE … FROM of a few rows then scanned a small table whole).
func columnArrays(rows reflect.Value, fields []int) []any {
	typ := rows.Type().Elem()
	out := make([]any, len(fields))
	for i, f := range fields {
		col := reflect.MakeSlice(reflect.SliceOf(typ.Field(f).Type), rows.Len(), rows.Len())
		for r := range rows.Len() {
			col.Index(r).Set(rows.Index(r).Field(f))
		}
		out[i] = col.Interface()
	}
	return out
}

// execValues runs q of rowsOf on SQLite: the marked column names are replaced by a chunk's
// placeholders, bound to the rows' fields of those JSON keys.
func (t *Tx) execValues(ctx context.Context, q string, rows reflect.Value) error {
	start, end, fields, err := markedFields(q, rows.Type().Elem())
	if err != nil {
		return err
	}
	texts := boxes{}
	return chunks(rows.Len(), func(lo, hi int) error {
		args := make([]any, 0, len(fields)*(hi-lo))
		for i := lo; i < hi; i++ {
			r := rows.Index(i)
			for _, f := range fields {
				v := r.Field(f)
				if v.Kind() == reflect.Pointer { // an optional value: NULL when unset
					if v.IsNil() {
						args = append(args, nil)
						continue
					}
					v = v.Elem()
				}
				args = append(args, plain(v, texts))
			}
		}
		_, err := t.tx.ExecContext(ctx, q[:start]+valuesRows(hi-lo, len(fields))+q[end+len(rowsMarkEnd):], args...)
		return err
	})
}

// plain is v as a bound value: v.Interface() copies every value it boxes to a new allocation;
// an int or bool boxed as itself does not allocate for small or zero values, a text is boxed
// once a statement (boxes), and the driver takes int64 for any int.
func plain(v reflect.Value, texts boxes) any {
	switch v.Kind() {
	case reflect.String:
		return texts.of(v.String())
	case reflect.Int, reflect.Int64, reflect.Int32:
		return v.Int()
	case reflect.Bool:
		return v.Bool()
	}
	return v.Interface()
}

// appendEntries writes the entries of AppendEntries and sets their ids: on SQLite in chunks of
// multi-row VALUES (see chunkSizes) with the ids taken first, on PostgreSQL as arrays, a
// column each, the ids read back.
func (t *Tx) appendEntries(ctx context.Context, lists [][]desk.Entry) error {
	var all []*desk.Entry
	for _, l := range lists {
		for i := range l {
			all = append(all, &l[i])
		}
	}
	if len(all) == 0 {
		return nil
	}
	if t.pend.ids == nil {
		t.pend.ids = make(map[entryKey]int64, len(all))
	}
	written := func(e *desk.Entry, id int64) {
		k := entryKey{e.CaseID, e.Seq}
		e.ID = id
		t.pend.ids[k] = id
		t.pend.idLog = append(t.pend.idLog, k)
	}
	const cols = `case_id, seq, kind, at, actor_kind, actor_id, actor_name, internal, channel, body, data, prev_hash, hash`
	if t.d.name == "sqlite" {
		// The ids are taken first, as SQLite would give them (the transaction is the only
		// writer, see InsertCases): reading each row's id back (RETURNING) cost an import's
		// writer a fifth of its entries' insert.
		var last int64
		if err := t.tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM entries`).Scan(&last); err != nil {
			return fmt.Errorf("append %d entries: take ids: %w", len(all), err)
		}
		texts := boxes{}
		var at time.Time
		var atArg any // a batch's entries are mostly of one time: boxed once
		err := chunks(len(all), func(lo, hi int) error {
			args := make([]any, 0, 14*(hi-lo))
			for i, e := range all[lo:hi] {
				if atArg == nil || !e.At.Equal(at) {
					at, atArg = e.At, dbTime(e.At)
				}
				args = append(args, last+int64(lo+i)+1, e.CaseID, e.Seq, texts.of(string(e.Kind)), atArg, texts.of(string(e.Actor.Kind)), e.Actor.ID,
					texts.of(e.Actor.Name), e.Internal, texts.of(e.Channel), e.Body, string(e.Data), e.PrevHash, e.Hash)
			}
			_, err := t.tx.ExecContext(ctx, `INSERT INTO entries (id, `+cols+`) VALUES `+valuesRows(hi-lo, 14), args...)
			return err
		})
		if err != nil {
			first := all[0]
			return fmt.Errorf("append %d entries (case %d seq %d first): %w", len(all), first.CaseID, first.Seq, err)
		}
		for i, e := range all {
			written(e, last+int64(i)+1)
		}
		return nil
	}
	byKey := make(map[entryKey]*desk.Entry, len(all)) // RETURNING promises no order
	for _, e := range all {
		byKey[entryKey{e.CaseID, e.Seq}] = e
	}
	returned := 0
	read := func(rows *sql.Rows) error {
		defer rows.Close()
		for rows.Next() {
			var k entryKey
			var id int64
			if err := rows.Scan(&id, &k.caseID, &k.seq); err != nil {
				return err
			}
			if e := byKey[k]; e != nil {
				written(e, id)
				returned++
			}
		}
		return rows.Err()
	}
	// On PostgreSQL the entries go through rowsOf, as arrays, which pgx sends in binary: as one
	// JSON document the server parsed every body into jsonb before the insert began (bind, 0.4 s
	// of an import's batch of 11,000 entries: as long as the insert itself).
	type row struct {
		CaseID    int64     `json:"case_id"`
		Seq       int64     `json:"seq"`
		Kind      string    `json:"kind"`
		At        time.Time `json:"at"`
		ActorKind string    `json:"actor_kind"`
		ActorID   int64     `json:"actor_id"`
		ActorName string    `json:"actor_name"`
		Internal  bool      `json:"internal"`
		Channel   string    `json:"channel"`
		Body      string    `json:"body"`
		Data      string    `json:"data"`
		PrevHash  string    `json:"prev_hash"`
		Hash      string    `json:"hash"`
	}
	list := make([]row, len(all))
	for i, e := range all {
		list[i] = row{e.CaseID, e.Seq, string(e.Kind), dbTime(e.At), string(e.Actor.Kind), e.Actor.ID, e.Actor.Name, e.Internal,
			e.Channel, e.Body, string(e.Data), e.PrevHash, e.Hash}
	}
	q := `INSERT INTO entries (` + cols + `) SELECT * FROM ` + t.d.rowsOf("case_id BIGINT", "seq BIGINT", "kind TEXT", "at TIMESTAMPTZ",
		"actor_kind TEXT", "actor_id BIGINT", "actor_name TEXT", "internal BOOLEAN", "channel TEXT", "body TEXT", "data TEXT", "prev_hash TEXT",
		"hash TEXT") + ` RETURNING id, case_id, seq`
	args, err := t.d.rowsArgs(q, list)
	var rows *sql.Rows
	if err == nil {
		rows, err = t.tx.QueryContext(ctx, q, args...)
	}
	if err == nil {
		err = read(rows)
	}
	if err != nil {
		first := all[0]
		return fmt.Errorf("append %d entries (case %d seq %d first): %w", len(all), first.CaseID, first.Seq, err)
	}
	if returned != len(all) {
		return fmt.Errorf("append entries: %d of %d returned their ids", returned, len(all))
	}
	return nil
}

// queueMails writes the mails of QueueMail, with the ids of the entries they carry, in chunks of
// multi-row VALUES: their raw bytes go as they are, not inside JSON.
func (t *Tx) queueMails(ctx context.Context, mails []OutMail) error {
	for i := range mails {
		m := &mails[i]
		if m.EntryID == 0 && m.EntrySeq != 0 {
			if m.EntryID = t.entryID(entryKey{m.CaseID, m.EntrySeq}); m.EntryID == 0 {
				return fmt.Errorf("queue mail %q: entry %d of case %d was not written in this transaction", m.MessageID, m.EntrySeq, m.CaseID)
			}
		}
	}
	return chunks(len(mails), func(lo, hi int) error {
		args := make([]any, 0, 10*(hi-lo))
		for _, m := range mails[lo:hi] {
			args = append(args, m.CaseID, m.EntryID, m.From, m.To, m.MessageID, m.Raw, m.Automatic, m.CreatedAt, m.CreatedAt, flagsJSON(m.Also))
		}
		// DO NOTHING: a mail queued already (the same Message-ID) stays as it is.
		_, err := t.tx.ExecContext(ctx, `INSERT INTO outbox (case_id, entry_id, from_addr, to_addr, message_id, raw, automatic, next_at, created_at, also_to)
			VALUES `+t.d.valuesRows(hi-lo, 10)+` ON CONFLICT (message_id) DO NOTHING`, args...)
		if err != nil {
			return fmt.Errorf("queue %d mails (%q first): %w", hi-lo, mails[lo].MessageID, err)
		}
		return nil
	})
}
