-- Each agent's count of open cases (agent_open_cases) was kept by triggers on cases, which said
-- in SQL which statuses count, beside the Go that mirrored them for owner pools. The desk now
-- decides it (desk.Status.CountsTowardLoad) and the store writes each change itself, with the
-- case saves of the transaction that made it (store/openlog.go). The counts stand as the
-- triggers left them.

-- +goose Up
DROP TRIGGER cases_load_delete;
DROP TRIGGER cases_load_update;
DROP TRIGGER cases_load_insert;

-- +goose Down
DELETE FROM agent_open_cases;
INSERT INTO agent_open_cases (agent_id, shard, open)
    SELECT owner_id, 0, COUNT(*) FROM cases WHERE status IN ('open', 'awaiting_confirmation') GROUP BY owner_id;
-- +goose StatementBegin
CREATE TRIGGER cases_load_insert AFTER INSERT ON cases
WHEN new.status IN ('open', 'awaiting_confirmation')
BEGIN
    INSERT INTO agent_open_cases (agent_id, shard, open) VALUES (new.owner_id, 0, 1)
        ON CONFLICT (agent_id, shard) DO UPDATE SET open = open + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER cases_load_update AFTER UPDATE OF status, owner_id ON cases
WHEN old.owner_id <> new.owner_id
    OR (old.status IN ('open', 'awaiting_confirmation')) <> (new.status IN ('open', 'awaiting_confirmation'))
BEGIN
    INSERT INTO agent_open_cases (agent_id, shard, open) SELECT old.owner_id, 0, -1 WHERE old.status IN ('open', 'awaiting_confirmation')
        ON CONFLICT (agent_id, shard) DO UPDATE SET open = open - 1;
    INSERT INTO agent_open_cases (agent_id, shard, open) SELECT new.owner_id, 0, 1 WHERE new.status IN ('open', 'awaiting_confirmation')
        ON CONFLICT (agent_id, shard) DO UPDATE SET open = open + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER cases_load_delete AFTER DELETE ON cases
WHEN old.status IN ('open', 'awaiting_confirmation')
BEGIN
    INSERT INTO agent_open_cases (agent_id, shard, open) VALUES (old.owner_id, 0, -1)
        ON CONFLICT (agent_id, shard) DO UPDATE SET open = open - 1;
END;
-- +goose StatementEnd
