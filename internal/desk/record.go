package desk

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// EntryKind names what an entry on the record is.
type EntryKind string

// The kinds of record entries.
const (
	KindMessageIn           EntryKind = "message_in"
	KindMessageOut          EntryKind = "message_out"
	KindNote                EntryKind = "note"
	KindCall                EntryKind = "call"
	KindPromiseMade         EntryKind = "promise_made"
	KindPromiseKept         EntryKind = "promise_kept"
	KindPromiseSlipped      EntryKind = "promise_slipped"
	KindPromiseBroken       EntryKind = "promise_broken"
	KindEscalated           EntryKind = "escalated"
	KindHandover            EntryKind = "handover"
	KindIntroduction        EntryKind = "introduction"
	KindStatusChanged       EntryKind = "status_changed"
	KindResolutionConfirmed EntryKind = "resolution_confirmed"
	KindResolutionRejected  EntryKind = "resolution_rejected"
	KindReferenceAdded      EntryKind = "reference_added"
	// The desk asks the customer to agree to a downward hand-over; the customer answers.
	KindHandoverAsked    EntryKind = "handover_asked"
	KindHandoverAgreed   EntryKind = "handover_agreed"
	KindHandoverDeclined EntryKind = "handover_declined"
)

// Entry is one line of a case's record. It is never changed once stored: Hash is the SHA-256
// of its canonical bytes, which include PrevHash, so the record is a chain.
type Entry struct {
	ID       int64           `json:"id"`
	CaseID   int64           `json:"case_id"`
	Seq      int64           `json:"seq"`
	Kind     EntryKind       `json:"kind"`
	At       time.Time       `json:"at"`
	Actor    Actor           `json:"actor"`
	Internal bool            `json:"internal"`
	Channel  string          `json:"channel,omitempty"`
	Body     string          `json:"body"`
	Data     json.RawMessage `json:"data,omitempty"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// Draft is an entry the rules want appended; Chain gives it its place and hash.
type Draft struct {
	Kind     EntryKind
	Actor    Actor
	Internal bool
	Channel  string
	Body     string
	Data     EntryData // nil: none
	// At is when it happened, for history brought in from elsewhere (kept import); zero is now.
	At time.Time
}

// canonicalEntry fixes the field order and content of what is hashed. Changing it breaks
// every existing chain, so it carries a version.
type canonicalEntry struct {
	V        int             `json:"v"`
	Case     string          `json:"case"`
	Seq      int64           `json:"seq"`
	Kind     EntryKind       `json:"kind"`
	At       string          `json:"at"`
	Actor    canonicalActor  `json:"actor"`
	Internal bool            `json:"internal"`
	Channel  string          `json:"channel"`
	Body     string          `json:"body"`
	Data     json.RawMessage `json:"data"`
	Prev     string          `json:"prev"`
}

type canonicalActor struct {
	Kind ActorKind `json:"kind"`
	ID   int64     `json:"id"`
	Name string    `json:"name"`
}

// Canonical returns the bytes an entry's hash is taken over. The case is named by its ref so
// an exported record verifies on its own.
func (e Entry) Canonical() []byte {
	buf := canonicalBufs.Get().(*bytes.Buffer)
	defer putCanonical(buf)
	return bytes.Clone(e.canonical(buf))
}

// canonicalBufs are buffers for encoding entries' canonical bytes: every entry appended is
// hashed, and growing a new buffer for each was a tenth of what a promise break allocated.
var canonicalBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putCanonical returns a buffer to canonicalBufs, unless a large entry (a long mail) grew it.
func putCanonical(buf *bytes.Buffer) {
	if buf.Cap() <= 64<<10 {
		canonicalBufs.Put(buf)
	}
}

// canonical encodes the entry's canonical bytes into buf (emptied first) and returns them.
func (e Entry) canonical(buf *bytes.Buffer) []byte {
	data := e.Data
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	// Encoding a struct of strings, numbers and valid raw JSON cannot fail.
	b, _ := plainJSONTo(buf, canonicalEntry{
		V: 1, Case: CaseRef(e.CaseID), Seq: e.Seq, Kind: e.Kind,
		At:       e.At.UTC().Format(time.RFC3339Nano),
		Actor:    canonicalActor{e.Actor.Kind, e.Actor.ID, e.Actor.Name},
		Internal: e.Internal, Channel: e.Channel, Body: e.Body, Data: data, Prev: e.PrevHash,
	})
	return b
}

// ComputeHash returns the hex SHA-256 of the entry's canonical bytes.
func (e Entry) ComputeHash() string {
	buf := canonicalBufs.Get().(*bytes.Buffer)
	defer putCanonical(buf)
	return hexSHA256(e.canonical(buf))
}

// plainJSON is v as JSON with text as written ("<", not "\u003c") and no trailing newline: the
// canonical bytes a chain's hashes are taken over (entries, admin log rows), and an exported
// entry. Changing it breaks every existing chain.
func plainJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	return plainJSONTo(&buf, v)
}

// plainJSONTo is plainJSON encoded into buf (emptied first); the bytes are buf's.
func plainJSONTo(buf *bytes.Buffer, v any) ([]byte, error) {
	buf.Reset()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// hexSHA256 is a chain link's hash of its canonical bytes, hex-encoded in a fixed array (every
// appended entry is hashed).
func hexSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	var hexed [2 * sha256.Size]byte
	hex.Encode(hexed[:], sum[:])
	return string(hexed[:])
}

// Chain turns drafts into entries that follow the case's record, and moves the case's head.
func Chain(c *Case, drafts []Draft, now time.Time) ([]Entry, error) {
	out := make([]Entry, 0, len(drafts))
	for _, d := range drafts {
		data, err := marshalData(d.Kind, d.Data)
		if err != nil {
			return nil, err
		}
		at := now
		if !d.At.IsZero() {
			at = d.At.UTC().Truncate(time.Microsecond)
		}
		e := Entry{CaseID: c.ID, Seq: c.LastSeq + 1, Kind: d.Kind, At: at, Actor: d.Actor,
			Internal: d.Internal, Channel: d.Channel, Body: d.Body, Data: data, PrevHash: c.LastHash}
		e.Hash = e.ComputeHash()
		c.LastSeq, c.LastHash = e.Seq, e.Hash
		out = append(out, e)
	}
	if len(out) > 0 {
		c.UpdatedAt = now
	}
	return out, nil
}

// ChainFault is the first place a record's chain does not hold.
type ChainFault struct {
	Ref    string
	Seq    int64
	Reason string
}

func (f ChainFault) String() string { return fmt.Sprintf("%s seq %d: %s", f.Ref, f.Seq, f.Reason) }

// ChainChecker walks one case's entries in seq order and reports the first fault.
type ChainChecker struct {
	words chainWords
	walk  chainWalk
}

// NewChainChecker starts checking the record of the case with this ref.
func NewChainChecker(ref string) *ChainChecker {
	return &ChainChecker{words: chainWords{ref: ref, item: "entry", whole: "the case's record", head: "the case's head"}}
}

// Add checks the next entry; it returns false once a fault is found.
func (v *ChainChecker) Add(e Entry) bool { return v.add(e, true) }

// AddWithheld checks the next entry of an export that leaves its content out: its place in
// the chain only. Its hash is held by the prev_hash of the entry after it (or by the head).
func (v *ChainChecker) AddWithheld(e Entry) bool { return v.add(e, false) }

func (v *ChainChecker) add(e Entry, withContent bool) bool {
	altered := ""
	switch {
	case withContent && e.ComputeHash() != e.Hash:
		altered = "content does not match its hash (altered after it was written)"
	case !withContent && len(e.Hash) != sha256.Size*2:
		altered = "a withheld entry without its hash"
	}
	return v.walk.link(v.words, e.Seq, e.PrevHash, e.Hash, altered)
}

// Finish compares the walked chain with the head the case row remembers, which catches
// entries removed from the end. It returns the first fault, or nil.
func (v *ChainChecker) Finish(headSeq int64, headHash string) *ChainFault {
	return v.walk.finish(v.words, headSeq, headHash)
}

// chainWords name a chain in its faults: the ref, a link ("entry"), the whole and its head.
type chainWords struct{ ref, item, whole, head string }

// chainWalk is the one check of a hash chain, a case's record or the admin log: each link in
// seq order, its prev_hash the hash before it, the last one the head.
type chainWalk struct {
	lastSeq  int64
	lastHash string
	fault    *ChainFault
}

// link checks the next link; altered is why its content fails its own hash ("" when it holds).
func (v *chainWalk) link(w chainWords, seq int64, prevHash, hash, altered string) bool {
	if v.fault != nil {
		return false
	}
	switch {
	case seq != v.lastSeq+1:
		v.fail(w, v.lastSeq+1, fmt.Sprintf("%s missing (next stored %s is seq %d)", w.item, w.item, seq))
	case prevHash != v.lastHash:
		v.fail(w, seq, "prev_hash does not match the hash of the "+w.item+" before it")
	case altered != "":
		v.fail(w, seq, altered)
	}
	v.lastSeq, v.lastHash = seq, hash
	return v.fault == nil
}

func (v *chainWalk) finish(w chainWords, headSeq int64, headHash string) *ChainFault {
	if v.fault == nil && (headSeq != v.lastSeq || headHash != v.lastHash) {
		if headSeq > v.lastSeq {
			v.fail(w, v.lastSeq+1, fmt.Sprintf("%s missing (%s ends at seq %d)", w.item, w.whole, headSeq))
		} else {
			v.fail(w, v.lastSeq, fmt.Sprintf("%s does not match its last %s", w.head, w.item))
		}
	}
	return v.fault
}

func (v *chainWalk) fail(w chainWords, seq int64, reason string) {
	v.fault = &ChainFault{Ref: w.ref, Seq: seq, Reason: reason}
}

// What the record says for a mail that came without text: the record keeps these words as
// written, and the pages show them in the reader's language.
const (
	NoText         = "(no text)"
	NoTextAttached = "(no text; attached: " // the attachments' names and ")" follow
)
