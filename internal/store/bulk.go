package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/keptdesk/kept/internal/desk"
)

// The bulk path writes generated desks (kept bench) straight into the tables, many thousand
// rows per statement and transaction, instead of one command per row. It writes the rows the
// commands would have written — the same tables, columns and value forms as InsertCase,
// InsertEntries, Index, InsertPromise and AddTimer — so every other part of Kept (the API,
// search, the timers, kept verify) reads them as its own. Ids of customers, cases, entries and
// promises are chosen by the caller (from NextIDs), because entries, search rows and timers
// refer to them before the batch is written.

// BulkParticipant is a participant of one case.
type BulkParticipant struct {
	CaseID int64
	desk.Participant
}

// BulkOutcome is a resolution's outcome (resolution_outcomes), as Confirm records it.
type BulkOutcome struct {
	CaseID  int64
	AgentID int64
	Outcome string
	At      time.Time
}

// BulkBatch is one transaction of generated rows. Customers (with their contact points and
// references), cases, entries and promises carry their ids; absences and timers get theirs
// from the database. Docs are search texts as Index takes them.
type BulkBatch struct {
	Customers    []desk.Customer
	Absences     []desk.Absence
	Cases        []desk.Case
	Participants []BulkParticipant
	Entries      []desk.Entry
	Docs         []SearchDoc
	Promises     []desk.Promise
	Timers       []BulkTimer
	Outcomes     []BulkOutcome
}

// BulkTimer is a timer with the time the command that stored it ran.
type BulkTimer struct {
	Timer
	CreatedAt time.Time
}

// BulkIDs are the next free ids of the tables whose ids a bulk writer chooses.
type BulkIDs struct {
	Customer, Case, Entry, Promise int64
}

// NextIDs returns the next free ids for a bulk load.
func (s *Store) NextIDs(ctx context.Context) (BulkIDs, error) {
	var ids BulkIDs
	for _, q := range []struct {
		table string
		dst   *int64
	}{{"customers", &ids.Customer}, {"cases", &ids.Case}, {"entries", &ids.Entry}, {"promises", &ids.Promise}} {
		if err := s.reader.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM `+q.table).Scan(q.dst); err != nil {
			return ids, fmt.Errorf("next id of %s: %w", q.table, err)
		}
	}
	return ids, nil
}

// Bulk is a bulk load in progress: it holds the writer's connection until Close.
type Bulk struct {
	s           *Store
	conn        *sql.Conn
	skipAnalyze bool
	texts       bool // it wrote search texts
}

// SkipAnalyze leaves out gathering statistics (and, on SQLite, the checkpoint) at Close: for a
// small load into tables that already have their statistics.
func (b *Bulk) SkipAnalyze() { b.skipAnalyze = true }

// bulkPragmas are SQLite's settings for a bulk load and the ones the store runs with, which
// Close restores: a crash in the middle of a load loses the load, never the database (WAL
// stays on), and the page cache holds the indexes being filled.
var bulkPragmas = [][2]string{
	{"synchronous", "OFF"},
	{"cache_size", "-262144"}, // 256 MiB
	{"temp_store", "MEMORY"},
}

// Bulk starts a bulk load. On SQLite it takes the single writer connection, so commands wait
// until Close.
func (s *Store) Bulk(ctx context.Context) (*Bulk, error) {
	conn, err := s.writer.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("bulk load: %w", err)
	}
	b := &Bulk{s: s, conn: conn}
	if s.d.name == "sqlite" {
		for _, p := range bulkPragmas {
			if _, err := conn.ExecContext(ctx, "PRAGMA "+p[0]+" = "+p[1]); err != nil {
				conn.Close()
				return nil, fmt.Errorf("bulk load: pragma %s: %w", p[0], err)
			}
		}
	}
	return b, nil
}

// Close ends the bulk load: on SQLite it folds the WAL into the database and then closes the
// load's connection, so that the writer starts afresh with the store's own settings and
// without the load's page cache (up to 256 MiB that SQLite would otherwise keep, and modernc
// does not give back); on PostgreSQL it moves the id sequences past the ids written and
// gathers the planner's statistics (ANALYZE), which right after a load would describe empty
// tables.
//
// Then, if it wrote search texts, it seals the word index's chunks the load made whole and copies its other texts into
// the recent tables (search_chunks.go); until then, a search reads those from the main index.
func (b *Bulk) Close(ctx context.Context) error {
	if err := b.close(ctx); err != nil || !b.texts {
		return err
	}
	if _, err := b.s.SealSearch(ctx, nil); err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	return nil
}

func (b *Bulk) close(ctx context.Context) error {
	if b.s.d.name == "sqlite" {
		var errs []error
		if !b.skipAnalyze {
			if _, err := b.conn.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
				errs = append(errs, fmt.Errorf("checkpoint: %w", err))
			}
			if _, err := b.conn.ExecContext(ctx, "ANALYZE"); err != nil {
				errs = append(errs, fmt.Errorf("analyze: %w", err))
			} else if err := dropSamples(ctx, b.conn); err != nil {
				errs = append(errs, err)
			}
		}
		// A connection given back as bad is closed, not pooled: the next write opens a new one
		// through the connector (openSQLite), with synchronous FULL and temp_store MEMORY.
		_ = b.conn.Raw(func(any) error { return driver.ErrBadConn })
		return errors.Join(errs...)
	}
	defer b.conn.Close()
	for _, table := range []string{"customers", "cases", "entries", "promises"} {
		q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%[1]s', 'id'), GREATEST((SELECT MAX(id) FROM %[1]s), 1))`, table)
		if _, err := b.conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("bulk load: move the id sequence of %s: %w", table, err)
		}
	}
	if b.skipAnalyze {
		return nil
	}
	if err := b.s.GatherStatistics(ctx); err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	return nil
}

