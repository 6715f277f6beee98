-- A customer's one-time answer links serve more than one question: a downward hand-over
-- (as before) and a proposed resolution, which the mail asks the customer to confirm or reject
-- (purpose). And each agent may have a private calendar feed of their promises and absences,
-- reached by a secret URL: only its digest is kept, and revoking it (or making a new one) ends it.

-- +goose Up
ALTER TABLE handover_links ADD COLUMN purpose TEXT NOT NULL DEFAULT 'handover';
CREATE TABLE calendar_feeds (
    id         INTEGER PRIMARY KEY,
    agent_id   INTEGER NOT NULL REFERENCES agents (id),
    digest     BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX calendar_feeds_agent ON calendar_feeds (agent_id);

-- +goose Down
DROP TABLE calendar_feeds;
ALTER TABLE handover_links DROP COLUMN purpose;
