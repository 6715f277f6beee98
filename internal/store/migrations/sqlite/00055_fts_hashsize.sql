-- FTS5 keeps a transaction's new words in memory until it commits, or until they pass its
-- 'hashsize' (1 MiB by default): each time they pass it, it writes them out as a new segment of
-- the index, and merging those segments again is work for every later write. An import's batch
-- of a thousand tickets passed it a dozen times; with 64 MiB it writes one segment a batch, and
-- its writer spent a third less on the word index (issue 19). A desk's own commands write a few
-- texts each, so they never hold that much; the memory is held only while a batch is written.

-- +goose Up
INSERT INTO search_fts (search_fts, rank) VALUES ('hashsize', 67108864);
INSERT INTO search_recent0 (search_recent0, rank) VALUES ('hashsize', 67108864);
INSERT INTO search_recent1 (search_recent1, rank) VALUES ('hashsize', 67108864);

-- +goose Down
INSERT INTO search_fts (search_fts, rank) VALUES ('hashsize', 1048576);
INSERT INTO search_recent0 (search_recent0, rank) VALUES ('hashsize', 1048576);
INSERT INTO search_recent1 (search_recent1, rank) VALUES ('hashsize', 1048576);
