-- An agent's saved inbox views: a name and the inbox's filter and sort (its query string, as
-- the page writes it). Personal: listed and deleted by their agent only.

-- +goose Up
CREATE TABLE saved_views (
    id         INTEGER PRIMARY KEY,
    agent_id   INTEGER NOT NULL REFERENCES agents (id),
    name       TEXT NOT NULL,
    query      TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (agent_id, name)
);

-- +goose Down
DROP TABLE saved_views;
