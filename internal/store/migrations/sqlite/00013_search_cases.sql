-- Which full-text rows belong to which case. case_id is an UNINDEXED column of search_fts, so a
-- word searched within a few cases (those a reference found, a customer's own) read every text
-- holding the word and sought its row to check the case: 62,000 texts for "invoice" at scale S.
-- With this table the search starts from the cases' own texts and asks the word index about
-- their rowids only. Index and the bulk path write a row here beside each search_fts row.

-- +goose Up
CREATE TABLE search_case_rows (
    case_id  INTEGER NOT NULL,
    doc      INTEGER NOT NULL, -- search_fts rowid
    entry_id INTEGER NOT NULL,
    internal BOOLEAN NOT NULL,
    PRIMARY KEY (case_id, doc)
) WITHOUT ROWID;
-- Sorted first, so the rows go into the table in key order (a few seconds per million texts).
INSERT INTO search_case_rows (case_id, doc, entry_id, internal)
SELECT case_id, rowid, entry_id, internal FROM search_fts ORDER BY case_id, rowid;

-- +goose Down
DROP TABLE search_case_rows;
