-- Why the background rebuild of the report roll-ups (00056) last failed, and since when it
-- has failed without a step done: the reports page says a rebuild has stopped moving, on every
-- node, instead of only the log of the node that tried. A step done clears both.

-- +goose Up
ALTER TABLE report_rollups_rebuild ADD COLUMN failing_since TIMESTAMP;
ALTER TABLE report_rollups_rebuild ADD COLUMN failure TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE report_rollups_rebuild DROP COLUMN failure;
ALTER TABLE report_rollups_rebuild DROP COLUMN failing_since;
