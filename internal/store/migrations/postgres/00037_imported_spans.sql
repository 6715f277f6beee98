-- How long work took at the desk a team came from, as its imported cases show it
-- (desk.ImportedSpans): history for the promise estimates beside the desk's own kept promises
-- of the same case type and kind (KeptDurations).

-- +goose Up
CREATE TABLE imported_spans (
    case_id    BIGINT NOT NULL REFERENCES cases (id),
    case_type  TEXT NOT NULL DEFAULT '',
    kind       TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    done_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX imported_spans_history ON imported_spans (case_type, kind, done_at);

-- +goose Down
DROP TABLE imported_spans;
