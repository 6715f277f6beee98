package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/store"
)

// What `kept verify` checks besides the hash chains: that what the record quotes is still what
// is stored. A mail's bytes must hash to the SHA-256 kept with them and quoted on its entry, a
// document's likewise, and a case row's subject and original request must be those of its first
// entry (the row is what lists and pages show; the entry is what the chain protects).

// EvidenceFault is stored evidence that does not match its hash or the record.
type EvidenceFault struct {
	Ref    string `json:"ref,omitempty"` // the case it belongs to, when known
	Seq    int64  `json:"seq,omitempty"` // the entry that quotes it, when known
	Object string `json:"object"`        // "case", "mail 17", "document 4"
	Field  string `json:"field"`         // what differs: subject, original_request, raw, sha256, content, size
	Reason string `json:"reason"`
}

func (f EvidenceFault) String() string {
	var b strings.Builder
	if f.Ref != "" {
		b.WriteString(f.Ref)
		if f.Seq != 0 {
			fmt.Fprintf(&b, " seq %d", f.Seq)
		}
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%s %s: %s", f.Object, f.Field, f.Reason)
	return b.String()
}

// docQuote is where the record quotes a document's hash (its document_added entry).
type docQuote struct {
	ref    string
	seq    int64
	sha256 string
}

// quoteOf notes a document_added or recording_added entry's quote of its document's hash, if
// e is one.
func quoteOf(e desk.Entry, quotes map[int64]docQuote) {
	if d, ok := desk.DataOf[desk.DocumentAddedData](e); ok && d.DocumentID != 0 && d.SHA256 != "" {
		quotes[d.DocumentID] = docQuote{desk.CaseRef(e.CaseID), e.Seq, d.SHA256}
	}
	if d, ok := desk.DataOf[desk.RecordingAddedData](e); ok && d.DocumentID != 0 && d.SHA256 != "" {
		quotes[d.DocumentID] = docQuote{desk.CaseRef(e.CaseID), e.Seq, d.SHA256}
	}
	// Files attached to a reply or a note in the desk are quoted on its entry.
	var files []desk.File
	if d, ok := desk.DataOf[desk.MessageOutData](e); ok {
		files = d.Files
	} else if d, ok := desk.DataOf[desk.NoteData](e); ok {
		files = d.Files
	}
	for _, f := range files {
		if f.DocumentID != 0 && f.SHA256 != "" {
			quotes[f.DocumentID] = docQuote{desk.CaseRef(e.CaseID), e.Seq, f.SHA256}
		}
	}
}

// short is a hash cut to what a person compares by eye.
func short(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}

// hexSum is the hash kept of stored bytes (a mail, a document, a recording): what is stored
// and what verify checks it against are one function.
func hexSum(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// verifyEvidence checks case rows' pins, stored mails and documents (of one case, when caseID
// is not 0) in tx, appending what differs to rep. quotes are the documents' hashes as the
// records quote them (see quoteOf).
func (s *Service) verifyEvidence(ctx context.Context, tx *store.Tx, caseID int64, quotes map[int64]docQuote, rep *VerifyReport) error {
	err := tx.WalkCasePins(ctx, caseID, func(p store.CasePin) error {
		rep.Evidence = append(rep.Evidence, checkPin(p)...)
		return nil
	})
	if err != nil {
		return err
	}
	err = tx.WalkMailEvidence(ctx, caseID, func(m store.MailEvidence) error {
		rep.Mails++
		rep.Evidence = append(rep.Evidence, checkMail(m)...)
		return nil
	})
	if err != nil {
		return err
	}
	return tx.WalkDocumentEvidence(ctx, caseID, func(d store.DocumentEvidence) error {
		rep.Documents++
		rep.Evidence = append(rep.Evidence, checkDocument(d, quotes)...)
		return nil
	})
}

// checkPin holds a case row's subject and original request to its first entry, the customer's
// request the case opened with, or an imported case's to what its first entry pinned. A record
// that starts with neither pins nothing to check.
func checkPin(p store.CasePin) []EvidenceFault {
	ref := desk.CaseRef(p.CaseID)
	var out []EvidenceFault
	fault := func(field, reason string) {
		out = append(out, EvidenceFault{Ref: ref, Seq: p.FirstSeq, Object: "case", Field: field, Reason: reason})
	}
	if p.FirstKind == desk.KindImported {
		// An imported case's first entry pins what the case row was made with (kept import).
		data, _ := desk.DataOf[desk.ImportedData](desk.Entry{Kind: p.FirstKind, Data: p.FirstData})
		if desk.TextSHA256(p.OriginalRequest) != data.OriginalSHA256 {
			fault("original_request", fmt.Sprintf("the case row's (%d bytes) differs from the one the import pinned", len(p.OriginalRequest)))
		}
		if p.Subject != data.Subject {
			fault("subject", fmt.Sprintf("the case row's %q differs from the imported %q", clip(p.Subject), clip(data.Subject)))
		}
		return out
	}
	if p.FirstSeq == 0 || p.FirstKind != desk.KindMessageIn {
		return nil
	}
	if p.OriginalRequest != p.FirstBody {
		fault("original_request", fmt.Sprintf("the case row's (%d bytes) differs from the first entry's text (%d bytes)", len(p.OriginalRequest), len(p.FirstBody)))
	}
	// The chain check reports data that is not JSON; here it names no subject.
	data, _ := desk.DataOf[desk.MessageInData](desk.Entry{Kind: p.FirstKind, Data: p.FirstData})
	subject := data.Subject
	if subject == "" && !data.FromMail() {
		fault("subject", "the first entry names no subject to hold the case row's to")
		return out
	}
	if data.FromMail() {
		subject = mailCaseSubject(subject, p.FirstBody)
	}
	if p.Subject != subject {
		fault("subject", fmt.Sprintf("the case row's %q differs from the first entry's %q", clip(p.Subject), clip(subject)))
	}
	return out
}

// mailCaseSubject is the subject a case opened by a mail gets from the mail's subject and text,
// as parseMail and fileMail give it: trimmed and cut to what a case holds, or, when the mail
// has none, the start of the text. (The entry keeps the mail's subject as it came.)
func mailCaseSubject(subject, text string) string {
	s, _ := fitText(strings.TrimSpace(subject), maxRecordSubject)
	if s == "" {
		s = inboundSubject(Inbound{Body: text})
	}
	return strings.TrimSpace(s) // as desk.ValidateNewCase stores it
}

// clip shortens a text quoted in a fault line.
func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

// checkMail re-hashes a stored mail's bytes and holds them to the hash stored with them and to
// the hash its entry quotes (entries made before the entry carried it quote none).
func checkMail(m store.MailEvidence) []EvidenceFault {
	var out []EvidenceFault
	ref := ""
	if m.CaseID != 0 {
		ref = desk.CaseRef(m.CaseID)
	}
	obj := fmt.Sprintf("mail %d", m.ID)
	fault := func(field, reason string) {
		out = append(out, EvidenceFault{Ref: ref, Seq: m.EntrySeq, Object: obj, Field: field, Reason: reason})
	}
	checkBytes(fault, "raw", m.Raw, m.SHA256, m.Size)
	if m.EntrySeq == 0 {
		return out
	}
	data, _ := desk.DataOf[desk.MessageInData](desk.Entry{Kind: desk.KindMessageIn, Data: m.EntryData})
	if data.MailID != 0 && data.MailID != m.ID {
		fault("entry_id", fmt.Sprintf("linked to an entry about mail %d", data.MailID))
	}
	if data.SHA256 != "" && data.SHA256 != m.SHA256 {
		fault("sha256", fmt.Sprintf("the stored sha256 %s differs from the %s the record quotes", short(m.SHA256), short(data.SHA256)))
	}
	return out
}

// checkBytes holds stored bytes (the field named) to their stored SHA-256 and size.
func checkBytes(fault func(field, reason string), field string, b []byte, sum string, size int64) {
	if got := hexSum(b); got != sum {
		fault(field, fmt.Sprintf("the bytes hash to %s, the stored sha256 is %s", short(got), short(sum)))
	}
	if int64(len(b)) != size {
		fault("size", fmt.Sprintf("%d bytes stored, the size says %d", len(b), size))
	}
}

// checkDocument re-hashes a document's bytes and holds them to its stored hash and size and to
// the hash its document_added (or a recording's recording_added) entry quotes.
func checkDocument(d store.DocumentEvidence, quotes map[int64]docQuote) []EvidenceFault {
	var out []EvidenceFault
	q := quotes[d.ID]
	ref := q.ref
	if ref == "" && d.CaseID != 0 {
		ref = desk.CaseRef(d.CaseID)
	}
	obj := fmt.Sprintf("document %d", d.ID)
	fault := func(field, reason string) {
		out = append(out, EvidenceFault{Ref: ref, Seq: q.seq, Object: obj, Field: field, Reason: reason})
	}
	checkBytes(fault, "content", d.Content, d.SHA256, d.Size)
	if q.sha256 != "" && q.sha256 != d.SHA256 {
		fault("sha256", fmt.Sprintf("the stored sha256 %s differs from the %s the record quotes", short(d.SHA256), short(q.sha256)))
	}
	return out
}
