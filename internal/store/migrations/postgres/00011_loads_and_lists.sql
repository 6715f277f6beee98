-- What the hot paths need at a million cases.
--
-- Choosing the owner of a new case counted every open case of every agent (a scan that grows
-- with the desk, paid for each mail that opens a case); the count is now kept by a trigger. An agent's open cases, newest first (the inbox), come from an index of open cases
-- in that order, instead of a walk back through every case of the desk.
--
-- Word search: with the default statistics the planner knew too few words, guessed a word it
-- had not sampled to be common, and walked the whole table backwards looking for it (8 s for a
-- word nobody wrote, at 3M texts). With more words sampled it reads the word index for rare
-- words and walks back only for common ones, which it finds at once. Searches narrowed to
-- some cases (a customer's, a partner's, those a reference found) go through the case index.

-- +goose Up
-- Each agent's count is spread over up to 8 rows, one per group of database connections
-- (shard = backend pid % 8), summed when read: one row per agent would be locked by every
-- transaction opening a case for that agent until it commits, queueing concurrent mail intake
-- behind each commit's flush, and transactions opening cases for several agents would
-- deadlock.
CREATE TABLE agent_open_cases (
    agent_id BIGINT NOT NULL,
    shard    INTEGER NOT NULL,
    open     INTEGER NOT NULL,
    PRIMARY KEY (agent_id, shard)
);
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

CREATE INDEX cases_owner_active ON cases (owner_id, id) WHERE status IN ('open', 'awaiting_confirmation');

ALTER TABLE search_docs ALTER COLUMN words SET STATISTICS 1000;
CREATE INDEX search_docs_case ON search_docs (case_id);
ANALYZE search_docs;

-- +goose Down
DROP INDEX search_docs_case;
ALTER TABLE search_docs ALTER COLUMN words SET STATISTICS -1;
DROP INDEX cases_owner_active;
DROP TRIGGER cases_load_delete ON cases;
DROP TRIGGER cases_load_update ON cases;
DROP TRIGGER cases_load_insert ON cases;
DROP FUNCTION kept_count_open_cases();
DROP TABLE agent_open_cases;
