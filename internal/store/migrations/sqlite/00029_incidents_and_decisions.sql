-- Incidents (story 19): a fault many customers report, the cases linked to it, its promises
-- (one promise row on each linked case, grouped; the group's id is its first promise's), and
-- who was told what. Decisions (story 20): credits, refunds and waived fees on a case, and the
-- written policy per team (team_id 0: the desk's own) they are decided by. The new-request
-- form: the channel that serves each case type best.

-- +goose Up
CREATE TABLE incidents (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL,
    area          TEXT NOT NULL DEFAULT '',
    public_status TEXT NOT NULL DEFAULT '',
    team_id       INTEGER REFERENCES teams (id),
    owner_id      INTEGER NOT NULL REFERENCES agents (id),
    state         TEXT NOT NULL DEFAULT 'open',
    summary       TEXT NOT NULL DEFAULT '',
    created_by    INTEGER NOT NULL REFERENCES agents (id),
    created_at    TIMESTAMP NOT NULL,
    resolved_at   TIMESTAMP
);
CREATE TABLE incident_cases (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    linked_by   INTEGER NOT NULL REFERENCES agents (id),
    linked_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (incident_id, case_id)
);
CREATE INDEX incident_cases_case ON incident_cases (case_id);
CREATE TABLE incident_promises (
    promise_id  INTEGER PRIMARY KEY REFERENCES promises (id),
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    group_id    INTEGER NOT NULL
);
CREATE INDEX incident_promises_group ON incident_promises (group_id);
CREATE INDEX incident_promises_incident ON incident_promises (incident_id);
CREATE TABLE incident_notices (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    what        TEXT NOT NULL, -- promise, slip, resolved
    ref_id      INTEGER NOT NULL DEFAULT 0,
    at          TIMESTAMP NOT NULL
);
CREATE INDEX incident_notices_incident ON incident_notices (incident_id, id);
CREATE TABLE decisions (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases (id),
    kind         TEXT NOT NULL,
    amount       INTEGER NOT NULL, -- hundredths of the currency
    currency     TEXT NOT NULL,
    reason       TEXT NOT NULL,
    state        TEXT NOT NULL,
    answer       TEXT NOT NULL DEFAULT '',
    requested_by INTEGER NOT NULL REFERENCES agents (id),
    approver_id  INTEGER NOT NULL DEFAULT 0,
    decided_by   INTEGER NOT NULL DEFAULT 0,
    rung         TEXT NOT NULL DEFAULT '',
    promise_id   INTEGER NOT NULL DEFAULT 0,
    team_id      INTEGER NOT NULL DEFAULT 0,
    created_at   TIMESTAMP NOT NULL,
    decided_at   TIMESTAMP
);
CREATE INDEX decisions_case ON decisions (case_id);
CREATE INDEX decisions_pending ON decisions (state, approver_id);
CREATE TABLE decision_policies (
    team_id         INTEGER PRIMARY KEY, -- 0: the desk's own
    limits          TEXT NOT NULL,       -- JSON {role: hundredths, -1 unlimited}
    decide_within_s INTEGER NOT NULL,
    text            TEXT NOT NULL,
    updated_by      INTEGER NOT NULL DEFAULT 0,
    updated_at      TIMESTAMP NOT NULL
);
-- The new-request form (story 21): which channel serves each case type best.
CREATE TABLE case_type_advice (
    case_type_id INTEGER PRIMARY KEY REFERENCES case_types (id),
    channel      TEXT NOT NULL, -- write, call
    updated_at   TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE case_type_advice;
DROP TABLE decision_policies;
DROP TABLE decisions;
DROP TABLE incident_notices;
DROP TABLE incident_promises;
DROP TABLE incident_cases;
DROP TABLE incidents;
