-- Issue 16: a case routed to a team when nobody of the team is at work waits in the team's
-- queue with no owner (cases.owner_id NULL, cases.team_id the team) until a timer gives it to
-- an agent of the team at its next opening.
-- +goose Up
ALTER TABLE cases ALTER COLUMN owner_id DROP NOT NULL;
CREATE INDEX cases_team_queue ON cases (team_id, id) WHERE owner_id IS NULL;

-- +goose Down
-- A case still waiting in a queue has no owner to go back to: this fails on it.
DROP INDEX cases_team_queue;
ALTER TABLE cases ALTER COLUMN owner_id SET NOT NULL;
