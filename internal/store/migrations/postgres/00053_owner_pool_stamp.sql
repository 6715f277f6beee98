-- A stamp that changes whenever agents, their teams or their absences are written, so a node
-- keeps a team's owner pool (store.OwnerPool: who may get a new case) between transactions and
-- reads it again only when the stamp moved: mail intake read the pool for every group, two
-- statements over every agent (a tenth of its writer's work on SQLite). Each change draws a new
-- stamp that no earlier one had (a sequence's next value, which a rollback never returns), so a
-- change rolled back never leaves a stamp a later change could meet again. The stamp is written
-- before the statement's own rows, so writers of these tables queue on it in one order and do
-- not deadlock over it.

-- +goose Up
CREATE TABLE owner_pool_stamp (
    one   INTEGER PRIMARY KEY CHECK (one = 1),
    stamp BIGINT NOT NULL
);
INSERT INTO owner_pool_stamp (one, stamp) VALUES (1, 0);
CREATE SEQUENCE owner_pool_stamps;
-- +goose StatementBegin
CREATE FUNCTION kept_owner_pool_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE owner_pool_stamp SET stamp = nextval('owner_pool_stamps');
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER agents_pool_changed BEFORE INSERT OR UPDATE OR DELETE ON agents
    FOR EACH STATEMENT EXECUTE FUNCTION kept_owner_pool_changed();
CREATE TRIGGER teams_pool_changed BEFORE INSERT OR UPDATE OR DELETE ON teams
    FOR EACH STATEMENT EXECUTE FUNCTION kept_owner_pool_changed();
CREATE TRIGGER absences_pool_changed BEFORE INSERT OR UPDATE OR DELETE ON absences
    FOR EACH STATEMENT EXECUTE FUNCTION kept_owner_pool_changed();

-- +goose Down
DROP TRIGGER absences_pool_changed ON absences;
DROP TRIGGER teams_pool_changed ON teams;
DROP TRIGGER agents_pool_changed ON agents;
DROP FUNCTION kept_owner_pool_changed();
DROP SEQUENCE owner_pool_stamps;
DROP TABLE owner_pool_stamp;
