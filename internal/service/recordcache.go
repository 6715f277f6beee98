package service

import (
	"container/list"
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/keptdesk/kept/internal/desk"
)

// A case's record is append-only (the database refuses to change or remove an entry), so an
// entry once read and encoded stays true for good, on every node: the service keeps the encoded
// entries of the records it last answered and reads only what was appended after the last one
// it has. What a reader may see is still decided on every request: the case is loaded and its
// access checked as before, and the reader's view (with or without internal notes) is picked
// from the kept entries; the cache holds data, never decisions.

// DefaultRecordCacheBytes bounds the encoded entries a service keeps (see WithRecordCache):
// about 12,000 entries, the records of the cases being worked on. It is live heap, which serve's
// soft memory limit (128 MiB) and the RSS target (200 MB) must hold beside everything else: at
// scale M with 32 MiB the collector ran near the limit all through the case page measure (629
// against 1,278 pages a second with 8 MiB), and without the limit the heap grew to 300 MB.
const DefaultRecordCacheBytes = 8 << 20

// WithRecordCache bounds the encoded record entries the service keeps to about maxBytes (0:
// keep none, every record is read whole).
func WithRecordCache(maxBytes int64) Option {
	return func(s *Service) { s.records = newRecordCache(maxBytes) }
}

// EntryEncoder writes one entry as a record answer holds it. It must depend on the entry alone.
type EntryEncoder func(b []byte, e desk.Entry) ([]byte, error)

// EncodeRecordsWith sets how RecordPage encodes entries; the API sets it as it starts.
func (s *Service) EncodeRecordsWith(enc EntryEncoder) { s.records.encode.Store(&enc) }

// RecordPage is a case's record as one reader sees it, encoded.
type RecordPage struct {
	// ETag names this reader's view of the record at its last visible entry (quoted, as the
	// header carries it): it changes when, and only when, an entry the reader sees is added.
	ETag string
	// NotModified: the ETag is one the reader named in If-None-Match; JSON is then empty.
	NotModified bool
	// JSON is the record as a JSON array, oldest first, with a final newline.
	JSON []byte
}

// RecordPage is Record encoded, answered from the kept entries and those appended since.
// ifNoneMatch is the request's If-None-Match header, if any.
func (s *Service) RecordPage(ctx context.Context, actor desk.Actor, caseID int64, ifNoneMatch string) (RecordPage, error) {
	enc := s.records.encoder()
	if enc == nil {
		return RecordPage{}, wrap("load record", errNoEncoder)
	}
	var page RecordPage
	err := s.readLooseAs(ctx, actor, func(w *work) error {
		c, err := w.loadCase(caseID) // the reader's access, checked every time
		if err != nil {
			return err
		}
		have := s.records.get(c.ID)
		if int64(len(have)) < c.LastSeq {
			more, err := w.tx.EntriesAfter(w.ctx, *c, int64(len(have)))
			if err != nil {
				return err
			}
			encoded := make([]cachedEntry, 0, len(more))
			for _, e := range more {
				b, err := enc(nil, e)
				if err != nil {
					return err
				}
				encoded = append(encoded, cachedEntry{seq: e.Seq, internal: e.Internal, hash: e.Hash, json: b})
			}
			if w.tx.Writable() {
				// A command's own transaction may read entries it has not committed: answer
				// them, keep none.
				have = append(have[:len(have):len(have)], encoded...)
			} else {
				have = s.records.add(c.ID, have, encoded)
			}
		}
		page = recordPage(c.ID, have, desk.CanSeeEntry(actor, desk.Entry{Internal: true}), ifNoneMatch)
		return nil
	})
	return page, wrap("load record", err)
}

var errNoEncoder = errors.New("no entry encoder set (EncodeRecordsWith)")

