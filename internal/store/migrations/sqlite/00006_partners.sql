-- Partner organisations, their users, and the cases handed to them.

-- +goose Up
CREATE TABLE partners (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);
ALTER TABLE agents ADD COLUMN partner_id INTEGER REFERENCES partners (id);
ALTER TABLE cases ADD COLUMN partner_id INTEGER REFERENCES partners (id);
CREATE INDEX cases_partner ON cases (partner_id, id);

-- +goose Down
DROP INDEX cases_partner;
ALTER TABLE cases DROP COLUMN partner_id;
ALTER TABLE agents DROP COLUMN partner_id;
DROP TABLE partners;
