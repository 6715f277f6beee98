-- Each agent's count of open cases (agent_open_cases) was kept by triggers on cases, which said
-- in SQL which statuses count, beside the Go that mirrored them for owner pools. The desk now
-- decides it (desk.Status.CountsTowardLoad) and the store writes each change itself, with the
-- case saves of the transaction that made it (store/openlog.go), still spread over the shards
-- of the connection that writes it. The counts stand as the triggers left them.

-- +goose Up
DROP TRIGGER cases_load_delete ON cases;
DROP TRIGGER cases_load_update ON cases;
DROP TRIGGER cases_load_insert ON cases;
DROP FUNCTION kept_count_open_cases();

-- +goose Down
DELETE FROM agent_open_cases;
INSERT INTO agent_open_cases (agent_id, shard, open)
    SELECT owner_id, 0, COUNT(*) FROM cases WHERE status IN ('open', 'awaiting_confirmation') GROUP BY owner_id;
-- +goose StatementBegin
CREATE FUNCTION kept_count_open_cases() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN ('open', 'awaiting_confirmation') THEN
        INSERT INTO agent_open_cases (agent_id, shard, open) VALUES (OLD.owner_id, pg_backend_pid() % 8, -1)
            ON CONFLICT (agent_id, shard) DO UPDATE SET open = agent_open_cases.open - 1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status IN ('open', 'awaiting_confirmation') THEN
        INSERT INTO agent_open_cases (agent_id, shard, open) VALUES (NEW.owner_id, pg_backend_pid() % 8, 1)
            ON CONFLICT (agent_id, shard) DO UPDATE SET open = agent_open_cases.open + 1;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER cases_load_insert AFTER INSERT ON cases
    FOR EACH ROW WHEN (NEW.status IN ('open', 'awaiting_confirmation')) EXECUTE FUNCTION kept_count_open_cases();
CREATE TRIGGER cases_load_update AFTER UPDATE OF status, owner_id ON cases
    FOR EACH ROW WHEN (OLD.owner_id <> NEW.owner_id
        OR (OLD.status IN ('open', 'awaiting_confirmation')) <> (NEW.status IN ('open', 'awaiting_confirmation')))
    EXECUTE FUNCTION kept_count_open_cases();
CREATE TRIGGER cases_load_delete AFTER DELETE ON cases
    FOR EACH ROW WHEN (OLD.status IN ('open', 'awaiting_confirmation')) EXECUTE FUNCTION kept_count_open_cases();