// dropSamples removes ANALYZE's samples (sqlite_stat4, in builds that gather them, as
// modernc's does), keeping its per-index averages (sqlite_stat1). Given samples, SQLite plans a
// statement anew each time a value bound to an indexed column changes, so no prepared
// statement was reused: at scale M planning again was 8.5% of the case page's CPU, 7% of the
// inbox's, and a search within a few cases twice as slow at scale S (FTS5 looks each word up
// with such a statement). Without samples the case page took a fifth less CPU at M, and
// searches the same (BENCHMARKS.md).
func dropSamples(ctx context.Context, q queryer) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_schema WHERE name = 'sqlite_stat4'`).Scan(&n); err != nil || n == 0 {
		return err
	}
	res, err := q.ExecContext(ctx, `DELETE FROM sqlite_stat4`)
	if err != nil {
		return fmt.Errorf("drop the planner's samples: %w", err)
	}
	if gone, err := res.RowsAffected(); err != nil || gone == 0 {
		return err
	}
	// Read the statistics again (this connection; others as they open).
	if _, err := q.ExecContext(ctx, `ANALYZE sqlite_schema`); err != nil {
		return fmt.Errorf("reload statistics: %w", err)
	}
	return nil
}

// Write stores one batch in one transaction.
func (b *Bulk) Write(ctx context.Context, batch *BulkBatch) error {
	b.texts = b.texts || len(batch.Docs) > 0
	if b.s.d.name == "postgres" {
		return b.conn.Raw(func(dc any) error {
			sc, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("bulk load: the PostgreSQL connection is a %T, not pgx's", dc)
			}
			return writePostgres(ctx, sc.Conn(), batch)
		})
	}
	tx, err := b.conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("bulk load: begin: %w", err)
	}
	if err := writeSQLite(ctx, tx, batch); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("bulk load: commit: %w", err)
	}
	return nil
}

// bulkTable is one table's rows as columns of values, in the forms the normal paths bind.
type bulkTable struct {
	name     string
	cols     []string
	rows     [][]any
	conflict string // SQLite: what the normal path says on a conflict ("" for nothing)
}

func (t *bulkTable) add(vals ...any) { t.rows = append(t.rows, vals) }

// tables turns a batch into rows, parents before children. Search texts come last; on
// PostgreSQL their words go through a staging table (see writePostgres).
func tables(batch *BulkBatch) []*bulkTable {
	customers := &bulkTable{name: "customers", cols: []string{"id", "name", "created_at"}}
	contacts := &bulkTable{name: "contact_points", cols: []string{"customer_id", "kind", "value"}}
	refs := &bulkTable{name: "customer_refs", cols: []string{"customer_id", "kind", "value", "key", "created_at"},
		conflict: " ON CONFLICT (customer_id, kind, key) DO NOTHING"}
	for _, c := range batch.Customers {
		customers.add(c.ID, c.Name, c.CreatedAt)
		for _, p := range c.Contacts {
			contacts.add(c.ID, p.Kind, p.Value)
		}
		for _, r := range c.References {
			refs.add(c.ID, r.Kind, r.Value, r.Key, c.CreatedAt)
		}
	}
	absences := &bulkTable{name: "absences", cols: []string{"agent_id", "kind", "from_at", "to_at", "created_at"}}
	for _, a := range batch.Absences {
		absences.add(a.AgentID, string(a.Kind), a.From, a.To, a.CreatedAt)
	}
	cases := &bulkTable{name: "cases", cols: []string{"id", "customer_id", "subject", "status", "case_type", "team_id", "owner_id", "rung", "channel",
		"original_request", "flags", "unanswered", "step", "resolution", "resolved_by", "last_seq", "last_hash", "created_at", "updated_at", "partner_id", "priority", "tags"}}
	for _, c := range batch.Cases {
		cases.add(c.ID, c.CustomerID, c.Subject, string(c.Status), c.Type, nullID(c.TeamID), nullID(c.OwnerID), c.Rung, c.Channel,
			c.OriginalRequest, flagsJSON(c.Flags), c.Unanswered, c.Step, c.Resolution, c.ResolvedBy, c.LastSeq, c.LastHash, c.CreatedAt, c.UpdatedAt, nullID(c.PartnerID),
			priorityOf(c), flagsJSON(c.Tags))
	}
	parts := &bulkTable{name: "participants", cols: []string{"case_id", "kind", "person_id", "name", "role", "since"},
		conflict: " ON CONFLICT (case_id, kind, person_id) DO NOTHING"}
	for _, p := range batch.Participants {
		parts.add(p.CaseID, string(p.Kind), p.PersonID, p.Name, p.Role, p.Since)
	}
	entries := &bulkTable{name: "entries", cols: []string{"id", "case_id", "seq", "kind", "at", "actor_kind", "actor_id", "actor_name", "internal", "channel", "body", "data", "prev_hash", "hash"}}
	for _, e := range batch.Entries {
		entries.add(e.ID, e.CaseID, e.Seq, string(e.Kind), e.At, string(e.Actor.Kind), e.Actor.ID, e.Actor.Name, e.Internal, e.Channel, e.Body, string(e.Data), e.PrevHash, e.Hash)
	}
	promises := &bulkTable{name: "promises", cols: []string{"id", "case_id", "kind", "words", "place", "due_at", "state", "maker_id", "owner_id", "slips", "case_type", "created_at", "done_at"}}
	for _, p := range batch.Promises {
		var done any
		if p.DoneAt != nil {
			done = *p.DoneAt
		}
		promises.add(p.ID, p.CaseID, string(p.Kind), p.Words, p.Place, p.DueAt, string(p.State), p.MakerID, p.OwnerID, p.Slips, p.CaseType, p.CreatedAt, done)
	}
	timers := &bulkTable{name: "timers", cols: []string{"kind", "due_at", "case_id", "ref_id", "key", "payload", "created_at"}}
	for _, tm := range batch.Timers {
		var key any
		if tm.Key != "" {
			key = tm.Key
		}
		payload := "{}"
		if len(tm.Payload) > 0 {
			payload = string(tm.Payload)
		}
		timers.add(tm.Kind, dbTime(tm.DueAt), tm.CaseID, tm.RefID, key, payload, dbTime(tm.CreatedAt))
	}
	outcomes := &bulkTable{name: "resolution_outcomes", cols: []string{"case_id", "agent_id", "outcome", "at"}}
	for _, o := range batch.Outcomes {
		outcomes.add(o.CaseID, o.AgentID, o.Outcome, o.At)
	}
	searchRefs := &bulkTable{name: "search_refs", cols: []string{"key", "case_id", "customer_id", "entry_id", "internal"},
		conflict: " ON CONFLICT (key, case_id, entry_id) DO NOTHING"}
	for _, d := range batch.Docs {
		for _, k := range dedupe(d.Refs) {
			searchRefs.add(k, d.CaseID, d.CustomerID, d.EntryID, d.Internal)
		}
	}
	return []*bulkTable{customers, contacts, refs, absences, cases, parts, entries, promises, timers, outcomes, searchRefs}
}

// openCountsOf is how a batch's cases add to their owners' counts of open cases (see openLog),
// by owner in the order of their ids.
func openCountsOf(batch *BulkBatch) (ids []int64, deltas []int32) {
	by := map[int64]int32{}
	for _, c := range batch.Cases {
		if c.OwnerID != 0 && c.Status.CountsTowardLoad() {
			by[c.OwnerID]++
		}
	}
	for id := range by {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		deltas = append(deltas, by[id])
	}
	return ids, deltas
}

// sqliteMaxVars bounds the parameters of one statement (SQLite's limit is 32766); a few
// thousand already take the per-statement cost out of the load.
const sqliteMaxVars = 8000

func writeSQLite(ctx context.Context, tx *sql.Tx, batch *BulkBatch) error {
	for _, t := range tables(batch) {
		if err := insertRows(ctx, tx, t); err != nil {
			return err
		}
	}
	ids, deltas := openCountsOf(batch)
	for i := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO agent_open_cases (agent_id, shard, open) VALUES ($1, 0, $2)
			ON CONFLICT (agent_id, shard) DO UPDATE SET open = agent_open_cases.open + excluded.open`, ids[i], deltas[i]); err != nil {
			return fmt.Errorf("bulk load: open counts: %w", err)
		}
	}
	// The words of each text, joined by spaces, as Index writes them to the FTS5 table, with
	// rowids chosen here so that each case's list of its texts (search_case_rows) names them.
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE((SELECT rowid FROM search_fts ORDER BY rowid DESC LIMIT 1), 0)`).Scan(&last); err != nil {
		return fmt.Errorf("bulk load: last search text: %w", err)
	}
	fts := &bulkTable{name: "search_fts", cols: []string{"rowid", "words", "case_id", "customer_id", "entry_id", "internal"}}
	caseRows := &bulkTable{name: "search_case_rows", cols: []string{"case_id", "doc", "entry_id", "internal"}}
	for _, d := range batch.Docs {
		if words := dedupe(d.Words); len(words) > 0 {
			last++
			fts.add(last, strings.Join(words, " "), d.CaseID, d.CustomerID, d.EntryID, d.Internal)
			caseRows.add(d.CaseID, last, d.EntryID, d.Internal)
		}
	}
	if err := insertRows(ctx, tx, fts); err != nil {
		return err
	}
	return insertRows(ctx, tx, caseRows)
}

// insertRows writes a table's rows with multi-row INSERTs of as many rows as fit in one
// statement, prepared once per batch.
func insertRows(ctx context.Context, tx *sql.Tx, t *bulkTable) error {
	if len(t.rows) == 0 {
		return nil
	}
	per := max(1, sqliteMaxVars/len(t.cols))
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, per*len(t.cols))
	for start := 0; start < len(t.rows); start += per {
		n := min(per, len(t.rows)-start)
		args = args[:0]
		for _, r := range t.rows[start : start+n] {
			args = append(args, r...)
		}
		var err error
		if n == per {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, insertSQL(t, n)); err != nil {
					return fmt.Errorf("bulk load: prepare %s: %w", t.name, err)
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, insertSQL(t, n), args...)
		}
		if err != nil {
			return fmt.Errorf("bulk load: insert into %s: %w", t.name, err)
		}
	}
	return nil
}

// insertSQL is a multi-row INSERT with anonymous parameters: SQLite looks numbered ones ($N)
// up in a list, which at thousands per statement costs more than the insert.
func insertSQL(t *bulkTable, rows int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.cols)), ", ") + ")"
	var b strings.Builder
	b.WriteString("INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") VALUES ")
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	b.WriteString(t.conflict)
	return b.String()
}

// writePostgres copies a batch in with COPY, in one transaction. The search words go through
// a staging table and array_to_tsvector, exactly the expression Index uses, so both paths
// index the same lexemes.
func writePostgres(ctx context.Context, conn *pgx.Conn, batch *BulkBatch) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("bulk load: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }() // after Commit, a no-op
	for _, t := range tables(batch) {
		if len(t.rows) == 0 {
			continue
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromRows(t.rows)); err != nil {
			return fmt.Errorf("bulk load: copy into %s: %w", t.name, err)
		}
	}
	if ids, deltas := openCountsOf(batch); len(ids) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO agent_open_cases (agent_id, shard, open) SELECT unnest($1::bigint[]), 0, unnest($2::int[])
			ON CONFLICT (agent_id, shard) DO UPDATE SET open = agent_open_cases.open + excluded.open`, ids, deltas); err != nil {
			return fmt.Errorf("bulk load: open counts: %w", err)
		}
	}
	var docs [][]any
	for _, d := range batch.Docs {
		if words := dedupe(d.Words); len(words) > 0 {
			docs = append(docs, []any{d.CaseID, d.CustomerID, d.EntryID, d.Internal, words})
		}
	}
	if len(docs) > 0 {
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS bulk_search_docs (n BIGSERIAL, case_id BIGINT, customer_id BIGINT,
			entry_id BIGINT, internal BOOLEAN, words TEXT[]) ON COMMIT DELETE ROWS`); err != nil {
			return fmt.Errorf("bulk load: staging table: %w", err)
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"bulk_search_docs"}, []string{"case_id", "customer_id", "entry_id", "internal", "words"},
			pgx.CopyFromRows(docs)); err != nil {
			return fmt.Errorf("bulk load: copy search texts: %w", err)
		}
		// In the order given, so search_docs' ids (newest first in results) follow the texts.
		if _, err := tx.Exec(ctx, `INSERT INTO search_docs (case_id, customer_id, entry_id, internal, words)
			SELECT case_id, customer_id, entry_id, internal, array_to_tsvector(words) FROM bulk_search_docs ORDER BY n`); err != nil {
			return fmt.Errorf("bulk load: index search texts: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("bulk load: commit: %w", err)
	}
	return nil
}

// BenchMarker reads what kept bench noted about the data set it generated in this database
// ("" when it generated none). It lives in desk_keys, the desk's own key-value table.
func (s *Store) BenchMarker(ctx context.Context) (string, error) {
	var v []byte
	err := s.reader.QueryRowContext(ctx, `SELECT value FROM desk_keys WHERE name = 'bench_marker'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read bench marker: %w", err)
	}
	return string(v), nil
}

