-- A notification says what it says by a key of the agents' catalogue and its arguments (JSON),
-- so each agent reads it in their language and time zone. Rows from before keep key '' and
-- show their English body as they did. The agents' navigation counts each agent's unread ones
-- on every page, from an index of only those.

-- +goose Up
ALTER TABLE notifications ADD COLUMN detail_key TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN detail_args TEXT NOT NULL DEFAULT '[]';
CREATE INDEX notifications_unread ON notifications (agent_id) WHERE read_at IS NULL;

-- +goose Down
DROP INDEX notifications_unread;
ALTER TABLE notifications DROP COLUMN detail_args;
ALTER TABLE notifications DROP COLUMN detail_key;
