-- The case record and what it hangs on. Times are UTC text in SQLite's sortable form.

-- +goose Up
CREATE TABLE teams (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE agents (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    email         TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    team_id       INTEGER REFERENCES teams (id),
    manager_id    INTEGER REFERENCES agents (id),
    timezone      TEXT NOT NULL,
    hours         TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMP NOT NULL
);

CREATE TABLE customers (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE contact_points (
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (kind, value)
);
CREATE INDEX contact_points_customer ON contact_points (customer_id);

CREATE TABLE customer_refs (
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    key         TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (customer_id, kind, key)
);
CREATE INDEX customer_refs_key ON customer_refs (key);

CREATE TABLE cases (
    id               INTEGER PRIMARY KEY,
    customer_id      INTEGER NOT NULL REFERENCES customers (id),
    subject          TEXT NOT NULL,
    status           TEXT NOT NULL,
    case_type        TEXT NOT NULL DEFAULT '',
    team_id          INTEGER REFERENCES teams (id),
    owner_id         INTEGER NOT NULL REFERENCES agents (id),
    rung             INTEGER NOT NULL DEFAULT 0,
    channel          TEXT NOT NULL,
    original_request TEXT NOT NULL,
    flags            TEXT NOT NULL DEFAULT '[]',
    last_seq         INTEGER NOT NULL DEFAULT 0,
    last_hash        TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX cases_owner ON cases (owner_id, status, updated_at);
CREATE INDEX cases_customer ON cases (customer_id, updated_at);
CREATE INDEX cases_status ON cases (status, updated_at);

CREATE TABLE participants (
    case_id   INTEGER NOT NULL REFERENCES cases (id),
    kind      TEXT NOT NULL,
    person_id INTEGER NOT NULL,
    name      TEXT NOT NULL,
    role      TEXT NOT NULL,
    since     TIMESTAMP NOT NULL,
    PRIMARY KEY (case_id, kind, person_id)
);

CREATE TABLE entries (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    seq        INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    at         TIMESTAMP NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id   INTEGER NOT NULL,
    actor_name TEXT NOT NULL,
    internal   BOOLEAN NOT NULL,
    channel    TEXT NOT NULL,
    body       TEXT NOT NULL,
    data       TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL,
    UNIQUE (case_id, seq)
);

-- The record is append-only: the database itself refuses to change or remove an entry.
-- +goose StatementBegin
CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
BEGIN
    SELECT RAISE(ABORT, 'record entries are append-only: UPDATE refused');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
BEGIN
    SELECT RAISE(ABORT, 'record entries are append-only: DELETE refused');
END;
-- +goose StatementEnd

-- Folded words of subjects and entries (internal/text), one row per indexed text.
CREATE VIRTUAL TABLE search_fts USING fts5 (
    words,
    case_id UNINDEXED,
    customer_id UNINDEXED,
    entry_id UNINDEXED,
    internal UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- References found in texts, matched exactly by key, never through the word index.
CREATE TABLE search_refs (
    key         TEXT NOT NULL,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    customer_id INTEGER NOT NULL,
    entry_id    INTEGER NOT NULL,
    internal    BOOLEAN NOT NULL,
    PRIMARY KEY (key, case_id, entry_id)
);

CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    agent_id   INTEGER NOT NULL REFERENCES agents (id),
    digest     BLOB NOT NULL,
    label      TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

CREATE TABLE inbound_keys (
    channel     TEXT NOT NULL,
    external_id TEXT NOT NULL,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    entry_id    INTEGER NOT NULL,
    PRIMARY KEY (channel, external_id)
);

-- +goose Down
DROP TABLE inbound_keys;
DROP TABLE api_tokens;
DROP TABLE search_refs;
DROP TABLE search_fts;
DROP TRIGGER entries_no_delete;
DROP TRIGGER entries_no_update;
DROP TABLE entries;
DROP TABLE participants;
DROP TABLE cases;
DROP TABLE customer_refs;
DROP TABLE contact_points;
DROP TABLE customers;
DROP TABLE agents;
DROP TABLE teams;
