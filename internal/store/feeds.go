package store

import (
	"context"
	"fmt"
	"time"
)

// CalendarFeed is an agent's private calendar feed: the digest of the secret in its URL.
type CalendarFeed struct {
	ID        int64
	AgentID   int64
	Digest    []byte
	CreatedAt time.Time
	Revoked   bool
}

// InsertCalendarFeed stores a new feed of the agent's and revokes the ones before it: an agent
// has one feed URL at a time.
func (t *Tx) InsertCalendarFeed(ctx context.Context, agentID int64, digest []byte, now time.Time) (int64, error) {
	if _, err := t.RevokeCalendarFeeds(ctx, agentID, now); err != nil {
		return 0, err
	}
	return t.insertID(ctx, fmt.Sprintf("calendar feed of agent %d", agentID), `INSERT INTO calendar_feeds (agent_id, digest, created_at) VALUES ($1, $2, $3) RETURNING id`,
		agentID, digest, dbTime(now))
}

// RevokeCalendarFeeds ends the agent's feeds and says how many were live.
func (t *Tx) RevokeCalendarFeeds(ctx context.Context, agentID int64, now time.Time) (int64, error) {
	return t.changedRows(ctx, fmt.Sprintf("revoke calendar feeds of agent %d", agentID), `UPDATE calendar_feeds SET revoked_at = $1 WHERE agent_id = $2 AND revoked_at IS NULL`, dbTime(now), agentID)
}

// CalendarFeedByID loads a feed.
func (t *Tx) CalendarFeedByID(ctx context.Context, id int64) (CalendarFeed, error) {
	f := CalendarFeed{ID: id}
	err := t.scanByID(ctx, "load calendar feed", id, `SELECT agent_id, digest, created_at, revoked_at IS NOT NULL FROM calendar_feeds WHERE id = $1`,
		&f.AgentID, &f.Digest, &f.CreatedAt, &f.Revoked)
	f.CreatedAt = f.CreatedAt.UTC()
	return f, err
}

// LiveCalendarFeed is the agent's feed that works now, if any (ok false for none).
func (t *Tx) LiveCalendarFeed(ctx context.Context, agentID int64) (CalendarFeed, bool, error) {
	f := CalendarFeed{AgentID: agentID}
	err := t.tx.QueryRowContext(ctx, `SELECT id, digest, created_at FROM calendar_feeds WHERE agent_id = $1 AND revoked_at IS NULL
		ORDER BY id DESC LIMIT 1`, agentID).Scan(&f.ID, &f.Digest, &f.CreatedAt)
	if err != nil {
		if IsNotFound(notFound(err)) {
			return f, false, nil
		}
		return f, false, fmt.Errorf("load calendar feed of agent %d: %w", agentID, err)
	}
	f.CreatedAt = f.CreatedAt.UTC()
	return f, true, nil
}
