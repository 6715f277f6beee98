-- Browser sessions of agents and customers, the portal's one-time sign-in links, and each
-- person's language. Secrets are kept only as SHA-256 digests.

-- +goose Up
CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    person_id  INTEGER NOT NULL,
    digest     BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_person ON sessions (kind, person_id);

CREATE TABLE portal_links (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    email       TEXT NOT NULL,
    digest      BLOB NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    used_at     TIMESTAMP
);
CREATE INDEX portal_links_customer ON portal_links (customer_id, created_at);

ALTER TABLE agents ADD COLUMN lang TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN lang TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN timezone TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE customers DROP COLUMN timezone;
ALTER TABLE customers DROP COLUMN lang;
ALTER TABLE agents DROP COLUMN lang;
DROP TABLE portal_links;
DROP TABLE sessions;
