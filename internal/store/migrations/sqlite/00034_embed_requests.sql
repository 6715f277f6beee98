-- Requests sent from the embeddable request page of a company's own site: held here until the
-- address's owner confirms them by a mailed one-time link (only the link's digest is kept);
-- confirming opens the case and marks the request used.

-- +goose Up
CREATE TABLE embed_requests (
    id         INTEGER PRIMARY KEY,
    email      TEXT NOT NULL,
    name       TEXT NOT NULL,
    lang       TEXT NOT NULL,
    request    TEXT NOT NULL,
    digest     BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    case_id    INTEGER
);
CREATE INDEX embed_requests_created ON embed_requests (created_at);

-- +goose Down
DROP TABLE embed_requests;
