package store

import (
	"context"

	"github.com/keptdesk/kept/internal/desk"
)

// What `kept verify` reads besides the hash chains: what a case row pins of its first entry,
// and the bytes of stored mails and documents with the hashes kept of them. Each walk streams
// one row at a time, so a mail of tens of megabytes is held once.

// CasePin is a case row's pinned subject and original request with its first entry (seq 1),
// which they were copied from when the case opened. FirstSeq is 0 for a case with no entry.
type CasePin struct {
	CaseID          int64
	Subject         string
	OriginalRequest string
	FirstSeq        int64
	FirstKind       desk.EntryKind
	FirstBody       string
	FirstData       []byte
}

// WalkCasePins calls fn for every case (or the one case, when caseID is not 0), in id order.
func (t *Tx) WalkCasePins(ctx context.Context, caseID int64, fn func(CasePin) error) error {
	q, args := narrowed(`SELECT c.id, c.subject, c.original_request, COALESCE(e.seq, 0), COALESCE(e.kind, ''), COALESCE(e.body, ''), COALESCE(e.data, '')
		FROM cases c LEFT JOIN entries e ON e.case_id = c.id AND e.seq = 1`, `c.id = $1`, caseID)
	return walkRows(ctx, t, "walk case pins", func(row scanner) (CasePin, error) {
		var p CasePin
		var kind string
		err := row.Scan(&p.CaseID, &p.Subject, &p.OriginalRequest, &p.FirstSeq, &kind, &p.FirstBody, &p.FirstData)
		p.FirstKind = desk.EntryKind(kind)
		return p, err
	}, fn, q+` ORDER BY c.id`, args...)
}

// MailEvidence is a stored mail's bytes and the hash kept of them, with the entry it became
// (EntrySeq 0 when it is linked to none).
type MailEvidence struct {
	ID        int64
	CaseID    int64
	SHA256    string
	Size      int64
	Raw       []byte
	EntrySeq  int64
	EntryData []byte
}

// WalkMailEvidence calls fn for every stored mail (or those of one case), in id order.
func (t *Tx) WalkMailEvidence(ctx context.Context, caseID int64, fn func(MailEvidence) error) error {
	q, args := narrowed(`SELECT m.id, m.case_id, m.sha256, m.size, m.raw, COALESCE(e.seq, 0), COALESCE(e.data, '')
		FROM mails m LEFT JOIN entries e ON e.id = m.entry_id`, `m.case_id = $1`, caseID)
	return walkRows(ctx, t, "walk mails", func(row scanner) (MailEvidence, error) {
		var m MailEvidence
		err := row.Scan(&m.ID, &m.CaseID, &m.SHA256, &m.Size, &m.Raw, &m.EntrySeq, &m.EntryData)
		return m, err
	}, fn, q+` ORDER BY m.id`, args...)
}

// DocumentEvidence is a stored document's bytes and the hash kept of them.
type DocumentEvidence struct {
	ID      int64
	CaseID  int64
	SHA256  string
	Size    int64
	Content []byte
}

// WalkDocumentEvidence calls fn for every document (or those given with one case), in id order.
func (t *Tx) WalkDocumentEvidence(ctx context.Context, caseID int64, fn func(DocumentEvidence) error) error {
	// One case's: by the case's customer first, as documents are found (documents_customer).
	q, args := narrowed(`SELECT d.id, COALESCE(d.case_id, 0), d.sha256, d.size, d.content FROM documents d`,
		`d.customer_id = (SELECT c.customer_id FROM cases c WHERE c.id = $1) AND d.case_id = $1`, caseID)
	return walkRows(ctx, t, "walk documents", func(row scanner) (DocumentEvidence, error) {
		var d DocumentEvidence
		err := row.Scan(&d.ID, &d.CaseID, &d.SHA256, &d.Size, &d.Content)
		return d, err
	}, fn, q+` ORDER BY d.id`, args...)
}
