-- The word index in chunks (issue 21). The GIN index answers two common words that seldom meet
-- by reading both posting lists whole (the two-word tail of 661 ms at scale M). Texts older than
-- the newest chunk are also kept here as one set of texts per word and chunk (a bitmap or a
-- sorted list of offsets, internal/store/search_chunks.go): texts holding every word are the AND
-- of a few small blobs per chunk, newest chunk first. The GIN index still answers for the texts
-- not yet sealed into chunks and for searches within a few cases. The texts already indexed are
-- sealed by kept itself right after migrating (Store.Migrate), a chunk a transaction.

-- +goose Up
CREATE TABLE search_chunks (
    word  TEXT NOT NULL,    -- a folded word; '' is the set of internal texts
    chunk BIGINT NOT NULL,  -- the texts with id >> chunk_bits = chunk
    docs  BYTEA NOT NULL,
    PRIMARY KEY (word, chunk)
);

-- One row: how many chunks (from 0) are sealed, and their size: 8,192 texts, so that the texts
-- after the sealed chunks are few enough to walk back by id.
CREATE TABLE search_chunks_sealed (
    one        INTEGER PRIMARY KEY CHECK (one = 1),
    chunk_bits INTEGER NOT NULL,
    sealed     INTEGER NOT NULL
);
INSERT INTO search_chunks_sealed (one, chunk_bits, sealed) VALUES (1, 13, 0);

-- +goose Down
DROP TABLE search_chunks_sealed;
DROP TABLE search_chunks;
