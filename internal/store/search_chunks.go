package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/bits"
	"slices"
	"sort"
	"strings"
)

// The word index in chunks (migration 00050). Texts are numbered (search_fts' rowid, search_docs'
// id); chunk k holds the texts numbered k<<chunk_bits up to the next chunk. Once a chunk is
// sealed, each word of its texts has one blob in search_chunks: the offsets in the chunk of the
// texts holding it, as a bitmap (1<<chunk_bits bits) or, for a word in few texts, as a sorted
// list of two-byte offsets (shorter than the bitmap, which tells the two apart). The word ''
// lists the chunk's internal texts.
//
// A search of the whole desk asks the full-text index only about the texts after the sealed
// chunks (at most two chunks' worth), newest first, and then the chunks, newest first: ANDing a
// few blobs per chunk costs microseconds where FTS5, walking two common words' lists backwards,
// read both lists whole. Texts are never changed or removed, so a sealed chunk stays right.

// chunkWordInternal is the pseudo-word listing a chunk's internal texts (no word is empty).
const chunkWordInternal = ""

// chunkState is search_chunks_sealed's row: the chunks' size and how many are sealed.
type chunkState struct {
	bits   uint
	sealed int64
}

// boundary is the first text number not in a sealed chunk.
func (c chunkState) boundary() int64 { return c.sealed << c.bits }

func (t *Tx) chunkState(ctx context.Context, lock bool) (chunkState, error) {
	q := `SELECT chunk_bits, sealed FROM search_chunks_sealed WHERE one = 1`
	if lock && t.d.name == "postgres" {
		q += " FOR UPDATE"
	}
	var c chunkState
	var b int64
	if err := t.tx.QueryRowContext(ctx, q).Scan(&b, &c.sealed); err != nil {
		return c, fmt.Errorf("search chunks: state: %w", err)
	}
	if b < 3 || b > 20 {
		return c, fmt.Errorf("search chunks: chunk_bits %d out of range", b)
	}
	c.bits = uint(b)
	return c, nil
}

// sealDue says whether texts numbered up to last leave a whole chunk after the sealed ones.
func (c chunkState) sealDue(last int64) bool { return last>>c.bits > c.sealed }

// SealSearch seals every chunk of texts that is whole (a later text exists), a chunk a
// transaction, and says how many it sealed. It runs after a write whose texts began a new
// chunk, after a bulk load and after migrating (where, on a desk from before 00050, it seals
// the whole index: see BENCHMARKS.md for the time it takes).
func (s *Store) SealSearch(ctx context.Context, progress func(done, total int64)) (int64, error) {
	return s.sealSearch(ctx, progress, true)
}

