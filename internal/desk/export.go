package desk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// ExportFormat names the layout of an exported record. One layout serves every reader: an
// export for someone who may not see every entry (a customer does not see internal notes, a
// partner user neither) keeps each entry left out as a withheld entry, its seq, prev_hash and
// hash without its content, and lists those seqs in withheld. Every entry that is included
// still hashes into the one chain that ends at the head, so a reader can check it against the
// head the desk shows; a file with no withheld entry is the whole record.
const ExportFormat = "kept-record/1"

// RecordExport is a case's record as exported: everything needed to check it on its own.
// Head is where the case's record ended when exported. Customer, Status and Owner say what the
// case was at that time; they are not part of the chain.
type RecordExport struct {
	Format     string    `json:"format"`
	Ref        string    `json:"ref"`
	Subject    string    `json:"subject"`
	Customer   string    `json:"customer,omitempty"`
	Status     Status    `json:"status,omitempty"`
	Owner      string    `json:"owner,omitempty"`
	ExportedAt time.Time `json:"exported_at"`
	HeadSeq    int64     `json:"head_seq"`
	HeadHash   string    `json:"head_hash"`
	// Withheld lists the seqs of the entries whose content this export leaves out.
	Withheld []int64       `json:"withheld,omitempty"`
	Entries  []ExportEntry `json:"entries"`
}

// ExportEntry is an entry of an exported record: the whole entry, or (Withheld) only its
// place in the chain.
type ExportEntry struct {
	Entry
	Withheld bool `json:"-"`
}

// withheldEntry is how a withheld entry is written: nothing of what it says or who said it.
type withheldEntry struct {
	Seq      int64  `json:"seq"`
	Withheld bool   `json:"withheld"`
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// MarshalJSON writes a withheld entry as its place in the chain, any other as the entry.
func (e ExportEntry) MarshalJSON() ([]byte, error) {
	var v any = e.Entry
	if e.Withheld {
		v = withheldEntry{Seq: e.Seq, Withheld: true, PrevHash: e.PrevHash, Hash: e.Hash}
	}
	return plainJSON(v) // a body reads as it was written: "<" not "\u003c"
}

// UnmarshalJSON reads either form.
func (e *ExportEntry) UnmarshalJSON(b []byte) error {
	var mark struct {
		Withheld bool `json:"withheld"`
	}
	if err := json.Unmarshal(b, &mark); err != nil {
		return err
	}
	e.Withheld = mark.Withheld
	return json.Unmarshal(b, &e.Entry)
}

// EncodeExport is the export as a file: indented JSON, bodies as they were written.
func EncodeExport(x RecordExport) ([]byte, error) {
	b, err := EncodeFile(x)
	if err != nil {
		return nil, fmt.Errorf("encode the export of %s: %w", x.Ref, err)
	}
	return b, nil
}

// EncodeFile is v as a JSON file a person may read too: indented, text as written ("<", not
// "\u003c"). Exports and archives are written this way.
func EncodeFile(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// NewRecordExport is a case's record as reader may see it: entries they may not see are
// withheld. entries is the whole record, oldest first.
func NewRecordExport(c Case, entries []Entry, reader Actor, at time.Time) RecordExport {
	x := RecordExport{Format: ExportFormat, Ref: c.Ref(), Subject: c.Subject, Status: c.Status, ExportedAt: at,
		HeadSeq: c.LastSeq, HeadHash: c.LastHash, Entries: make([]ExportEntry, 0, len(entries))}
	for _, e := range entries {
		if CanSeeEntry(reader, e) {
			x.Entries = append(x.Entries, ExportEntry{Entry: e})
			continue
		}
		x.Withheld = append(x.Withheld, e.Seq)
		x.Entries = append(x.Entries, ExportEntry{Entry: Entry{Seq: e.Seq, PrevHash: e.PrevHash, Hash: e.Hash}, Withheld: true})
	}
	return x
}

// CheckExport verifies an exported record's chain and head; nil when it holds. A withheld
// entry is checked for its place (seq and prev_hash) only; the entry after it checks its hash.
func CheckExport(x RecordExport) (*ChainFault, error) {
	if x.Format != ExportFormat {
		return nil, fmt.Errorf("not a Kept record export (format %q, want %q)", x.Format, ExportFormat)
	}
	id, ok := ParseCaseRef(x.Ref)
	if !ok {
		return nil, fmt.Errorf("the export names no case (ref %q)", x.Ref)
	}
	check := NewChainChecker(x.Ref)
	var withheld []int64
	for _, e := range x.Entries {
		if e.Withheld {
			withheld = append(withheld, e.Seq)
			check.AddWithheld(e.Entry)
			continue
		}
		e.CaseID = id // the hash names the case; an entry moved from another case fails
		check.Add(e.Entry)
	}
	if f := check.Finish(x.HeadSeq, x.HeadHash); f != nil {
		return f, nil
	}
	if !slices.Equal(withheld, x.Withheld) {
		// The list says which entries a reader did not get; it must not hide one or claim one.
		return &ChainFault{Ref: x.Ref, Seq: firstDifference(withheld, x.Withheld),
			Reason: fmt.Sprintf("the export's withheld list %v does not match the entries it withholds %v", x.Withheld, withheld)}, nil
	}
	return nil, nil
}

// firstDifference is the first seq that is in one list and not at the same place in the other.
func firstDifference(a, b []int64) int64 {
	for i := range max(len(a), len(b)) {
		switch {
		case i >= len(a):
			return b[i]
		case i >= len(b), a[i] != b[i]:
			return a[i]
		}
	}
	return 0
}
