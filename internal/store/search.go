package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// SearchDoc is one text of a case made searchable: its folded words go to the full-text
// index and its reference keys to the exact reference index (both from internal/text).
type SearchDoc struct {
	CaseID     int64
	CustomerID int64
	EntryID    int64 // 0 for the case's subject (or EntrySeq names the entry)
	EntrySeq   int64 // the entry by its seq, when it was appended in the same transaction
	Internal   bool
	Words      []string
	Refs       []string
	clean      bool // Words and Refs are deduplicated already (Cleaned)
}

// Cleaned is d with its words and references deduplicated as Index keeps them: work a caller
// may do off the writing goroutine (an import's workers), which Index then does not repeat.
func (d SearchDoc) Cleaned() SearchDoc {
	if !d.clean {
		d.Words, d.Refs, d.clean = dedupe(d.Words), dedupe(d.Refs), true
	}
	return d
}

// Index adds a text to the search indexes, in the same transaction as the text itself. The
// text is written when the transaction commits, with every other text it indexed, so a search
// in the same transaction does not see it yet.
//
// Why at the end: on SQLite every statement that needs a statement journal (a multi-row write,
// an UPDATE with triggers, any write to FTS5) makes SQLite open a savepoint on each virtual
// table the transaction has written, and FTS5 writes what it holds to a new segment of the
// index each time, then merges segments. A group of mails written as it went made many tiny
// segments and merged them again (a third of intake's CPU at scale M); written last, in one
// statement, it makes one.
func (t *Tx) Index(ctx context.Context, d SearchDoc) error {
	d = d.Cleaned()
	if len(d.Words) > 0 || len(d.Refs) > 0 {
		t.index = append(t.index, d)
	}
	return nil
}

// DeferWords has the transaction queue its texts' words for the full-text index (a row of
// search_queue) instead of writing them into it at commit; IndexQueued writes them shortly
// after. The service's commands defer them: writing FTS5 (or PostgreSQL's GIN index) at every
// mail group's commit cost a tenth of intake's CPU and held every sender's answer, and a third
// of a reply's writer time at scale M, while search may trail the record by a moment.
// References are written at commit all the same, so a mail is found by the order or invoice
// number it names as soon as it is acknowledged.
func (t *Tx) DeferWords() { t.deferWords = true }

// LeaveRecentBehind has the transaction write its texts' words into the main full-text index
// only, not into the recent tables too (search_chunks.go), which a bulk load also leaves
// behind: an import's batches write each text once instead of twice (the recent table's FTS5
// insert was a fifth of an import's writing). Searches stay right meanwhile, asking the main
// index for the texts the recent tables miss (slower, as before the chunks); the next write
// that does not leave them behind copies what they miss, and so does SealSearch, which an
// import calls as it ends (the sealing that such a write's commit runs does not). The words go
// into the index at commit even if DeferWords was called: a batch of a thousand tickets makes
// one segment of its own, and queueing them would write each text twice.
func (t *Tx) LeaveRecentBehind() { t.recentBehind, t.deferWords = true, false }

// importCacheKiB is the writing connection's page cache while an import writes (GrowCache).
const importCacheKiB = 64 << 10

