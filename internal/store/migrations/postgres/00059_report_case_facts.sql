-- A case's part of the report roll-ups is one row (its facts as text, a line a fact) instead
-- of a row a fact. A command that changes a case reads that row and, if its facts changed,
-- writes it again: reading a dozen rows of nine columns, then deleting and inserting single
-- facts, was most of what the roll-ups cost a broken promise (issue 14). The facts are
-- carried over as the store writes them (factsText: tab-separated fields, texts with their
-- backslashes, tabs and line ends escaped; the order of the lines does not matter).

-- +goose Up
CREATE TABLE report_case_facts (
    case_id BIGINT PRIMARY KEY,
    facts   TEXT NOT NULL
);
INSERT INTO report_case_facts (case_id, facts)
SELECT case_id, string_agg(
        replace(replace(replace(measure, '\', '\\'), chr(9), '\t'), chr(10), '\n') || chr(9) ||
        replace(replace(replace(day, '\', '\\'), chr(9), '\t'), chr(10), '\n') || chr(9) ||
        team_id || chr(9) || agent_id || chr(9) ||
        replace(replace(replace(channel, '\', '\\'), chr(9), '\t'), chr(10), '\n') || chr(9) ||
        replace(replace(replace(case_type, '\', '\\'), chr(9), '\t'), chr(10), '\n') || chr(9) ||
        bucket || chr(9) || n || chr(9) || secs,
    chr(10))
FROM report_facts GROUP BY case_id;
DROP TABLE report_facts;

-- +goose Down
DROP TABLE report_case_facts;
CREATE TABLE report_facts (
    case_id   BIGINT NOT NULL,
    measure   TEXT NOT NULL,
    day       TEXT NOT NULL,
    team_id   BIGINT NOT NULL,
    agent_id  BIGINT NOT NULL,
    channel   TEXT NOT NULL,
    case_type TEXT NOT NULL,
    bucket    BIGINT NOT NULL,
    n         BIGINT NOT NULL,
    secs      BIGINT NOT NULL
);
CREATE INDEX report_facts_case ON report_facts (case_id);
-- The facts are not carried back: a desk with cases rebuilds its roll-ups.
DELETE FROM report_rollups_rebuild;
DELETE FROM report_rollups_ready WHERE EXISTS (SELECT 1 FROM cases);
