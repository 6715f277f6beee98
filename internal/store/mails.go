package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/keptdesk/kept/internal/desk"
)

// DeskKey returns the named secret of this desk, creating a random one of size bytes the first
// time: every node on one database signs with the same key.
func (t *Tx) DeskKey(ctx context.Context, name string, size int) ([]byte, error) {
	fresh := make([]byte, size)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("desk key %s: %w", name, err)
	}
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO desk_keys (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, fresh); err != nil {
		return nil, fmt.Errorf("desk key %s: %w", name, err)
	}
	var key []byte
	if err := t.tx.QueryRowContext(ctx, `SELECT value FROM desk_keys WHERE name = $1`, name).Scan(&key); err != nil {
		return nil, fmt.Errorf("desk key %s: %w", name, err)
	}
	return key, nil
}

// InsertMail stores a received mail and sets its id, unless a mail with its dedupe key is
// stored already (a sender's retry): then it stores nothing and reports false. Asking first
// would cost every mail a statement; this costs only the retries one.
func (t *Tx) InsertMail(ctx context.Context, m *desk.ReceivedMail) (bool, error) {
	problems, _ := json.Marshal(m.Problems) // strings always encode
	if m.Problems == nil {
		problems = []byte("[]")
	}
	// Unheld: the held links of other mails touch neither this row nor its dedupe key.
	err := t.unheld().QueryRowContext(ctx, `INSERT INTO mails (sha256, raw, size, message_id, from_addr, dedupe_key, thread_root, safe_html, problems,
		case_id, entry_id, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
		m.SHA256, m.Raw, len(m.Raw), m.MessageID, m.From, m.DedupeKey, m.ThreadRoot, m.SafeHTML, string(problems), m.CaseID, m.EntryID, m.ReceivedAt).Scan(&m.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store mail %s: %w", m.MessageID, err)
	}
	return true, nil
}

// MailByDedupeKey finds a mail already stored under a dedupe key (a sender retrying).
func (t *Tx) MailByDedupeKey(ctx context.Context, key string) (id, caseID int64, err error) {
	err = t.tx.QueryRowContext(ctx, `SELECT id, case_id FROM mails WHERE dedupe_key = $1`, key).Scan(&id, &caseID)
	if err != nil {
		return 0, 0, fmt.Errorf("find mail: %w", notFound(err))
	}
	return id, caseID, nil
}

// CaseOfMessageIDs finds the newest case that received a mail with one of these Message-IDs.
func (t *Tx) CaseOfMessageIDs(ctx context.Context, ids []string) (int64, error) {
	if len(ids) == 0 {
		return 0, ErrNotFound
	}
	if len(ids) > 50 {
		ids = ids[len(ids)-50:] // the newest references are at the end
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	var caseID int64
	err := t.tx.QueryRowContext(ctx, `SELECT case_id FROM mails WHERE case_id <> 0 AND message_id IN (`+placeholders(1, len(ids))+`) ORDER BY id DESC LIMIT 1`, args...).Scan(&caseID)
	if err != nil {
		return 0, fmt.Errorf("case of references: %w", notFound(err))
	}
	return caseID, nil
}

// CaseOfThreadRoot finds the newest case that received a mail of this Outlook conversation.
func (t *Tx) CaseOfThreadRoot(ctx context.Context, root string) (int64, error) {
	var caseID int64
	err := t.tx.QueryRowContext(ctx, `SELECT case_id FROM mails WHERE case_id <> 0 AND thread_root = $1 ORDER BY id DESC LIMIT 1`, root).Scan(&caseID)
	if err != nil {
		return 0, fmt.Errorf("case of thread: %w", notFound(err))
	}
	return caseID, nil
}

// Mail loads a stored mail, raw bytes included.
func (t *Tx) Mail(ctx context.Context, id int64) (desk.ReceivedMail, error) {
	var m desk.ReceivedMail
	var problems string
	err := t.tx.QueryRowContext(ctx, `SELECT id, sha256, raw, size, message_id, from_addr, safe_html, problems, case_id, entry_id, received_at
		FROM mails WHERE id = $1`, id).Scan(&m.ID, &m.SHA256, &m.Raw, &m.Size, &m.MessageID, &m.From, &m.SafeHTML, &problems, &m.CaseID, &m.EntryID, &m.ReceivedAt)
	if err != nil {
		return m, fmt.Errorf("load mail %d: %w", id, notFound(err))
	}
	m.ReceivedAt = m.ReceivedAt.UTC()
	if err := json.Unmarshal([]byte(problems), &m.Problems); err != nil {
		return m, fmt.Errorf("mail %d problems: %w", id, err)
	}
	return m, nil
}

// LastMailOfCase is the newest mail received on a case (for threading the desk's replies).
func (t *Tx) LastMailOfCase(ctx context.Context, caseID int64) (desk.ReceivedMail, error) {
	var m desk.ReceivedMail
	err := t.tx.QueryRowContext(ctx, `SELECT id, message_id, from_addr FROM mails WHERE case_id = $1 ORDER BY id DESC LIMIT 1`, caseID).
		Scan(&m.ID, &m.MessageID, &m.From)
	if err != nil {
		return m, fmt.Errorf("last mail of case %d: %w", caseID, notFound(err))
	}
	return m, nil
}
