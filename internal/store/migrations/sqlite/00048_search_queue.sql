-- Texts that mail intake committed and whose words are still to go into the full-text index
-- (search_fts, search_case_rows): a row per transaction, its texts as JSON. A worker indexes
-- them shortly after and deletes the row in the same transaction, so a crash loses none.

-- +goose Up
CREATE TABLE search_queue (
    id INTEGER PRIMARY KEY,
    docs TEXT NOT NULL
);

-- +goose Down
DROP TABLE search_queue;