// GrowCache gives the writing connection a page cache of 64 MiB until ShrinkCache, for
// transactions that write many megabytes each (an import's batches): with SQLite's default of
// 2 MB, a batch's pages were spilled to the WAL before its commit and read back again, a tenth
// of an import's writing. It is the connection's setting, so it lasts past the transaction and
// the next batch finds the indexes' upper pages cached. Nothing on PostgreSQL.
func (t *Tx) GrowCache(ctx context.Context) error {
	if t.d.name != "sqlite" {
		return nil
	}
	if _, err := t.unheld().ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = -%d`, importCacheKiB)); err != nil {
		return fmt.Errorf("grow the page cache: %w", err)
	}
	return nil
}

// ShrinkCache gives the writing connection SQLite's default page cache back (see GrowCache).
func (s *Store) ShrinkCache(ctx context.Context) error {
	if s.d.name != "sqlite" {
		return nil
	}
	if _, err := s.writer.ExecContext(ctx, `PRAGMA cache_size = -2000`); err != nil {
		return fmt.Errorf("shrink the page cache: %w", err)
	}
	return nil
}

// GatherStatistics has PostgreSQL vacuum the tables and its planner look at them again
// (VACUUM (ANALYZE)), after a command that filled them (an import of years of history into a
// new desk): with the statistics of the empty tables, or none, it plans scans of whole tables
// for a few rows (TestFirstAnswerReadsOnlyTheCase); and until the new rows are vacuumed, no
// index answers a count alone (the reports' backlog counted a million cases' open ones by
// reading the table: 660 ms against 72 ms vacuumed, at scale M), and the first reads of each
// page write it again to mark its rows. Autovacuum would come round, but may be switched off.
// Only the desk's own tables (its schema's): a database may hold others'. Nothing on SQLite,
// whose planner takes an index without statistics.
func (s *Store) GatherStatistics(ctx context.Context) error {
	if s.d.name != "postgres" {
		return nil
	}
	var tables []string
	err := s.Read(ctx, func(t *Tx) error {
		return t.tx.eachRow(ctx, appendTo(&tables, func(row scanner) (string, error) {
			name, err := scanValue[string](row)
			return `"` + name + `"`, err
		}), `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`)
	})
	if err != nil {
		return fmt.Errorf("gather the planner's statistics: the desk's tables: %w", err)
	}
	if len(tables) == 0 {
		return nil
	}
	if _, err := s.writer.ExecContext(ctx, `VACUUM (ANALYZE) `+strings.Join(tables, ", ")); err != nil {
		return fmt.Errorf("gather the planner's statistics: %w", err)
	}
	return nil
}

// WordsQueued reports whether the transaction queued words for IndexQueued (see DeferWords).
func (t *Tx) WordsQueued() bool { return t.wordsQueued }

// writeIndex writes the texts Index buffered, as the transaction's last writes: before its
// commit (see Index). Each table takes one statement, whatever the number of texts.
func (t *Tx) writeIndex(ctx context.Context) error {
	if len(t.index) == 0 {
		return nil
	}
	docs := t.index
	t.index = nil
	for i := range docs {
		if d := &docs[i]; d.EntryID == 0 && d.EntrySeq != 0 {
			if d.EntryID = t.entryID(entryKey{d.CaseID, d.EntrySeq}); d.EntryID == 0 {
				return fmt.Errorf("index: entry %d of case %d was not written in this transaction", d.EntrySeq, d.CaseID)
			}
		}
	}
	if err := t.writeRefs(ctx, indexedRefs(docs)); err != nil {
		return err
	}
	if t.deferWords {
		return t.queueWords(ctx, docs)
	}
	return t.writeWords(ctx, docs)
}

// writeRefs writes the references of buffered texts, a statement for all of them.
func (t *Tx) writeRefs(ctx context.Context, refs []indexedRef) error {
	if len(refs) == 0 {
		return nil
	}
	if t.d.name == "postgres" {
		keys := make([]string, len(refs))
		cases, customers, entries, internal := make([]int64, len(refs)), make([]int64, len(refs)), make([]int64, len(refs)), make([]bool, len(refs))
		for i, r := range refs {
			keys[i], cases[i], customers[i], entries[i], internal[i] = r.key, r.CaseID, r.CustomerID, r.EntryID, r.Internal
		}
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO search_refs (key, case_id, customer_id, entry_id, internal)
			SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::boolean[])
			ON CONFLICT (key, case_id, entry_id) DO NOTHING`, keys, cases, customers, entries, internal); err != nil {
			return fmt.Errorf("index %d references: %w", len(refs), err)
		}
		return nil
	}
	// Multi-row VALUES (see chunkSizes): binding a placeholder a value costs SQLite less than
	// decoding the same rows from JSON, a tenth of an import's writing.
	if err := chunks(len(refs), func(lo, hi int) error {
		args := make([]any, 0, 5*(hi-lo))
		for _, r := range refs[lo:hi] {
			args = append(args, r.key, r.CaseID, r.CustomerID, r.EntryID, r.Internal)
		}
		_, err := t.tx.ExecContext(ctx, `INSERT INTO search_refs (key, case_id, customer_id, entry_id, internal)
			VALUES `+valuesRows(hi-lo, 5)+` ON CONFLICT (key, case_id, entry_id) DO NOTHING`, args...)
		return err
	}); err != nil {
		return fmt.Errorf("index %d references: %w", len(refs), err)
	}
	return nil
}

