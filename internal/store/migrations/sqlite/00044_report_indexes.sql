-- The backlog report counts the cases open now, for the desk or a team, from an index alone
-- (at scale M, reading 190,000 case rows for their team took seconds). cases_status_updated
-- (00030) repeated cases_status (00001) column for column: every case update wrote both.

-- +goose Up
DROP INDEX cases_status_updated;
CREATE INDEX cases_status_team ON cases (status, team_id);

-- +goose Down
DROP INDEX cases_status_team;
CREATE INDEX cases_status_updated ON cases (status, updated_at);