// sealSearch is SealSearch; without catchUp it leaves the recent tables behind (on SQLite), as
// the write that made a chunk due did (Tx.LeaveRecentBehind): an import's next batch would
// leave them behind again, so copying its texts into them at each chunk was work for nothing.
func (s *Store) sealSearch(ctx context.Context, progress func(done, total int64), catchUp bool) (int64, error) {
	s.sealMu.Lock()
	defer s.sealMu.Unlock()
	var last int64
	if s.d.name == "postgres" {
		// A text's id is taken when its INSERT runs, and the transaction may commit later:
		// once no transaction that writes texts is open (SHARE waits for them), every id up to
		// the highest is committed or never will be.
		err := s.Write(ctx, func(tx *Tx) error {
			if _, err := tx.tx.ExecContext(ctx, `LOCK TABLE search_docs IN SHARE MODE`); err != nil {
				return fmt.Errorf("search chunks: lock: %w", err)
			}
			return tx.tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM search_docs`).Scan(&last)
		})
		if err != nil {
			return 0, fmt.Errorf("search chunks: last text: %w", err)
		}
	} else {
		err := s.Read(ctx, func(tx *Tx) error {
			return tx.tx.QueryRowContext(ctx, `SELECT COALESCE((SELECT rowid FROM search_fts ORDER BY rowid DESC LIMIT 1), 0)`).Scan(&last)
		})
		if err != nil {
			return 0, fmt.Errorf("search chunks: last text: %w", err)
		}
	}
	var n int64
	for {
		var done bool
		var total int64
		err := s.Write(ctx, func(tx *Tx) error {
			c, err := tx.chunkState(ctx, true)
			if err != nil {
				return err
			}
			total = last >> c.bits
			if !c.sealDue(last) {
				done = true
				return nil
			}
			return tx.sealChunk(ctx, c)
		})
		if err == nil && done && catchUp && s.d.name != "postgres" {
			// After a bulk load or on a desk from before 00050: the texts not sealed
			// into the recent tables.
			err = s.Write(ctx, func(tx *Tx) error {
				st, err := tx.tailState(ctx)
				if err != nil || !st.behind() {
					return err
				}
				return tx.syncRecent(ctx, st)
			})
		}
		if err != nil || done {
			return n, err
		}
		n++
		if progress != nil {
			progress(n, total)
		}
	}
}

// sealChunk writes the blobs of chunk c.sealed and counts it sealed.
func (t *Tx) sealChunk(ctx context.Context, c chunkState) error {
	k := c.sealed
	lo, hi := k<<c.bits, (k+1)<<c.bits
	var q string
	if t.d.name == "postgres" {
		q = `SELECT id, internal, array_to_string(tsvector_to_array(words), chr(31)) FROM search_docs WHERE id >= $1 AND id < $2`
	} else {
		q = `SELECT rowid, internal, words FROM search_fts WHERE rowid >= $1 AND rowid < $2`
	}
	rows, err := t.tx.QueryContext(ctx, q, lo, hi)
	if err != nil {
		return fmt.Errorf("search chunks: read chunk %d: %w", k, err)
	}
	defer rows.Close()
	sep := " "
	if t.d.name == "postgres" {
		sep = wordSeparator
	}
	offsets := map[string][]uint16{}
	for rows.Next() {
		var id int64
		var internal bool
		var words string
		if err := rows.Scan(&id, &internal, &words); err != nil {
			return fmt.Errorf("search chunks: read chunk %d: %w", k, err)
		}
		off := uint16(id - lo)
		if internal {
			offsets[chunkWordInternal] = append(offsets[chunkWordInternal], off)
		}
		for _, w := range strings.Split(words, sep) {
			if w != "" {
				offsets[w] = append(offsets[w], off)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("search chunks: read chunk %d: %w", k, err)
	}
	rows.Close()
	const batch = 500
	args := make([]any, 0, 3*batch)
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		var b strings.Builder
		b.WriteString(`INSERT INTO search_chunks (word, chunk, docs) VALUES `)
		for i := 0; i < len(args); i += 3 {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "($%d, $%d, $%d)", i+1, i+2, i+3)
		}
		if _, err := t.tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("search chunks: write chunk %d: %w", k, err)
		}
		args = args[:0]
		return nil
	}
	for w, offs := range offsets {
		args = append(args, w, k, encodeChunk(offs, c.bits))
		if len(args) == cap(args) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if _, err := t.tx.ExecContext(ctx, `UPDATE search_chunks_sealed SET sealed = $1 WHERE one = 1`, k+1); err != nil {
		return fmt.Errorf("search chunks: seal chunk %d: %w", k, err)
	}
	if t.d.name == "postgres" {
		return nil
	}
	return t.clearRecent(ctx, c, k)
}

// encodeChunk is the blob of a word's offsets (ascending) in a chunk of 1<<chunkBits texts.
func encodeChunk(offs []uint16, chunkBits uint) []byte {
	size := 1 << chunkBits / 8
	if 2*len(offs) < size {
		out := make([]byte, 2*len(offs))
		for i, o := range offs {
			binary.LittleEndian.PutUint16(out[2*i:], o)
		}
		return out
	}
	out := make([]byte, size)
	for _, o := range offs {
		out[o/8] |= 1 << (o % 8)
	}
	return out
}

// chunkSet is a chunk's texts as a bitmap: bit i of word i/64 is the chunk's i-th text.
type chunkSet []uint64

func newChunkSet(chunkBits uint) chunkSet { return make(chunkSet, max(1, (1<<chunkBits)/64)) }

// load sets s to a blob's texts (encodeChunk's, for chunks of 1<<chunkBits texts).
func (s chunkSet) load(blob []byte, chunkBits uint) {
	size := 1 << chunkBits / 8
	if len(blob) == size && size%8 == 0 {
		for i := range s {
			s[i] = binary.LittleEndian.Uint64(blob[8*i:])
		}
		return
	}
	clear(s)
	if len(blob) == size {
		for i, b := range blob {
			s[i/8] |= uint64(b) << (8 * (i % 8))
		}
		return
	}
	for i := 0; i+1 < len(blob); i += 2 {
		o := binary.LittleEndian.Uint16(blob[i:])
		s[o/64] |= 1 << (o % 64)
	}
}

func (s chunkSet) and(o chunkSet) {
	for i := range s {
		s[i] &= o[i]
	}
}

func (s chunkSet) andNot(o chunkSet) {
	for i := range s {
		s[i] &^= o[i]
	}
}

// chunkBatch is how many chunks searchChunks asks about at most in one statement.
const chunkBatch = 64

// searchChunks finds the newest texts in sealed chunks holding every word, up to limit,
// newest first: the chunks are read newest first, one, then 4, 16 and 64 at a time. Each blob
// is ANDed into its chunk's set as its row is read, not kept (at scale M, two common words
// that never meet are 2.6 MB of blobs).
func (t *Tx) searchChunks(ctx context.Context, c chunkState, words []string, publicOnly bool, limit int) ([]Hit, error) {
	words = dedupe(words)
	asked := slices.Clone(words)
	if publicOnly {
		asked = append(asked, chunkWordInternal)
	}
	per := len(newChunkSet(c.bits))
	tmp := newChunkSet(c.bits)
	var sets, internal []uint64
	var seen []int
	var found []int64
	var kept [][]byte // the cache's blobs of a batch of chunks
	step := int64(1)
	for hi := c.sealed; hi > 0 && len(found) < limit; {
		lo := max(hi-step, 0)
		step = min(step*4, chunkBatch)
		n := int(hi - lo)
		// A chunk's set is written whole by its first word's blob (load) before it is read.
		sets, seen = slices.Grow(sets[:0], n*per)[:n*per], slices.Grow(seen[:0], n)[:n]
		clear(seen)
		if publicOnly {
			internal = slices.Grow(internal[:0], n*per)[:n*per]
			clear(internal)
		}
		apply := func(i int, w string, b []byte) {
			set := chunkSet(sets[i*per : (i+1)*per])
			switch {
			case w == chunkWordInternal:
				chunkSet(internal[i*per:(i+1)*per]).load(b, c.bits)
			case seen[i] == 0:
				set.load(b, c.bits)
				seen[i]++
			default:
				tmp.load(b, c.bits)
				set.and(tmp)
				seen[i]++
			}
		}
		var ok bool
		if kept, ok = t.chunks.all(c.bits, asked, lo, hi, kept); ok {
			for x, b := range kept {
				if b != nil {
					apply(x/len(asked), asked[x%len(asked)], b)
				}
			}
		} else if _, err := t.readChunks(ctx, c.bits, asked, lo, hi, apply); err != nil {
			return nil, err
		}
		for i := n - 1; i >= 0 && len(found) < limit; i-- {
			if seen[i] != len(words) {
				continue // a word is in none of the chunk's texts
			}
			set := chunkSet(sets[i*per : (i+1)*per])
			if publicOnly {
				set.andNot(internal[i*per : (i+1)*per])
			}
			k := lo + int64(i)
			for j := len(set) - 1; j >= 0 && len(found) < limit; j-- {
				for w := set[j]; w != 0 && len(found) < limit; {
					top := 63 - bits.LeadingZeros64(w)
					w &^= 1 << top
					found = append(found, k<<c.bits+int64(j*64+top))
				}
			}
		}
		hi = lo
	}
	return t.hitsOf(ctx, found)
}

// readChunks reads the blobs of the words in chunks lo to hi-1, handing each to apply (by the
// chunk's place from lo) as its row is read, and keeps them, and which chunks have none of a
// word, in the store's cache; it returns what it read.
func (t *Tx) readChunks(ctx context.Context, bits uint, words []string, lo, hi int64, apply func(i int, w string, b []byte)) ([]chunkItem, error) {
	args := []any{lo, hi}
	for _, w := range words {
		args = append(args, w)
	}
	rows, err := t.tx.QueryContext(ctx, `SELECT chunk, word, docs FROM search_chunks WHERE chunk >= $1 AND chunk < $2 AND word IN (`+
		placeholders(3, len(words))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("search: chunks %d to %d: %w", lo, hi, err)
	}
	defer rows.Close()
	read := make([]chunkItem, 0, int(hi-lo)*len(words))
	have := make(map[chunkKey]bool, cap(read))
	for rows.Next() {
		var k int64
		var w string
		var b sql.RawBytes // valid until the next row: read into the sets at once
		if err := rows.Scan(&k, &w, &b); err != nil {
			return nil, fmt.Errorf("search: chunks %d to %d: %w", lo, hi, err)
		}
		apply(int(k-lo), w, b)
		key := chunkKey{w, k}
		have[key] = true
		read = append(read, chunkItem{key: key, docs: append(make([]byte, 0, len(b)), b...)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search: chunks %d to %d: %w", lo, hi, err)
	}
	for k := lo; k < hi; k++ {
		for _, w := range words {
			if key := (chunkKey{w, k}); !have[key] {
				read = append(read, chunkItem{key: key}) // none of the chunk's texts has the word
			}
		}
	}
	t.chunks.put(bits, read)
	return read, nil
}

// chunkBlobs is each word's blob in sealed chunk k (nil where none of its texts has the word),
// from the store's cache or read and kept.
func (t *Tx) chunkBlobs(ctx context.Context, bits uint, words []string, k int64) ([][]byte, error) {
	if got, ok := t.chunks.all(bits, words, k, k+1, nil); ok {
		return got, nil
	}
	read, err := t.readChunks(ctx, bits, words, k, k+1, func(int, string, []byte) {})
	out := make([][]byte, len(words))
	for _, it := range read {
		if j := slices.Index(words, it.key.word); j >= 0 {
			out[j] = it.docs // copied once by readChunks, shared with the cache
		}
	}
	return out, err
}

// blobsHold says whether every blob (encodeChunk's, of chunks of 1<<bits texts) lists the
// text at offset o of its chunk.
func blobsHold(blobs [][]byte, o uint16, bits uint) bool {
	size := 1 << bits / 8
	for _, b := range blobs {
		if len(b) == size { // a bitmap
			if b[o/8]&(1<<(o%8)) == 0 {
				return false
			}
			continue
		}
		n := len(b) / 2 // a sorted list of two-byte offsets
		i := sort.Search(n, func(i int) bool { return binary.LittleEndian.Uint16(b[2*i:]) >= o })
		if i == n || binary.LittleEndian.Uint16(b[2*i:]) != o {
			return false
		}
	}
	return true
}

// hitsOf is the case and entry of each text numbered in ids, in the order given.
func (t *Tx) hitsOf(ctx context.Context, ids []int64) ([]Hit, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	js, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	q := `SELECT rowid, case_id, entry_id FROM search_fts WHERE rowid IN (SELECT value FROM json_each($1))`
	var arg any = string(js)
	if t.d.name == "postgres" {
		q, arg = `SELECT id, case_id, entry_id FROM search_docs WHERE id = ANY($1::bigint[])`, ids
	}
	rows, err := t.tx.QueryContext(ctx, q, arg)
	if err != nil {
		return nil, fmt.Errorf("search: texts found: %w", err)
	}
	defer rows.Close()
	byID := make(map[int64]Hit, len(ids))
	for rows.Next() {
		var id int64
		var h Hit
		if err := rows.Scan(&id, &h.CaseID, &h.EntryID); err != nil {
			return nil, fmt.Errorf("search: texts found: %w", err)
		}
		byID[id] = h
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search: texts found: %w", err)
	}
	out := make([]Hit, 0, len(ids))
	for _, id := range ids {
		if h, ok := byID[id]; ok {
			out = append(out, h)
		}
	}
	return out, nil
}

// On SQLite the texts not yet sealed are also in search_recent0 and search_recent1, by their
// chunk's parity: FTS5 walks a word's list backwards only by reading each segment's list from
// its start, whatever the bounds asked, so newest first in the main index costs the whole
// list; in a table of one or two chunks' texts it costs those. A sealed chunk's table is
// emptied by making it again (recentTableDDL), which costs nothing, where deleting its rows
// would cost what writing them did.

// recentTableDDL makes search_recent<p> as migration 00050 does.
func recentTableDDL(p int64) string {
	return fmt.Sprintf(`CREATE VIRTUAL TABLE search_recent%d USING fts5 (
    words, case_id UNINDEXED, entry_id UNINDEXED, internal UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
)`, p)
}

// tail is what a search or a write on SQLite needs to know of the index's end.
type tail struct {
	chunkState
	last      int64 // the newest text
	recentMax int64 // the newest text in the recent tables (0: none)
}

// behind says whether texts from the boundary on are missing from the recent tables (a bulk
// load writes only the main index): they are the texts after max(recentMax, boundary-1).
func (s tail) behind() bool { return max(s.recentMax, s.boundary()-1) < s.last }

func (t *Tx) tailState(ctx context.Context) (tail, error) {
	var s tail
	var b int64
	err := t.tx.QueryRowContext(ctx, `SELECT chunk_bits, sealed,
		COALESCE((SELECT rowid FROM search_fts ORDER BY rowid DESC LIMIT 1), 0),
		MAX(COALESCE((SELECT rowid FROM search_recent0 ORDER BY rowid DESC LIMIT 1), 0),
			COALESCE((SELECT rowid FROM search_recent1 ORDER BY rowid DESC LIMIT 1), 0))
		FROM search_chunks_sealed WHERE one = 1`).Scan(&b, &s.sealed, &s.last, &s.recentMax)
	if err != nil {
		return s, fmt.Errorf("search chunks: state: %w", err)
	}
	s.bits = uint(b)
	return s, nil
}

// syncRecent copies into the recent tables the texts they miss (see behind).
func (t *Tx) syncRecent(ctx context.Context, s tail) error {
	from := max(s.recentMax+1, s.boundary())
	for p := range int64(2) {
		if _, err := t.tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO search_recent%d (rowid, words, case_id, entry_id, internal)
			SELECT rowid, words, case_id, entry_id, internal FROM search_fts WHERE rowid >= $1 AND ((rowid >> %d) & 1) = %d`, p, s.bits, p), from); err != nil {
			return fmt.Errorf("search chunks: recent texts from %d: %w", from, err)
		}
	}
	return nil
}

// clearRecent empties chunk k's recent table once k is sealed: made again if it holds only
// texts of k (and older), else (sealing fell two chunks behind) k's rows deleted.
func (t *Tx) clearRecent(ctx context.Context, c chunkState, k int64) error {
	p := k & 1
	end := (k + 1) << c.bits
	var newest int64
	if err := t.tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT COALESCE((SELECT rowid FROM search_recent%d ORDER BY rowid DESC LIMIT 1), 0)`, p)).Scan(&newest); err != nil {
		return fmt.Errorf("search chunks: recent texts: %w", err)
	}
	if newest >= end {
		if _, err := t.tx.ExecContext(ctx, fmt.Sprintf(`DELETE FROM search_recent%d WHERE rowid < $1`, p), end); err != nil {
			return fmt.Errorf("search chunks: recent texts of chunk %d: %w", k, err)
		}
		return nil
	}
	for _, q := range []string{fmt.Sprintf(`DROP TABLE search_recent%d`, p), recentTableDDL(p)} {
		if _, err := t.tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("search chunks: recent texts of chunk %d: %w", k, err)
		}
	}
	return nil
}

// writeRecent adds a write's texts (js as writeWords made it, rowids first to last) to the recent
// tables, or, if they are behind, everything they miss, these texts included (already in
// search_fts). It says whether a chunk is due to be sealed.
func (t *Tx) writeRecent(ctx context.Context, s tail, js string, first, last int64) (bool, error) {
	if s.behind() {
		if err := t.syncRecent(ctx, s); err != nil {
			return false, err
		}
		return s.sealDue(last), nil
	}
	var parities [2]bool
	for p := range parities { // does [first, last] reach a chunk of each parity?
		parities[p] = first>>s.bits != last>>s.bits || (first>>s.bits)&1 == int64(p)
	}
	for p, ok := range parities {
		if !ok {
			continue
		}
		if _, err := t.tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO search_recent%d (rowid, words, case_id, entry_id, internal)
			SELECT value ->> 5, value ->> 0, value ->> 1, value ->> 3, value ->> 4 FROM jsonb_each($1) WHERE (((value ->> 5) >> %d) & 1) = %d`, p, s.bits, p), js); err != nil {
			return false, fmt.Errorf("index words of %d texts: recent: %w", last-first+1, err)
		}
	}
	return s.sealDue(last), nil
}

