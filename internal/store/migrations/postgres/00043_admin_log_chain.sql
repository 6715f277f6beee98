-- Issue 16. The admin log is append-only and hash-chained like a case's record: each row keeps
-- its place (seq), the hash of the row before it and its own hash (desk.AdminChange.Canonical),
-- and admin_log_head remembers where the chain ends, so a row removed from the end is found by
-- kept verify. Rows are never updated or deleted. Rows written before this migration are
-- chained, in id order, by the store right after migrating (Store.Migrate, chainAdminLog): the
-- hash is Go's canonical JSON, which SQL cannot write; so the one update allowed is setting a
-- row's place and hash once, while its hash is still ''. Writers lock the head row, so two
-- nodes never chain onto the same row.

-- +goose Up
-- A team's default language ("" none): a customer who never chose one, writing to the team's
-- address, reads the desk's words in it.
ALTER TABLE teams ADD COLUMN language TEXT NOT NULL DEFAULT '';
-- A partner organisation the desk no longer works with: no case is handed to it any more.
ALTER TABLE partners ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE admin_log ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE admin_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE admin_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX admin_log_seq ON admin_log (seq) WHERE seq > 0;
CREATE TABLE admin_log_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO admin_log_head (id, seq, hash) VALUES (1, 0, '');
-- +goose StatementBegin
CREATE FUNCTION kept_refuse_admin_log_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the admin log is append-only: % refused', TG_OP;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER admin_log_no_change BEFORE UPDATE OF id, at, actor_kind, actor_id, actor_name, action, object, before, after OR DELETE ON admin_log
    FOR EACH ROW EXECUTE FUNCTION kept_refuse_admin_log_change();
CREATE TRIGGER admin_log_chained_once BEFORE UPDATE OF seq, prev_hash, hash ON admin_log
    FOR EACH ROW WHEN (OLD.hash <> '') EXECUTE FUNCTION kept_refuse_admin_log_change();
CREATE TRIGGER admin_log_no_truncate BEFORE TRUNCATE ON admin_log
    FOR EACH STATEMENT EXECUTE FUNCTION kept_refuse_admin_log_change();

-- +goose Down
DROP TRIGGER admin_log_no_truncate ON admin_log;
DROP TRIGGER admin_log_chained_once ON admin_log;
DROP TRIGGER admin_log_no_change ON admin_log;
DROP FUNCTION kept_refuse_admin_log_change();
DROP TABLE admin_log_head;
DROP INDEX admin_log_seq;
ALTER TABLE admin_log DROP COLUMN hash;
ALTER TABLE admin_log DROP COLUMN prev_hash;
ALTER TABLE admin_log DROP COLUMN seq;
ALTER TABLE teams DROP COLUMN language;
ALTER TABLE partners DROP COLUMN active;
