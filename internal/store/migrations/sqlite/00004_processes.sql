-- Case types with their processes, resolutions awaiting the customer, canned replies.

-- +goose Up
CREATE TABLE case_types (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    team_id       INTEGER REFERENCES teams (id),
    required_refs TEXT NOT NULL DEFAULT '[]',
    steps         TEXT NOT NULL DEFAULT '[]',
    response_target_s INTEGER NOT NULL DEFAULT 0,
    created_at    TIMESTAMP NOT NULL
);

-- Each step a case went through, so typical durations come from history.
CREATE TABLE case_steps (
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    case_type  TEXT NOT NULL,
    position   INTEGER NOT NULL,
    name       TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    ended_at   TIMESTAMP,
    PRIMARY KEY (case_id, position, started_at)
);
CREATE INDEX case_steps_history ON case_steps (case_type, name, ended_at);

ALTER TABLE cases ADD COLUMN step INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN resolution TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN resolved_by INTEGER NOT NULL DEFAULT 0;

ALTER TABLE teams ADD COLUMN confirm_wait_s INTEGER NOT NULL DEFAULT 604800;

-- How each resolution ended, counted per agent who resolved it.
CREATE TABLE resolution_outcomes (
    case_id  INTEGER NOT NULL REFERENCES cases (id),
    agent_id INTEGER NOT NULL,
    outcome  TEXT NOT NULL,
    at       TIMESTAMP NOT NULL
);
CREATE INDEX resolution_outcomes_at ON resolution_outcomes (at);

CREATE TABLE canned_replies (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    body       TEXT NOT NULL,
    offer      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE canned_replies;
DROP TABLE resolution_outcomes;
ALTER TABLE teams DROP COLUMN confirm_wait_s;
ALTER TABLE cases DROP COLUMN resolved_by;
ALTER TABLE cases DROP COLUMN resolution;
ALTER TABLE cases DROP COLUMN step;
DROP TABLE case_steps;
DROP TABLE case_types;
