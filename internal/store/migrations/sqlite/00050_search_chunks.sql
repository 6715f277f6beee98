-- The word index in chunks (issue 21). FTS5 answers newest first only by walking a word's list
-- backwards page after page, so two common words that seldom meet read both lists whole (14 ms
-- of CPU at scale M). Texts older than the newest chunk are also kept here as one set of texts
-- per word and chunk (a bitmap or a sorted list of offsets, internal/store/search_chunks.go):
-- texts holding every word are the AND of a few small blobs per chunk, newest chunk first. The
-- texts not yet sealed into chunks are also in a small FTS5 index of their own, one of two by
-- the chunk's parity, so that walking them newest first reads only their lists (the main index
-- answers searches within a few cases). The texts already indexed are sealed by kept itself
-- right after migrating (Store.Migrate), a chunk a transaction.

-- +goose Up
CREATE TABLE search_chunks (
    word  TEXT NOT NULL,    -- a folded word; '' is the set of internal texts
    chunk INTEGER NOT NULL, -- the texts with rowid >> chunk_bits = chunk
    docs  BLOB NOT NULL,
    PRIMARY KEY (word, chunk)
) WITHOUT ROWID;

-- One row: how many chunks (from 0) are sealed, and their size: 65,536 texts.
CREATE TABLE search_chunks_sealed (
    one        INTEGER PRIMARY KEY CHECK (one = 1),
    chunk_bits INTEGER NOT NULL,
    sealed     INTEGER NOT NULL
);
INSERT INTO search_chunks_sealed (one, chunk_bits, sealed) VALUES (1, 16, 0);

-- The texts of even and of odd chunks not yet sealed (search_chunks.go: recentTableDDL).
CREATE VIRTUAL TABLE search_recent0 USING fts5 (
    words, case_id UNINDEXED, entry_id UNINDEXED, internal UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE search_recent1 USING fts5 (
    words, case_id UNINDEXED, entry_id UNINDEXED, internal UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- +goose Down
DROP TABLE search_recent1;
DROP TABLE search_recent0;
DROP TABLE search_chunks_sealed;
DROP TABLE search_chunks;
