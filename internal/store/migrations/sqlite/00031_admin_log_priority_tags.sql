-- Issue 16. The admin log: every administrative change (an agent added or changed, a team's settings, a
-- case type, a canned reply, a token, a webhook) as a row written in the change's own
-- transaction: who, when, what, and the fields before and after.

-- +goose Up
CREATE TABLE admin_log (
    id         INTEGER PRIMARY KEY,
    at         TIMESTAMP NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id   INTEGER NOT NULL DEFAULT 0,
    actor_name TEXT NOT NULL DEFAULT '',
    action     TEXT NOT NULL,  -- e.g. agent.create, team.settings
    object     TEXT NOT NULL,  -- what it changed, in words: an agent's email, a team's name
    before     TEXT NOT NULL DEFAULT '{}', -- the changed fields as they were (JSON)
    after      TEXT NOT NULL DEFAULT '{}'  -- and as they are now
);

-- A case's priority (low, normal, high, urgent) and tags (a JSON list of words), set on the
-- case page or by PATCH /api/v1/cases/{id}; each change is an entry on the record.
ALTER TABLE cases ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal';
ALTER TABLE cases ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
CREATE INDEX cases_priority ON cases (priority, status);

-- +goose Down
DROP INDEX cases_priority;
ALTER TABLE cases DROP COLUMN tags;
ALTER TABLE cases DROP COLUMN priority;
DROP TABLE admin_log;
