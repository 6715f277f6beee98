-- The examples Kept ships (service/shipped.go): each is set up, turned off, once in the life of
-- the desk. A key here means it was offered, so an example an admin removed stays removed.

-- +goose Up
CREATE TABLE shipped_automations (
    key        TEXT PRIMARY KEY,
    shipped_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE shipped_automations;
