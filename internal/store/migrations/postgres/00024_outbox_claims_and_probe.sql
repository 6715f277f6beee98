-- Which node claimed a mail it is sending (claimed_by), so a node that restarts after a crash
-- hands its own claims back at once instead of letting them wait out the lease; and a row each
-- node writes to show the database takes writes (GET /readyz).

-- +goose Up
ALTER TABLE outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
CREATE TABLE ready_probes (
    node TEXT PRIMARY KEY,
    at   TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE ready_probes;
ALTER TABLE outbox DROP COLUMN claimed_by;
