-- Promises, absences, notifications and the settings of the ladder.

-- +goose Up
ALTER TABLE teams ADD COLUMN response_target_s INTEGER NOT NULL DEFAULT 86400;
ALTER TABLE teams ADD COLUMN repeat_contacts INTEGER NOT NULL DEFAULT 2;
ALTER TABLE teams ADD COLUMN reminders TEXT NOT NULL DEFAULT '[86400,3600]';

-- Customer contacts since the last public answer: the repeat-contact rule counts them.
ALTER TABLE cases ADD COLUMN unanswered INTEGER NOT NULL DEFAULT 0;

CREATE TABLE promises (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    kind       TEXT NOT NULL,
    words      TEXT NOT NULL,
    place      TEXT NOT NULL DEFAULT '',
    due_at     TIMESTAMP NOT NULL,
    state      TEXT NOT NULL,
    maker_id   INTEGER NOT NULL REFERENCES agents (id),
    owner_id   INTEGER NOT NULL REFERENCES agents (id),
    slips      INTEGER NOT NULL DEFAULT 0,
    case_type  TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    done_at    TIMESTAMP
);
CREATE INDEX promises_case ON promises (case_id);
CREATE INDEX promises_open ON promises (state, due_at);
CREATE INDEX promises_owner ON promises (owner_id, state);
CREATE INDEX promises_history ON promises (case_type, kind, state, done_at);

CREATE TABLE promise_slips (
    promise_id INTEGER NOT NULL REFERENCES promises (id),
    agent_id   INTEGER NOT NULL,
    team_id    INTEGER NOT NULL DEFAULT 0,
    from_due   TIMESTAMP NOT NULL,
    to_due     TIMESTAMP NOT NULL,
    reason     TEXT NOT NULL,
    at         TIMESTAMP NOT NULL
);
CREATE INDEX promise_slips_promise ON promise_slips (promise_id);

CREATE TABLE absences (
    id         INTEGER PRIMARY KEY,
    agent_id   INTEGER NOT NULL REFERENCES agents (id),
    kind       TEXT NOT NULL,
    from_at    TIMESTAMP NOT NULL,
    to_at      TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX absences_agent ON absences (agent_id, to_at);

CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    agent_id   INTEGER NOT NULL REFERENCES agents (id),
    case_id    INTEGER NOT NULL DEFAULT 0,
    kind       TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at    TIMESTAMP
);
CREATE INDEX notifications_agent ON notifications (agent_id, id);

-- +goose Down
DROP TABLE notifications;
DROP TABLE absences;
DROP TABLE promise_slips;
DROP TABLE promises;
ALTER TABLE cases DROP COLUMN unanswered;
ALTER TABLE teams DROP COLUMN reminders;
ALTER TABLE teams DROP COLUMN repeat_contacts;
ALTER TABLE teams DROP COLUMN response_target_s;
