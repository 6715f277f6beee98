package store

import (
	"context"
	"fmt"

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
	q := `SELECT c.id, c.subject, c.original_request, COALESCE(e.seq, 0), COALESCE(e.kind, ''), COALESCE(e.body, ''), COALESCE(e.data, '')
		FROM cases c LEFT JOIN entries e ON e.case_id = c.id AND e.seq = 1`
	var args []any
	if caseID != 0 {
		q += ` WHERE c.id = $1`
		args = append(args, caseID)
	}
	rows, err := t.tx.QueryContext(ctx, q+` ORDER BY c.id`, args...)
	if err != nil {
		return fmt.Errorf("walk case pins: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p CasePin
		var kind, data string
		if err := rows.Scan(&p.CaseID, &p.Subject, &p.OriginalRequest, &p.FirstSeq, &kind, &p.FirstBody, &data); err != nil {
			return fmt.Errorf("walk case pins: %w", err)
		}
		p.FirstKind, p.FirstData = desk.EntryKind(kind), []byte(data)
		if err := fn(p); err != nil {
			return err
		}
	}
	return rows.Err()
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
	q := `SELECT m.id, m.case_id, m.sha256, m.size, m.raw, COALESCE(e.seq, 0), COALESCE(e.data, '')
		FROM mails m LEFT JOIN entries e ON e.id = m.entry_id`
	var args []any
	if caseID != 0 {
		q += ` WHERE m.case_id = $1`
		args = append(args, caseID)
	}
	rows, err := t.tx.QueryContext(ctx, q+` ORDER BY m.id`, args...)
	if err != nil {
		return fmt.Errorf("walk mails: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m MailEvidence
		var data string
		if err := rows.Scan(&m.ID, &m.CaseID, &m.SHA256, &m.Size, &m.Raw, &m.EntrySeq, &data); err != nil {
			return fmt.Errorf("walk mails: %w", err)
		}
		m.EntryData = []byte(data)
		if err := fn(m); err != nil {
			return err
		}
	}
	return rows.Err()
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
	q := `SELECT d.id, COALESCE(d.case_id, 0), d.sha256, d.size, d.content FROM documents d`
	var args []any
	if caseID != 0 {
		// By the case's customer first: documents are found by customer (documents_customer).
		q += ` WHERE d.customer_id = (SELECT c.customer_id FROM cases c WHERE c.id = $1) AND d.case_id = $1`
		args = append(args, caseID)
	}
	rows, err := t.tx.QueryContext(ctx, q+` ORDER BY d.id`, args...)
	if err != nil {
		return fmt.Errorf("walk documents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d DocumentEvidence
		if err := rows.Scan(&d.ID, &d.CaseID, &d.SHA256, &d.Size, &d.Content); err != nil {
			return fmt.Errorf("walk documents: %w", err)
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	return rows.Err()
}
