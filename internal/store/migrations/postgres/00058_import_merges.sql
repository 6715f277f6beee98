-- Tickets the old desk had merged into another, waiting to be linked as the desk's own merges
-- are (the case points to the one it went into, and each record says so). An import links
-- those whose target it has brought in by its end; the rest wait for a later import.

-- +goose Up
CREATE TABLE import_merges (
    case_id       BIGINT PRIMARY KEY,
    source        TEXT NOT NULL,
    into_external TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE import_merges;
