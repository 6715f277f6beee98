-- One-time links mailed to a customer with the desk's question whether a colleague below the
-- case's rung may take it (PRODUCT.md story 5): each link answers that one question once, and
-- expires. The question itself and the answer are on the case's record; the link holds only
-- the digest of its secret.

-- +goose Up
CREATE TABLE handover_links (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    asked_seq   INTEGER NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    digest      BLOB NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    used_at     TIMESTAMP
);
CREATE INDEX handover_links_question ON handover_links (case_id, asked_seq);

-- +goose Down
DROP TABLE handover_links;
