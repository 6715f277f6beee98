-- Issue 16: a case routed to a team when nobody of the team is at work waits in the team's
-- queue with no owner (cases.owner_id NULL, cases.team_id the team) until a timer gives it to
-- an agent of the team at its next opening. An inbox reads each listed case's response clock:
-- timers_case_kind finds it in one probe (a team of 5,000 open cases, BENCHMARKS.md).
-- +goose Up
ALTER TABLE cases ALTER COLUMN owner_id DROP NOT NULL;
CREATE INDEX cases_team_queue ON cases (team_id, id) WHERE owner_id IS NULL;
CREATE INDEX timers_case_kind ON timers (case_id, kind, state, due_at);
CREATE INDEX promises_case_state ON promises (case_id, state, due_at);

-- +goose Down
-- A case still waiting in a queue has no owner to go back to: this fails on it.
DROP INDEX promises_case_state;
DROP INDEX timers_case_kind;
DROP INDEX cases_team_queue;
ALTER TABLE cases ALTER COLUMN owner_id SET NOT NULL;
