-- The report roll-ups count escalations by trigger and hand-overs made without a briefing
-- (issue 21: at scale M the escalations report read every escalation of its period, 1.5 s
-- after 100,000 broken promises). A case's facts now read its status changes, escalations and
-- hand-overs in one statement, through one partial index of those kinds (it replaces the index
-- of status changes alone, which that statement can no longer use: without it the statement
-- read every entry of each case). A desk that has escalations or hand-overs has roll-ups
-- without them: its reports read the tables, as before the roll-ups, until `kept reports
-- rebuild`.

-- +goose Up
CREATE INDEX entries_rolled_kinds ON entries (case_id) WHERE kind IN ('status_changed', 'escalated', 'handover');
DROP INDEX entries_status_changes;
DELETE FROM report_rollups_ready WHERE EXISTS (SELECT 1 FROM entries WHERE kind IN ('escalated', 'handover'));

-- +goose Down
CREATE INDEX entries_status_changes ON entries (case_id) WHERE kind = 'status_changed';
DROP INDEX entries_rolled_kinds;
