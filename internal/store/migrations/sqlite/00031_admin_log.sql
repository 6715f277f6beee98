-- The admin log: every administrative change (an agent added or changed, a team's settings, a
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

-- +goose Down
DROP TABLE admin_log;
