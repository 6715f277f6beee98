-- A case's part of the report roll-ups is one row (its facts as text, a line a fact) instead
-- of a row a fact. A command that changes a case reads that row and, if its facts changed,
-- writes it again: reading a dozen rows of nine columns, then deleting and inserting single
-- facts, was most of what the roll-ups cost a broken promise (issue 14). The facts are
-- carried over as the store writes them (factsText: tab-separated fields, texts with their
-- backslashes, tabs and line ends escaped; the order of the lines does not matter).

-- +goose Up
CREATE TABLE report_case_facts (
    case_id INTEGER PRIMARY KEY,
    facts   TEXT NOT NULL
);
INSERT INTO report_case_facts (case_id, facts)
SELECT case_id, group_concat(
        replace(replace(replace(measure, '\', '\\'), char(9), '\t'), char(10), '\n') || char(9) ||
        replace(replace(replace(day, '\', '\\'), char(9), '\t'), char(10), '\n') || char(9) ||
        team_id || char(9) || agent_id || char(9) ||
        replace(replace(replace(channel, '\', '\\'), char(9), '\t'), char(10), '\n') || char(9) ||
        replace(replace(replace(case_type, '\', '\\'), char(9), '\t'), char(10), '\n') || char(9) ||
        bucket || char(9) || n || char(9) || secs,
    char(10))
FROM report_facts GROUP BY case_id;
DROP TABLE report_facts;

-- +goose Down
DROP TABLE report_case_facts;
CREATE TABLE report_facts (
    case_id   INTEGER NOT NULL,
    measure   TEXT NOT NULL,
    day       TEXT NOT NULL,
    team_id   INTEGER NOT NULL,
    agent_id  INTEGER NOT NULL,
    channel   TEXT NOT NULL,
    case_type TEXT NOT NULL,
    bucket    INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    secs      INTEGER NOT NULL
);
CREATE INDEX report_facts_case ON report_facts (case_id);
-- The facts are not carried back: a desk with cases rebuilds its roll-ups.
DELETE FROM report_rollups_rebuild;
DELETE FROM report_rollups_ready WHERE EXISTS (SELECT 1 FROM cases);