// recordPage picks the reader's view from a record's entries: all of them for staff, those not
// internal for customers and partners.
func recordPage(caseID int64, entries []cachedEntry, internal bool, ifNoneMatch string) RecordPage {
	size, n := 3, 0
	var last *cachedEntry
	for i := range entries {
		if e := &entries[i]; internal || !e.internal {
			size += len(e.json) + 1
			n++
			last = e
		}
	}
	view := "p"
	if internal {
		view = "a"
	}
	tag := `"k1-` + strconv.FormatInt(caseID, 10) + "-"
	if last == nil {
		tag += "0-" + view + `"`
	} else {
		tag += strconv.FormatInt(last.seq, 10) + "-" + last.hash[:min(len(last.hash), 16)] + "-" + view + `"`
	}
	if MatchesETag(ifNoneMatch, tag) {
		return RecordPage{ETag: tag, NotModified: true}
	}
	b := make([]byte, 0, size)
	b = append(b, '[')
	first := true
	for i := range entries {
		if e := &entries[i]; internal || !e.internal {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, e.json...)
		}
	}
	b = append(b, ']', '\n')
	return RecordPage{ETag: tag, JSON: b}
}

// MatchesETag reports whether an If-None-Match header names tag: "*", or tag among its
// comma-separated tags, weak or strong (RFC 9110's weak comparison, as If-None-Match uses).
func MatchesETag(header, tag string) bool {
	if header == "" {
		return false
	}
	for t := range strings.SplitSeq(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == tag {
			return true
		}
	}
	return false
}

// cachedEntry is one entry of a kept record: its JSON and what a view needs to pick it.
type cachedEntry struct {
	seq      int64
	internal bool
	hash     string
	json     []byte
}

// recordCache keeps the encoded entries of the records last answered, least recently used
// dropped first once the bound is passed. A record's entries are held as a slice that only
// grows: an element is never written after it is appended, so a reader may keep using the
// prefix it was handed while the slice grows or the record is dropped.
type recordCache struct {
	encode atomic.Pointer[EntryEncoder]
	mu     sync.Mutex
	max    int64
	size   int64
	cases  map[int64]*list.Element // of *keptRecord
	lru    list.List               // most recently used first
}

type keptRecord struct {
	caseID  int64
	entries []cachedEntry // seq 1, 2, … with no gap
	size    int64
}

func newRecordCache(maxBytes int64) *recordCache {
	return &recordCache{max: maxBytes, cases: map[int64]*list.Element{}}
}

func (rc *recordCache) encoder() EntryEncoder {
	if p := rc.encode.Load(); p != nil {
		return *p
	}
	return nil
}

// get is the kept start of a case's record (nil if none), marked as just used.
func (rc *recordCache) get(caseID int64) []cachedEntry {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	el, ok := rc.cases[caseID]
	if !ok {
		return nil
	}
	rc.lru.MoveToFront(el)
	r := el.Value.(*keptRecord)
	return r.entries[:len(r.entries):len(r.entries)]
}

// add keeps the entries read after have (the start get returned) and returns the record as far
// as it is known. Entries another request kept meanwhile are not kept twice: only an entry
// that follows the kept record's last one is appended.
func (rc *recordCache) add(caseID int64, have, more []cachedEntry) []cachedEntry {
	whole := append(have[:len(have):len(have)], more...)
	if rc.max <= 0 || len(whole) == 0 || whole[0].seq != 1 {
		return whole
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	el, ok := rc.cases[caseID]
	if !ok {
		el = rc.lru.PushFront(&keptRecord{caseID: caseID})
		rc.cases[caseID] = el
	}
	rc.lru.MoveToFront(el)
	r := el.Value.(*keptRecord)
	for i := len(r.entries); i < len(whole); i++ {
		e := whole[i]
		if e.seq != int64(len(r.entries))+1 {
			break // a gap: never keep a record with a hole in it
		}
		r.entries = append(r.entries, e)
		n := int64(len(e.json)+len(e.hash)) + 48
		r.size += n
		rc.size += n
	}
	for rc.size > rc.max && rc.lru.Len() > 0 {
		old := rc.lru.Back()
		or := old.Value.(*keptRecord)
		rc.lru.Remove(old)
		delete(rc.cases, or.caseID)
		rc.size -= or.size
	}
	if len(r.entries) > len(whole) {
		return r.entries[:len(r.entries):len(r.entries)]
	}
	return whole
}
