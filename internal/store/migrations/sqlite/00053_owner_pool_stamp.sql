-- A stamp that changes whenever agents, their teams or their absences are written, so a node
-- keeps a team's owner pool (store.OwnerPool: who may get a new case) between transactions and
-- reads it again only when the stamp moved: mail intake read the pool for every group, two
-- statements over every agent (a tenth of its writer's work on SQLite). Each change draws a new
-- stamp that no earlier one had, so a change rolled back never leaves a stamp a later change
-- could meet again.

-- +goose Up
CREATE TABLE owner_pool_stamp (
    one   INTEGER PRIMARY KEY CHECK (one = 1),
    stamp BIGINT NOT NULL
);
INSERT INTO owner_pool_stamp (one, stamp) VALUES (1, 0);
-- +goose StatementBegin
CREATE TRIGGER agents_pool_insert AFTER INSERT ON agents
BEGIN
    UPDATE owner_pool_stamp SET stamp = random();
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER agents_pool_update AFTER UPDATE ON agents
BEGIN
    UPDATE owner_pool_stamp SET stamp = random();
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER agents_pool_delete AFTER DELETE ON agents
BEGIN
    UPDATE owner_pool_stamp SET stamp = random();
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER teams_pool_insert AFTER INSERT ON teams
BEGIN
    UPDATE owner_pool_stamp SET stamp = random();
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER teams_pool_update AFTER UPDATE ON teams
BEGIN
    UPDATE owner_pool_stamp SET stamp = random();
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER teams_pool_delete AFTER DELETE ON teams
BEGIN
    UPDATE owner_pool_stamp SET stamp = random();
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER absences_pool_insert AFTER INSERT ON absences
BEGIN
    UPDATE owner_pool_stamp SET stamp = random();
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER absences_pool_update AFTER UPDATE ON absences
BEGIN
    UPDATE owner_pool_stamp SET stamp = random();
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER absences_pool_delete AFTER DELETE ON absences
BEGIN
    UPDATE owner_pool_stamp SET stamp = random();
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER absences_pool_delete;
DROP TRIGGER absences_pool_update;
DROP TRIGGER absences_pool_insert;
DROP TRIGGER teams_pool_delete;
DROP TRIGGER teams_pool_update;
DROP TRIGGER teams_pool_insert;
DROP TRIGGER agents_pool_delete;
DROP TRIGGER agents_pool_update;
DROP TRIGGER agents_pool_insert;
DROP TABLE owner_pool_stamp;
