-- Issue 16: a case routed to a team when nobody of the team is at work waits in the team's
-- queue with no owner (cases.owner_id NULL, cases.team_id the team) until a timer gives it to
-- an agent of the team at its next opening. An inbox reads each listed case's response clock:
-- timers_case_kind finds it in one probe (a team of 5,000 open cases, BENCHMARKS.md). SQLite cannot drop a NOT NULL constraint, so cases
-- is rebuilt (the documented twelve steps: foreign keys off outside the transaction, since
-- other tables refer to cases). INSERT ... SELECT * fails loudly rather than dropping a column
-- another migration added to cases before this one ran.
-- +goose NO TRANSACTION
-- +goose Up
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE cases_new (
    id               INTEGER PRIMARY KEY,
    customer_id      INTEGER NOT NULL REFERENCES customers (id),
    subject          TEXT NOT NULL,
    status           TEXT NOT NULL,
    case_type        TEXT NOT NULL DEFAULT '',
    team_id          INTEGER REFERENCES teams (id),
    owner_id         INTEGER REFERENCES agents (id), -- NULL: waiting in team_id's queue
    rung             INTEGER NOT NULL DEFAULT 0,
    channel          TEXT NOT NULL,
    original_request TEXT NOT NULL,
    flags            TEXT NOT NULL DEFAULT '[]',
    last_seq         INTEGER NOT NULL DEFAULT 0,
    last_hash        TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    unanswered       INTEGER NOT NULL DEFAULT 0,
    step             INTEGER NOT NULL DEFAULT 0,
    resolution       TEXT NOT NULL DEFAULT '',
    resolved_by      INTEGER NOT NULL DEFAULT 0,
    partner_id       INTEGER REFERENCES partners (id),
    priority         TEXT NOT NULL DEFAULT 'normal',
    tags             TEXT NOT NULL DEFAULT '[]'
);
INSERT INTO cases_new SELECT * FROM cases;
DROP TABLE cases;
ALTER TABLE cases_new RENAME TO cases;
CREATE INDEX cases_owner ON cases (owner_id, status, updated_at);
CREATE INDEX cases_customer ON cases (customer_id, updated_at);
CREATE INDEX cases_status ON cases (status, updated_at);
CREATE INDEX cases_partner ON cases (partner_id, id);
CREATE INDEX cases_owner_recent_status ON cases (owner_id, id, status);
CREATE INDEX cases_status_updated ON cases (status, updated_at);
CREATE INDEX cases_priority ON cases (priority, status);
CREATE INDEX cases_created ON cases (created_at);
CREATE INDEX cases_team_queue ON cases (team_id, id) WHERE owner_id IS NULL;
CREATE INDEX timers_case_kind ON timers (case_id, kind, state, due_at);
CREATE INDEX promises_case_state ON promises (case_id, state, due_at);
COMMIT;
PRAGMA foreign_keys = ON;

-- +goose Down
DROP INDEX promises_case_state;
DROP INDEX timers_case_kind;
-- A case still waiting in a queue has no owner to go back to: the copy fails on it (give the
-- queued cases out first).
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE cases_old (
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
    updated_at       TIMESTAMP NOT NULL,
    unanswered       INTEGER NOT NULL DEFAULT 0,
    step             INTEGER NOT NULL DEFAULT 0,
    resolution       TEXT NOT NULL DEFAULT '',
    resolved_by      INTEGER NOT NULL DEFAULT 0,
    partner_id       INTEGER REFERENCES partners (id),
    priority         TEXT NOT NULL DEFAULT 'normal',
    tags             TEXT NOT NULL DEFAULT '[]'
);
INSERT INTO cases_old SELECT * FROM cases;
DROP TABLE cases;
ALTER TABLE cases_old RENAME TO cases;
CREATE INDEX cases_owner ON cases (owner_id, status, updated_at);
CREATE INDEX cases_customer ON cases (customer_id, updated_at);
CREATE INDEX cases_status ON cases (status, updated_at);
CREATE INDEX cases_partner ON cases (partner_id, id);
CREATE INDEX cases_owner_recent_status ON cases (owner_id, id, status);
CREATE INDEX cases_status_updated ON cases (status, updated_at);
CREATE INDEX cases_priority ON cases (priority, status);
CREATE INDEX cases_created ON cases (created_at);
COMMIT;
PRAGMA foreign_keys = ON;
