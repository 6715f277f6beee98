-- Where a rebuild of the report roll-ups is: the last case whose facts it has replaced. kept
-- serve rebuilds the roll-ups of a desk upgraded to a release that rolls up more (00054) in the
-- background, a few hundred cases a transaction; a stopped server goes on from here, and the
-- steps of several nodes take turns. No row: no rebuild under way.

-- +goose Up
CREATE TABLE report_rollups_rebuild (
    one        INTEGER PRIMARY KEY CHECK (one = 1),
    after_case INTEGER NOT NULL
);

-- +goose Down
DROP TABLE report_rollups_rebuild;
