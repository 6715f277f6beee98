-- An agent's saved inbox views: a name and the inbox's filter and sort (its query string, as
-- the page writes it). Personal: listed and deleted by their agent only.
--
-- Canned replies get a folder and a scope: the desk's (every agent), a team's (team_id) or one
-- agent's own (agent_id). A name is unique within its scope and owner, so two agents may each
-- keep a personal "Thanks"; SQLite cannot drop the old UNIQUE (name), so the table is rebuilt.

-- +goose Up
CREATE TABLE saved_views (
    id         INTEGER PRIMARY KEY,
    agent_id   INTEGER NOT NULL REFERENCES agents (id),
    name       TEXT NOT NULL,
    query      TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (agent_id, name)
);

CREATE TABLE canned_replies_scoped (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    body       TEXT NOT NULL,
    offer      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    folder     TEXT NOT NULL DEFAULT '',
    scope      TEXT NOT NULL DEFAULT 'desk',
    team_id    INTEGER NOT NULL DEFAULT 0,
    agent_id   INTEGER NOT NULL DEFAULT 0
);
INSERT INTO canned_replies_scoped (id, name, body, offer, created_at) SELECT id, name, body, offer, created_at FROM canned_replies;
DROP TABLE canned_replies;
ALTER TABLE canned_replies_scoped RENAME TO canned_replies;
CREATE UNIQUE INDEX canned_replies_name ON canned_replies (scope, team_id, agent_id, name);

-- +goose Down
CREATE TABLE canned_replies_desk (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    body       TEXT NOT NULL,
    offer      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO canned_replies_desk (id, name, body, offer, created_at) SELECT id, name, body, offer, created_at FROM canned_replies WHERE scope = 'desk';
DROP TABLE canned_replies;
ALTER TABLE canned_replies_desk RENAME TO canned_replies;
DROP TABLE saved_views;
