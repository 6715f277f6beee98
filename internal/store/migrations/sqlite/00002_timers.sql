-- Durable timers (internal/jobs): promise reminders and breaks, absence starts and ends,
-- response targets. A timer is stored in the transaction that causes it and deleted in the
-- one that runs it; the record keeps the history, so only pending and failed timers live here.

-- +goose Up
CREATE TABLE timers (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    due_at     TIMESTAMP NOT NULL,
    case_id    INTEGER NOT NULL DEFAULT 0,
    ref_id     INTEGER NOT NULL DEFAULT 0,
    key        TEXT UNIQUE,
    payload    TEXT NOT NULL DEFAULT '{}',
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    state      TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'failed')),
    created_at TIMESTAMP NOT NULL
);
-- The runner asks this index for the earliest pending timer instead of scanning the table,
-- and claims in its (due_at, id) order without a sort.
CREATE INDEX timers_due ON timers (state, due_at, id);
-- Cancelling a promise's or an absence's timers, and listing a case's in order.
CREATE INDEX timers_ref ON timers (kind, ref_id);
CREATE INDEX timers_case ON timers (case_id, state, due_at);

-- +goose Down
DROP TABLE timers;
