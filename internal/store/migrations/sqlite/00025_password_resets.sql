-- An agent who forgot their password asks for a one-time link by mail: only its digest is
-- kept, it expires, and it works once.

-- +goose Up
CREATE TABLE password_resets (
    id         INTEGER PRIMARY KEY,
    agent_id   INTEGER NOT NULL REFERENCES agents (id),
    digest     BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX password_resets_agent ON password_resets (agent_id, created_at);

-- +goose Down
DROP TABLE password_resets;