// queuedDoc is a text's words as search_queue holds them: its entry id is known by then.
type queuedDoc struct {
	CaseID     int64    `json:"c"`
	CustomerID int64    `json:"u"`
	EntryID    int64    `json:"e,omitempty"`
	Internal   bool     `json:"i,omitempty"`
	Words      []string `json:"w"`
}

// queueWords writes the words of docs as one row of search_queue (see DeferWords).
func (t *Tx) queueWords(ctx context.Context, docs []SearchDoc) error {
	var q []queuedDoc
	for _, d := range docs {
		if len(d.Words) > 0 {
			q = append(q, queuedDoc{d.CaseID, d.CustomerID, d.EntryID, d.Internal, d.Words})
		}
	}
	if len(q) == 0 {
		return nil
	}
	js, err := json.Marshal(q)
	if err != nil {
		return fmt.Errorf("queue words of %d texts: %w", len(q), err)
	}
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO search_queue (docs) VALUES ($1)`, string(js)); err != nil {
		return fmt.Errorf("queue words of %d texts: %w", len(q), err)
	}
	t.wordsQueued = true
	return nil
}

// IndexQueued writes into the full-text index the words of up to max transactions that
// queued them (DeferWords), oldest first, and deletes their rows of search_queue in the same
// transaction: a crash before its commit leaves them queued, after it leaves them indexed. It
// returns how many rows it took; fewer than max means the queue was empty when it looked. On
// PostgreSQL, rows another transaction is indexing are skipped when skipLocked is set, and
// otherwise waited for (then they are gone, indexed by it).
func (t *Tx) IndexQueued(ctx context.Context, max int, skipLocked bool) (int, error) {
	q := `DELETE FROM search_queue WHERE id IN (SELECT id FROM search_queue ORDER BY id LIMIT $1) RETURNING id, docs`
	if t.d.name == "postgres" {
		lock := " FOR UPDATE"
		if skipLocked {
			lock += " SKIP LOCKED"
		}
		q = `DELETE FROM search_queue WHERE id IN (SELECT id FROM search_queue ORDER BY id LIMIT $1` + lock + `) RETURNING id, docs`
	}
	rows, err := t.tx.QueryContext(ctx, q, max)
	if err != nil {
		return 0, fmt.Errorf("index queued words: %w", err)
	}
	defer rows.Close()
	type queued struct {
		id   int64
		docs string
	}
	var taken []queued
	for rows.Next() {
		var r queued
		if err := rows.Scan(&r.id, &r.docs); err != nil {
			return 0, fmt.Errorf("index queued words: %w", err)
		}
		taken = append(taken, r)
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("index queued words: %w", err)
	}
	rows.Close()
	// In the order committed, so the texts' rowids (newest first in results) follow it.
	slices.SortFunc(taken, func(a, b queued) int { return cmp.Compare(a.id, b.id) })
	var docs []SearchDoc
	for _, r := range taken {
		var q []queuedDoc
		if err := json.Unmarshal([]byte(r.docs), &q); err != nil {
			return 0, fmt.Errorf("index queued words: row %d: %w", r.id, err)
		}
		for _, d := range q {
			docs = append(docs, SearchDoc{CaseID: d.CaseID, CustomerID: d.CustomerID, EntryID: d.EntryID, Internal: d.Internal, Words: d.Words})
		}
	}
	return len(taken), t.writeWords(ctx, docs)
}

// writeWords writes the words of texts whose entry ids are known into the full-text index, a
// statement per table.
func (t *Tx) writeWords(ctx context.Context, docs []SearchDoc) error {
	if t.d.name == "postgres" {
		return t.writeWordsPostgres(ctx, docs)
	}
	var rows []*SearchDoc
	for i := range docs {
		if len(docs[i].Words) > 0 {
			rows = append(rows, &docs[i])
		}
	}
	if len(rows) == 0 {
		return nil
	}
	// The rowids are chosen here, as the bulk path does, so that each case's list of its texts
	// (search_case_rows, migration 00013) is written before the texts and FTS5 last.
	// With the word index's chunks and recent tables (search_chunks.go), in one statement.
	st, err := t.tailState(ctx)
	if err != nil {
		return fmt.Errorf("index words: %w", err)
	}
	first := st.last + 1 // rows[i]'s rowid is first+i
	if err := chunks(len(rows), func(lo, hi int) error {
		args := make([]any, 0, 4*(hi-lo))
		for i, d := range rows[lo:hi] {
			args = append(args, d.CaseID, first+int64(lo+i), d.EntryID, d.Internal)
		}
		_, err := t.tx.ExecContext(ctx, `INSERT INTO search_case_rows (case_id, doc, entry_id, internal) VALUES `+valuesRows(hi-lo, 4), args...)
		return err
	}); err != nil {
		return fmt.Errorf("index words of %d texts: the cases' lists: %w", len(rows), err)
	}
	// Rows as JSON arrays, read back by jsonb_each: one statement for any number of rows, as
	// FTS5 makes a new segment of its index for each statement that writes it. jsonb_each hands
	// each row over in SQLite's binary JSON, which ->> reads as it is; json_each gave it as
	// text, parsed again (a fifth of an import's FTS5 statement).
	js := wordRowsJSON(rows, first)
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO search_fts (rowid, words, case_id, customer_id, entry_id, internal)
		SELECT value ->> 5, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM jsonb_each($1)`, js); err != nil {
		return fmt.Errorf("index words of %d texts: %w", len(rows), err)
	}
	last := first + int64(len(rows)) - 1
	if t.recentBehind {
		t.sealDue = st.sealDue(last)
		return nil
	}
	t.sealDue, err = t.writeRecent(ctx, st, js, first, last)
	return err
}