// SetBenchMarker notes what kept bench generated, replacing an earlier note.
func (s *Store) SetBenchMarker(ctx context.Context, marker string) error {
	_, err := s.writer.ExecContext(ctx, `INSERT INTO desk_keys (name, value) VALUES ('bench_marker', $1)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, []byte(marker))
	if err != nil {
		return fmt.Errorf("write bench marker: %w", err)
	}
	return nil
}

// Counts are how many rows the main tables hold.
type Counts struct {
	Customers, Cases, Entries, Promises, Timers int64
}

// Count counts the rows of the main tables.
func (s *Store) Count(ctx context.Context) (Counts, error) {
	var c Counts
	for _, q := range []struct {
		table string
		dst   *int64
	}{{"customers", &c.Customers}, {"cases", &c.Cases}, {"entries", &c.Entries}, {"promises", &c.Promises}, {"timers", &c.Timers}} {
		if err := s.reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+q.table).Scan(q.dst); err != nil {
			return c, fmt.Errorf("count %s: %w", q.table, err)
		}
	}
	return c, nil
}

// PromiseOutcome is when a promise was due and when it was kept or broken (zero while open).
type PromiseOutcome struct {
	ID    int64
	State desk.PromiseState
	Due   time.Time
	Done  time.Time
}

// PromiseOutcomes lists the promises with ids in [from, to].
func (s *Store) PromiseOutcomes(ctx context.Context, from, to int64) ([]PromiseOutcome, error) {
	var out []PromiseOutcome
	err := sqlTx{db: s.reader}.eachRow(ctx, appendTo(&out, func(row scanner) (PromiseOutcome, error) {
		var o PromiseOutcome
		var state string
		var done sql.NullTime
		err := row.Scan(&o.ID, &state, &o.Due, &done)
		o.State, o.Due, o.Done = desk.PromiseState(state), o.Due.UTC(), done.Time.UTC()
		return o, err
	}), `SELECT id, state, due_at, done_at FROM promises WHERE id >= $1 AND id <= $2 ORDER BY id`, from, to)
	if err != nil {
		return nil, fmt.Errorf("promise outcomes: %w", err)
	}
	return out, nil
}

// TimerPayload is the payload a promise's timers carry (see service.schedulePromise).
func TimerPayload(due time.Time) json.RawMessage {
	b, _ := json.Marshal(map[string]string{"due_at": due.UTC().Format(time.RFC3339Nano)})
	return b
}

// DueTimers counts the pending timers due at or before now: work the runner has not done yet.
func (s *Store) DueTimers(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	if err := s.reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM timers WHERE state = 'pending' AND due_at <= $1`, dbTime(now)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count due timers: %w", err)
	}
	return n, nil
}

// LatestBrokenDue returns the latest due time, within [from, to], of a broken promise: read
// from the end of the (state, due_at) index, so watching promises break costs one probe.
func (s *Store) LatestBrokenDue(ctx context.Context, from, to time.Time) (time.Time, bool, error) {
	var at time.Time
	err := s.reader.QueryRowContext(ctx, `SELECT due_at FROM promises WHERE state = 'broken' AND due_at >= $1 AND due_at <= $2
		ORDER BY due_at DESC LIMIT 1`, from, to).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("latest broken promise: %w", err)
	}
	return at.UTC(), true, nil
}
