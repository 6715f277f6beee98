package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// IMAPCheckpoint returns where the IMAP poller stands in a mailbox: the mailbox's UIDVALIDITY
// and the last UID stored. found is false for a mailbox never polled.
func (t *Tx) IMAPCheckpoint(ctx context.Context, mailbox string) (uidValidity, lastUID uint32, found bool, err error) {
	var v, u int64
	err = t.tx.QueryRowContext(ctx, `SELECT uidvalidity, last_uid FROM imap_checkpoints WHERE mailbox = $1`, mailbox).Scan(&v, &u)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, false, nil
	}
	if err != nil {
		return 0, 0, false, fmt.Errorf("imap checkpoint %s: %w", mailbox, err)
	}
	return uint32(v), uint32(u), true, nil
}

// SaveIMAPCheckpoint records that the poller has stored every message of the mailbox up to
// lastUID under uidValidity.
func (t *Tx) SaveIMAPCheckpoint(ctx context.Context, mailbox string, uidValidity, lastUID uint32, now time.Time) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO imap_checkpoints (mailbox, uidvalidity, last_uid, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid, updated_at = excluded.updated_at`,
		mailbox, int64(uidValidity), int64(lastUID), now)
	if err != nil {
		return fmt.Errorf("save imap checkpoint %s: %w", mailbox, err)
	}
	return nil
}