// wordRowsJSON is the JSON array of docs' rows for writeWords, each [words, case, customer,
// entry, internal, rowid], the rowids from first on. Written here rather than by
// encoding/json, whose reflection, quoting and joined copies of each text's words took an
// import's writer 2.5 s of its 68 at 100,000 tickets.
func wordRowsJSON(docs []*SearchDoc, first int64) string {
	n := 2
	for _, d := range docs {
		n += 48
		for _, w := range d.Words {
			n += len(w) + 1
		}
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, d := range docs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[', '"')
		for k, w := range d.Words {
			if k > 0 {
				b = append(b, ' ')
			}
			b = appendJSONStringBody(b, w)
		}
		b = append(b, '"', ',')
		b = strconv.AppendInt(b, d.CaseID, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, d.CustomerID, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, d.EntryID, 10)
		b = append(b, ',')
		b = strconv.AppendBool(b, d.Internal)
		b = append(b, ',')
		b = strconv.AppendInt(b, first+int64(i), 10)
		b = append(b, ']')
	}
	b = append(b, ']')
	return string(b)
}

// appendJSONStringBody appends s quoted for inside a JSON string (without the quotes). A
// folded word holds no quote, backslash or control character, so this is nearly always a copy.
func appendJSONStringBody(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	return append(b, s[start:]...)
}

// indexedRef is a reference of a buffered text.
type indexedRef struct {
	key string
	SearchDoc
}

// indexedRefs lists the references of docs, each (key, case, entry) once: a statement may not
// meet the same key twice on PostgreSQL.
func indexedRefs(docs []SearchDoc) []indexedRef {
	type id struct {
		key             string
		caseID, entryID int64
	}
	seen := map[id]bool{}
	var out []indexedRef
	for _, d := range docs {
		for _, k := range d.Refs {
			if i := (id{k, d.CaseID, d.EntryID}); !seen[i] {
				seen[i] = true
				out = append(out, indexedRef{key: k, SearchDoc: d})
			}
		}
	}
	return out
}

// wordSeparator joins a text's words for writeWordsPostgres: chr(31), the unit separator.
const wordSeparator = "\x1f"

// writeWordsPostgres is writeWords on PostgreSQL: a statement for all the texts instead of a
// round trip for each.
func (t *Tx) writeWordsPostgres(ctx context.Context, docs []SearchDoc) error {
	// Each text's words are one string, joined by the unit separator (no word holds a control
	// character), split again by the statement. A slice of one array of all texts' words, as
	// before, cost each text a walk from the array's start: quadratic in the texts of a
	// transaction, minutes for an import's batch of a thousand tickets.
	var cases, customers, entries []int64
	var internal []bool
	var words []string
	for _, d := range docs {
		if len(d.Words) == 0 {
			continue
		}
		cases, customers, entries = append(cases, d.CaseID), append(customers, d.CustomerID), append(entries, d.EntryID)
		internal, words = append(internal, d.Internal), append(words, strings.Join(d.Words, wordSeparator))
	}
	if len(cases) == 0 {
		return nil
	}
	// Exact lexemes: PostgreSQL's parser and dictionaries never see the text. In the texts'
	// order, so ids (newest first in results) follow it. With the highest id written and the
	// word index's chunks, to tell whether a chunk is due to be sealed (search_chunks.go), in
	// the same round trip.
	var last, chunkBits, sealed int64
	if err := t.tx.QueryRowContext(ctx, `WITH written AS (INSERT INTO search_docs (case_id, customer_id, entry_id, internal, words)
		SELECT c, cu, e, i, array_to_tsvector(string_to_array(w, chr(31)))
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::boolean[], $5::text[]) WITH ORDINALITY AS d (c, cu, e, i, w, n)
		ORDER BY n RETURNING id)
		SELECT (SELECT MAX(id) FROM written), chunk_bits, sealed FROM search_chunks_sealed`, cases, customers, entries, internal, words).Scan(&last, &chunkBits, &sealed); err != nil {
		return fmt.Errorf("index words of %d texts: %w", len(cases), err)
	}
	t.sealDue = chunkState{bits: uint(chunkBits), sealed: sealed}.sealDue(last)
	return nil
}

// dedupeSets are dedupe's sets, kept for reuse: an import dedupes a million texts, and a new
// map for each was most of dedupe's cost.
var dedupeSets = sync.Pool{New: func() any { return map[string]struct{}{} }}

// dedupe is in without empty strings and repeats, in order.
func dedupe(in []string) []string {
	seen := dedupeSets.Get().(map[string]struct{})
	defer func() {
		if len(seen) <= 1024 { // a set grown for a long text would make each clear cost as much
			clear(seen)
			dedupeSets.Put(seen)
		}
	}()
	out := make([]string, 0, len(in))
	for _, s := range in {
		if _, ok := seen[s]; s != "" && !ok {
			seen[s] = struct{}{}
			out = append(out, s)
		}
	}
	return out
}

// SearchFilter limits what a search may return to what the searcher may see.
type SearchFilter struct {
	CustomerID int64   // only this customer's cases (a customer searching)
	PublicOnly bool    // leave out internal notes
	CaseIDs    []int64 // only these cases (already narrowed by references)
}

// Hit is a case found by a search and the entry that matched (0: the subject or a customer reference).
type Hit struct {
	CaseID  int64
	EntryID int64
}

func (f SearchFilter) conditions(args []any, caseCol, customerCol, internalCol string) ([]any, string) {
	var conds []string
	if f.CustomerID != 0 {
		args = append(args, f.CustomerID)
		if customerCol == "" {
			// Through the customer's cases: a customer has few, and each has few texts.
			conds = append(conds, fmt.Sprintf("%s IN (SELECT id FROM cases WHERE customer_id = $%d)", caseCol, len(args)))
		} else {
			conds = append(conds, fmt.Sprintf("%s = $%d", customerCol, len(args)))
		}
	}
	if f.PublicOnly {
		conds = append(conds, "NOT "+internalCol)
	}
	if len(f.CaseIDs) > 0 {
		conds = append(conds, fmt.Sprintf("%s IN (%s)", caseCol, placeholders(len(args)+1, len(f.CaseIDs))))
		args = append(args, int64Args(f.CaseIDs)...)
	}
	if len(conds) == 0 {
		return args, ""
	}
	return args, " AND " + strings.Join(conds, " AND ")
}

// SearchWords finds the newest texts holding every word (folded words, from text.ParseQuery).
// Words are quoted as literal terms, so nothing a user types is read as query syntax.
func (t *Tx) SearchWords(ctx context.Context, words []string, f SearchFilter, limit int) ([]Hit, error) {
	if len(words) == 0 {
		return nil, nil
	}
	if t.d.name == "postgres" {
		return t.searchWordsPostgres(ctx, words, f, limit)
	}
	terms := make([]string, len(words))
	for i, w := range words {
		terms[i] = `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
	}
	match := strings.Join(terms, " ")
	if f.CustomerID == 0 && len(f.CaseIDs) == 0 {
		st, err := t.tailState(ctx)
		if err != nil {
			return nil, err
		}
		// The texts after the sealed chunks first, then the chunks.
		hits, err := t.searchRecent(ctx, st, match, f.PublicOnly, limit)
		if err != nil || len(hits) >= limit || st.sealed == 0 {
			return hits, err
		}
		more, err := t.searchChunks(ctx, st.chunkState, words, f.PublicOnly, limit-len(hits))
		return append(hits, more...), err
	}
	return t.searchCaseWords(ctx, words, match, f, limit)
}

// Bounds of a search within a few cases on SQLite (searchCaseWords). Asking the word index
// about one stretch of rowids costs about what walking 500 of its entries does (a seek per
// segment), so texts less than runGap rowids apart are asked about together, and past
// maxRuns stretches walking the word's whole list once is cheaper.
const (
	runGap      = 1000
	maxRuns     = 100
	maxNarrowed = 2000
)

// searchCaseWords searches the words only within the filter's cases (those references found,
// a customer's, a partner's). It starts from the cases' own texts (search_case_rows), newest
// first: those in sealed chunks are checked against the chunks' blobs, and the word index is
// asked about the rowids of the rest, in stretches; case_id in search_fts is not indexed, so
// filtering on it would read every text holding the words at any scale.
func (t *Tx) searchCaseWords(ctx context.Context, words []string, match string, f SearchFilter, limit int) ([]Hit, error) {
	cond, args, err := f.caseRowsConditions(1)
	if err != nil {
		return nil, err
	}
	type text struct{ doc, caseID, entryID int64 }
	var texts []text
	rows, err := t.tx.QueryContext(ctx, `SELECT doc, case_id, entry_id FROM search_case_rows WHERE `+cond+
		fmt.Sprintf(" ORDER BY doc DESC LIMIT %d", maxNarrowed+1), args...)
	if err != nil {
		return nil, fmt.Errorf("search: the cases' texts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var x text
		if err := rows.Scan(&x.doc, &x.caseID, &x.entryID); err != nil {
			return nil, fmt.Errorf("search: the cases' texts: %w", err)
		}
		texts = append(texts, x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search: the cases' texts: %w", err)
	}
	rows.Close()
	if len(texts) == 0 {
		return nil, nil
	}
	// Stretches of nearby texts, newest first: [lo, hi] and the texts in it.
	type run struct {
		lo, hi int64
		texts  []text
	}
	var runs []run
	for i, x := range texts {
		if i == 0 || runs[len(runs)-1].lo-x.doc > runGap {
			runs = append(runs, run{lo: x.doc, hi: x.doc})
		}
		r := &runs[len(runs)-1]
		r.lo, r.texts = x.doc, append(r.texts, x)
	}
	if len(texts) > maxNarrowed || len(runs) > maxRuns {
		// Many texts: walk the words' texts newest first and keep the cases' (a rowid
		// check, no row read), stopping at the limit.
		cond, args, err := f.caseRowsConditions(2)
		if err != nil {
			return nil, err
		}
		q := `SELECT case_id, entry_id FROM search_fts WHERE search_fts MATCH $1 AND +rowid IN (SELECT doc FROM search_case_rows WHERE ` +
			cond + fmt.Sprintf(") ORDER BY rowid DESC LIMIT %d", limit)
		return t.hits(ctx, q, append([]any{match}, args...))
	}
	// A text in a sealed chunk holds the words when each word's blob of that chunk lists it:
	// the blobs the store keeps (chunkcache.go) answer without the word index, which for a
	// common word seeks through its list in every segment (2 ms a search at scale M).
	c, err := t.chunkState(ctx, false)
	if err != nil {
		return nil, err
	}
	words = dedupe(words)
	blobs := map[int64][][]byte{} // by chunk, each word's blob
	var out []Hit
	for _, r := range runs {
		var found []int64
		if r.hi >= c.boundary() {
			// Ascending: FTS5 walks a word's list backwards only by reading it from its start.
			if found, err = t.ftsRowids(ctx, match, max(r.lo, c.boundary()), r.hi); err != nil {
				return nil, err
			}
		}
		for _, x := range r.texts { // newest first
			has := false
			if x.doc < c.boundary() {
				k := x.doc >> c.bits
				bs, ok := blobs[k]
				if !ok {
					if bs, err = t.chunkBlobs(ctx, c.bits, words, k); err != nil {
						return nil, err
					}
					blobs[k] = bs
				}
				has = blobsHold(bs, uint16(x.doc&(1<<c.bits-1)), c.bits)
			} else {
				_, has = slices.BinarySearch(found, x.doc)
			}
			if has {
				out = append(out, Hit{CaseID: x.caseID, EntryID: x.entryID})
			}
		}
		if len(out) >= limit {
			return out[:limit], nil
		}
	}
	return out, nil
}

// ftsRowids returns the rowids in [lo, hi] of the texts matching, in ascending order.
func (t *Tx) ftsRowids(ctx context.Context, match string, lo, hi int64) ([]int64, error) {
	var out []int64
	err := t.tx.eachRow(ctx, appendTo(&out, scanValue[int64]),
		`SELECT rowid FROM search_fts WHERE search_fts MATCH $1 AND rowid BETWEEN $2 AND $3 ORDER BY rowid`, match, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return out, nil
}

// caseRowsConditions is the filter over search_case_rows, its parameters numbered from n. The
// case list goes as one JSON array, so the statement's text does not vary with its length.
func (f SearchFilter) caseRowsConditions(n int) (string, []any, error) {
	var conds []string
	var args []any
	if f.CustomerID != 0 {
		// Cast: else, given ANALYZE's samples, SQLite plans the statement again for each customer.
		conds = append(conds, fmt.Sprintf("case_id IN (SELECT id FROM cases WHERE customer_id = CAST($%d AS INTEGER))", n+len(args)))
		args = append(args, f.CustomerID)
	}
	if len(f.CaseIDs) > 0 {
		ids, err := json.Marshal(f.CaseIDs)
		if err != nil {
			return "", nil, fmt.Errorf("search: %w", err)
		}
		conds = append(conds, fmt.Sprintf("case_id IN (SELECT value FROM json_each($%d))", n+len(args)))
		args = append(args, string(ids))
	}
	if f.PublicOnly {
		conds = append(conds, "NOT internal")
	}
	return strings.Join(conds, " AND "), args, nil
}

// searchWordsPostgres is SearchWords on PostgreSQL.
func (t *Tx) searchWordsPostgres(ctx context.Context, words []string, f SearchFilter, limit int) ([]Hit, error) {
	terms := make([]string, len(words))
	for i, w := range words {
		terms[i] = "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(w) + "'"
	}
	args, cond := f.conditions([]any{strings.Join(terms, " & ")}, "case_id", "", "internal")
	order := fmt.Sprintf(" ORDER BY id DESC LIMIT %d", limit)
	if f.CustomerID == 0 && len(f.CaseIDs) == 0 {
		c, err := t.chunkState(ctx, false)
		if err != nil {
			return nil, err
		}
		// The texts after the sealed chunks first, walked back by id (the boundary written
		// out, so the planner sees how few they are), then the chunks (search_chunks.go).
		hits, err := t.hits(ctx, fmt.Sprintf(`SELECT case_id, entry_id FROM search_docs WHERE id >= %d AND words @@ $1::tsquery`, c.boundary())+cond+order, args)
		if err != nil || len(hits) >= limit || c.sealed == 0 {
			return hits, err
		}
		more, err := t.searchChunks(ctx, c, words, f.PublicOnly, limit-len(hits))
		return append(hits, more...), err
	}
	// A customer's or a partner's search goes through their cases (search_docs_case).
	return t.hits(ctx, `SELECT case_id, entry_id FROM search_docs WHERE words @@ $1::tsquery`+cond+order, args)
}

// SearchRefs finds the cases that hold every reference key, in their texts or among their
// customer's references, newest case first. Keys are compared whole, through a plain index.
func (t *Tx) SearchRefs(ctx context.Context, keys []string, f SearchFilter, limit int) ([]Hit, error) {
	keys = dedupe(keys)
	if len(keys) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(keys)+2)
	for _, k := range keys {
		args = append(args, k)
	}
	in := placeholders(1, len(keys))
	args, textCond := f.conditions(args, "case_id", "customer_id", "internal")
	custFilter := f
	custFilter.PublicOnly = false // a customer's references are not internal
	args, custCond := custFilter.conditions(args, "c.id", "c.customer_id", "FALSE")
	q := `SELECT case_id, MAX(entry_id) FROM (
		SELECT case_id, entry_id, key FROM search_refs WHERE key IN (` + in + `)` + textCond + `
		UNION ALL
		SELECT c.id, 0, r.key FROM customer_refs r JOIN cases c ON c.customer_id = r.customer_id WHERE r.key IN (` + in + `)` + custCond + `
	) found GROUP BY case_id HAVING COUNT(DISTINCT key) = ` + fmt.Sprint(len(keys)) + fmt.Sprintf(" ORDER BY case_id DESC LIMIT %d", limit)
	return t.hits(ctx, q, args)
}

func (t *Tx) hits(ctx context.Context, q string, args []any) ([]Hit, error) {
	var out []Hit
	err := t.tx.eachRow(ctx, appendTo(&out, func(row scanner) (Hit, error) {
		var h Hit
		err := row.Scan(&h.CaseID, &h.EntryID)
		return h, err
	}), q, args...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return out, nil
}
