-- The examples Kept ships (service/shipped.go): each is set up, turned off, once in the life of
-- the desk. A key here means it was offered, so an example an admin removed stays removed.

--
-- A webhook delivery names its case, so the sender keeps a case's deliveries in order: a later
-- one waits while an earlier one to the same endpoint is still to be delivered.

-- +goose Up
ALTER TABLE webhook_deliveries ADD COLUMN case_id INTEGER NOT NULL DEFAULT 0;
CREATE INDEX webhook_deliveries_case ON webhook_deliveries (webhook_id, case_id, id);
CREATE TABLE shipped_automations (
    key        TEXT PRIMARY KEY,
    shipped_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE shipped_automations;
DROP INDEX webhook_deliveries_case;
ALTER TABLE webhook_deliveries DROP COLUMN case_id;
