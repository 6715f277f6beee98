package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Changes between nodes: on PostgreSQL, each node tells the others what it committed by
// NOTIFY on one channel and hears theirs by LISTEN, so a live page on any node hears of a
// change made through another. SQLite runs one node: there is nothing to share.

const changesChannel = "kept_changes"

// SharesChanges reports whether other nodes may write this database (PostgreSQL).
func (s *Store) SharesChanges() bool { return s.d.name == "postgres" }

// PublishChanges tells the other nodes of committed changes: one NOTIFY per payload, in one
// statement, outside any command's transaction.
func (s *Store) PublishChanges(ctx context.Context, payloads []string) error {
	if !s.SharesChanges() || len(payloads) == 0 {
		return nil
	}
	_, err := s.writer.ExecContext(ctx, `SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p`, changesChannel, payloads)
	if err != nil {
		return fmt.Errorf("publish changes: %w", err)
	}
	return nil
}

// Listener is what ListenChanges tells: each payload heard, and the connection's state.
type Listener struct {
	Heard     func(payload string)
	Listening func()          // the channel is listened to (again)
	Lost      func(err error) // the connection was lost; it connects again in a second
}

// ListenChanges tells l each payload any node publishes until ctx ends, on a connection of
// its own, connecting again after a lost connection (what was published while it was lost is
// not heard: pages catch up on their next change or reload). On SQLite it returns at once.
func (s *Store) ListenChanges(ctx context.Context, l Listener) error {
	if !s.SharesChanges() {
		return nil
	}
	for {
		err := s.listenOnce(ctx, l)
		if ctx.Err() != nil {
			return nil
		}
		l.Lost(err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

func (s *Store) listenOnce(ctx context.Context, l Listener) error {
	conn, err := pgx.Connect(ctx, withConnectTimeout(s.cfg.URL))
	if err != nil {
		return fmt.Errorf("connect to listen for changes: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+changesChannel); err != nil {
		return fmt.Errorf("listen for changes: %w", err)
	}
	l.Listening()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("wait for changes: %w", err)
		}
		l.Heard(n.Payload)
	}
}

// MailboxHold is a node's hold on polling one mailbox, so that of several nodes given the same
// mailbox one polls it: on PostgreSQL a session advisory lock on a connection of its own,
// which the server releases when the node dies; on SQLite (one node) it is always held.
type MailboxHold struct{ conn *sql.Conn }

// TryHoldMailbox takes the hold on polling the mailbox named key, or reports that another
// node has it (nil, nil).
func (s *Store) TryHoldMailbox(ctx context.Context, key string) (*MailboxHold, error) {
	if !s.SharesChanges() {
		return &MailboxHold{}, nil
	}
	conn, err := s.writer.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("hold mailbox %s: %w", key, err)
	}
	var ok bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtextextended($1, 0))`, "kept imap "+key).Scan(&ok); err != nil || !ok {
		conn.Close()
		if err != nil {
			return nil, fmt.Errorf("hold mailbox %s: %w", key, err)
		}
		return nil, nil
	}
	return &MailboxHold{conn: conn}, nil
}

// Held reports whether the hold still stands (its connection answers).
func (h *MailboxHold) Held(ctx context.Context) bool {
	if h.conn == nil {
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return h.conn.PingContext(ctx) == nil
}

// Release gives the hold up.
func (h *MailboxHold) Release() {
	if h.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = h.conn.ExecContext(ctx, `SELECT pg_advisory_unlock_all()`)
	h.conn.Close()
}

// DBTime is the database server's clock now (PostgreSQL; ok false on SQLite, whose clock is
// this machine's): with several nodes, the desk tells the database's time, so that no node's
// wrong clock breaks a promise early or late.
func (s *Store) DBTime(ctx context.Context) (t time.Time, ok bool, err error) {
	if !s.SharesChanges() {
		return time.Time{}, false, nil
	}
	if err := s.writer.QueryRowContext(ctx, `SELECT clock_timestamp()`).Scan(&t); err != nil {
		return time.Time{}, false, fmt.Errorf("read the database's clock: %w", err)
	}
	return t.UTC(), true, nil
}
