-- Customers' ratings of how a case went, given in the portal after they confirmed its
-- resolution (story 17's satisfaction measure). One per case; a new rating replaces the old.

-- +goose Up
CREATE TABLE ratings (
    case_id     INTEGER PRIMARY KEY REFERENCES cases (id),
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    score       INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment     TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX ratings_created ON ratings (created_at);

-- +goose Down
DROP TABLE ratings;
