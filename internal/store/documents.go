package store

import (
	"context"
	"fmt"

	"github.com/keptdesk/kept/internal/desk"
)

// documentColumns are a document's metadata; the bytes are read only when asked for.
const documentColumns = `id, customer_id, COALESCE(case_id, 0), kind, filename, content_type, size, sha256,
	by_kind, by_id, by_name, created_at, COALESCE(call_seq, 0)`

// scanDocument reads documentColumns.
func scanDocument(row scanner) (desk.Document, error) { return scanDocumentWith(row) }

// scanDocumentWith reads documentColumns, then the extra columns into extra.
func scanDocumentWith(row scanner, extra ...any) (desk.Document, error) {
	var d desk.Document
	var byKind string
	dest := append([]any{&d.ID, &d.CustomerID, &d.CaseID, &d.Kind, &d.Filename, &d.ContentType, &d.Size, &d.SHA256,
		&byKind, &d.By.ID, &d.By.Name, &d.CreatedAt, &d.CallSeq}, extra...)
	if err := row.Scan(dest...); err != nil {
		return d, err
	}
	d.By.Kind, d.CreatedAt = desk.ActorKind(byKind), d.CreatedAt.UTC()
	return d, nil
}

// InsertDocument stores a document with its bytes and sets its id. The caller has checked it
// and computed Size and SHA256 from content.
func (t *Tx) InsertDocument(ctx context.Context, d *desk.Document, content []byte) error {
	err := t.tx.QueryRowContext(ctx, `INSERT INTO documents (customer_id, case_id, kind, filename, content_type, size, sha256, content,
		by_kind, by_id, by_name, created_at, call_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
		d.CustomerID, nullID(d.CaseID), d.Kind, d.Filename, d.ContentType, d.Size, d.SHA256, content,
		string(d.By.Kind), d.By.ID, d.By.Name, d.CreatedAt, nullID(d.CallSeq)).Scan(&d.ID)
	if err != nil {
		return fmt.Errorf("insert document %q of customer %d: %w", d.Filename, d.CustomerID, err)
	}
	return nil
}

// Document loads a document's metadata.
func (t *Tx) Document(ctx context.Context, id int64) (desk.Document, error) {
	return loadByID(ctx, t, "document", id, scanDocument, `SELECT `+documentColumns+` FROM documents WHERE id = $1`)
}

// DocumentContent loads a document's bytes with its metadata.
func (t *Tx) DocumentContent(ctx context.Context, id int64) ([]byte, desk.Document, error) {
	var content []byte
	d, err := scanDocumentWith(t.tx.QueryRowContext(ctx, `SELECT `+documentColumns+`, content FROM documents WHERE id = $1`, id), &content)
	if err != nil {
		return nil, d, fmt.Errorf("load content of document %d: %w", id, notFound(err))
	}
	return content, d, nil
}

// Documents lists a customer's documents (metadata), oldest first.
func (t *Tx) Documents(ctx context.Context, customerID int64) ([]desk.Document, error) {
	return listOf(ctx, t, fmt.Sprintf("documents of customer %d", customerID), scanDocument,
		`SELECT `+documentColumns+` FROM documents WHERE customer_id = $1 ORDER BY id`, customerID)
}
