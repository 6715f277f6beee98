-- Automations: rules an admin sets up (when an event or a time condition, and conditions on
-- the case, then actions the automation runs as itself), and the runs each made: one per rule,
-- case and event, so a rule never acts twice on the same event.

-- +goose Up
CREATE TABLE automations (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    starts_on  TEXT NOT NULL, -- JSON: {"event": …} or one time condition
    conditions TEXT NOT NULL, -- JSON
    actions    TEXT NOT NULL, -- JSON list
    created_by INTEGER REFERENCES agents (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE automation_runs (
    automation_id INTEGER NOT NULL REFERENCES automations (id),
    case_id       INTEGER NOT NULL,
    event_key     TEXT NOT NULL,
    at            TIMESTAMP NOT NULL,
    PRIMARY KEY (automation_id, case_id, event_key)
);
-- The time conditions look for active cases quiet since a time.
CREATE INDEX cases_status_updated ON cases (status, updated_at);

-- +goose Down
DROP INDEX cases_status_updated;
DROP TABLE automation_runs;
DROP TABLE automations;
