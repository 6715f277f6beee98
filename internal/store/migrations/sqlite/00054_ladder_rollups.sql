-- The report roll-ups count escalations by trigger and hand-overs made without a briefing
-- (issue 21: at scale M the escalations report read every escalation of its period, 1.5 s
-- after 100,000 broken promises). A desk that has either has roll-ups without them: its
-- reports read the tables, as before the roll-ups, until `kept reports rebuild`.

-- +goose Up
DELETE FROM report_rollups_ready WHERE EXISTS (SELECT 1 FROM entries WHERE kind IN ('escalated', 'handover'));

-- +goose Down
SELECT 1;
