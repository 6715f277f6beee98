-- Documents customers gave: on the customer, shown on every department's cases (story 10).
-- The bytes live beside their metadata, so a backup of the database is a backup of them.

-- +goose Up
CREATE TABLE documents (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    case_id      INTEGER REFERENCES cases (id),
    kind         TEXT NOT NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    content      BLOB NOT NULL,
    by_kind      TEXT NOT NULL,
    by_id        INTEGER NOT NULL,
    by_name      TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX documents_customer ON documents (customer_id, id);

-- What was given is what is kept: the record quotes each document's SHA-256.
-- +goose StatementBegin
CREATE TRIGGER documents_no_update BEFORE UPDATE ON documents
BEGIN
    SELECT RAISE(ABORT, 'documents are kept as given: UPDATE refused');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER documents_no_update;
DROP TABLE documents;
