package desk

import (
	"fmt"
	"time"
)

// AdminChange is one row of the admin log: an administrative change (an agent added or changed,
// a team's settings, a case type, a canned reply, a token, a webhook), who made it and when,
// with the fields it changed as they were and as they became (JSON objects; "{}" for none).
// Like a case's record it is never changed once written: Hash is the SHA-256 of its canonical
// bytes, which include PrevHash, so the log is one chain and Seq its place in it.
type AdminChange struct {
	ID        int64     `json:"id"`
	Seq       int64     `json:"seq"`
	At        time.Time `json:"at"`
	ActorKind ActorKind `json:"actor_kind"`
	ActorID   int64     `json:"actor_id,omitempty"`
	ActorName string    `json:"actor_name"`
	Action    string    `json:"action"`
	Object    string    `json:"object"`
	Before    string    `json:"before"`
	After     string    `json:"after"`
	PrevHash  string    `json:"prev_hash"`
	Hash      string    `json:"hash"`
}

// AdminLogHead is where the admin log's chain ends: the last row's seq and hash (0 and "" for
// an empty log). It is kept apart from the rows, so rows removed from the end are found.
type AdminLogHead struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// canonicalAdminChange fixes the field order and content of what an admin log row's hash is
// taken over. Changing it breaks every existing chain, so it carries a version.
type canonicalAdminChange struct {
	V      int            `json:"v"`
	Seq    int64          `json:"seq"`
	At     string         `json:"at"`
	Actor  canonicalActor `json:"actor"`
	Action string         `json:"action"`
	Object string         `json:"object"`
	Before string         `json:"before"`
	After  string         `json:"after"`
	Prev   string         `json:"prev"`
}

// Canonical returns the bytes the row's hash is taken over.
func (c AdminChange) Canonical() []byte {
	// Encoding a struct of strings and numbers cannot fail.
	b, _ := plainJSON(canonicalAdminChange{V: 1, Seq: c.Seq, At: c.At.UTC().Format(time.RFC3339Nano),
		Actor: canonicalActor{c.ActorKind, c.ActorID, c.ActorName}, Action: c.Action, Object: c.Object,
		Before: c.Before, After: c.After, Prev: c.PrevHash})
	return b
}

// ComputeHash returns the hex SHA-256 of the row's canonical bytes.
func (c AdminChange) ComputeHash() string { return hexSHA256(c.Canonical()) }

// ChainAdminChange gives a new row its place after head and its hash, and moves head to it.
func ChainAdminChange(head *AdminLogHead, c *AdminChange) {
	c.Seq, c.PrevHash = head.Seq+1, head.Hash
	c.Hash = c.ComputeHash()
	head.Seq, head.Hash = c.Seq, c.Hash
}

// AdminLogRef names the admin log in a chain fault.
const AdminLogRef = "admin log"

// AdminLogChecker walks the admin log in seq order and reports the first fault, as
// ChainChecker does for a case's record.
type AdminLogChecker struct{ walk chainWalk }

var adminLogWords = chainWords{ref: AdminLogRef, item: "row", whole: "the admin log", head: "the admin log's head"}

// Add checks the next row; it returns false once a fault is found.
func (v *AdminLogChecker) Add(c AdminChange) bool {
	altered := ""
	if c.ComputeHash() != c.Hash {
		altered = fmt.Sprintf("%s %s: content does not match its hash (altered after it was written)", c.Action, c.Object)
	}
	return v.walk.link(adminLogWords, c.Seq, c.PrevHash, c.Hash, altered)
}

// Finish compares the walked chain with the head the log remembers, which catches rows removed
// from the end. It returns the first fault, or nil.
func (v *AdminLogChecker) Finish(head AdminLogHead) *ChainFault {
	return v.walk.finish(adminLogWords, head.Seq, head.Hash)
}
