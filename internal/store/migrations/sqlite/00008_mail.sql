-- Mail as it arrived, kept whole and content-addressed, and the desk's signing key.

-- +goose Up
CREATE TABLE mails (
    id          INTEGER PRIMARY KEY,
    sha256      TEXT NOT NULL,
    raw         BLOB NOT NULL,
    size        INTEGER NOT NULL,
    message_id  TEXT NOT NULL DEFAULT '',
    from_addr   TEXT NOT NULL DEFAULT '',
    dedupe_key  TEXT NOT NULL UNIQUE,
    thread_root TEXT NOT NULL DEFAULT '',
    safe_html   TEXT NOT NULL DEFAULT '',
    problems    TEXT NOT NULL DEFAULT '[]',
    case_id     INTEGER NOT NULL DEFAULT 0,
    entry_id    INTEGER NOT NULL DEFAULT 0,
    received_at TIMESTAMP NOT NULL
);
CREATE INDEX mails_message_id ON mails (message_id);
CREATE INDEX mails_thread_root ON mails (thread_root);
CREATE INDEX mails_case ON mails (case_id, id);

CREATE TABLE desk_keys (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

-- +goose Down
DROP TABLE desk_keys;
DROP TABLE mails;
