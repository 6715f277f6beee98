-- What kept import brought in from another desk, by the source's own ids: a second run finds
-- each object here and adds nothing, and an interrupted run goes on where it stopped.

-- +goose Up
CREATE TABLE imports (
    source      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    external_id TEXT NOT NULL,
    local_id    INTEGER NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (source, kind, external_id)
);

-- +goose Down
DROP TABLE imports;