// searchRecent is the newest texts from the boundary on holding every word, up to limit, on
// SQLite: from the recent tables, and from the main index for any they miss (see behind).
func (t *Tx) searchRecent(ctx context.Context, s tail, match string, publicOnly bool, limit int) ([]Hit, error) {
	type found struct {
		id int64
		h  Hit
	}
	var all []found
	ask := func(table string, from int64) error {
		q := fmt.Sprintf(`SELECT rowid, case_id, entry_id FROM %[1]s WHERE %[1]s MATCH $1 AND rowid >= $2`, table)
		if publicOnly {
			q += " AND NOT internal"
		}
		rows, err := t.tx.QueryContext(ctx, q+fmt.Sprintf(" ORDER BY rowid DESC LIMIT %d", limit), match, from)
		if err != nil {
			return fmt.Errorf("search: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var f found
			if err := rows.Scan(&f.id, &f.h.CaseID, &f.h.EntryID); err != nil {
				return fmt.Errorf("search: %w", err)
			}
			all = append(all, f)
		}
		return rows.Err()
	}
	if s.behind() {
		if err := ask("search_fts", max(s.recentMax+1, s.boundary())); err != nil {
			return nil, err
		}
	}
	for _, table := range []string{"search_recent0", "search_recent1"} {
		if err := ask(table, s.boundary()); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(all, func(a, b found) int { return cmp.Compare(b.id, a.id) })
	var out []Hit
	for i := 0; i < len(all) && len(out) < limit; i++ {
		if i == 0 || all[i].id != all[i-1].id {
			out = append(out, all[i].h)
		}
	}
	return out, nil
}
