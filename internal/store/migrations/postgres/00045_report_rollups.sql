-- Report roll-ups (issue 18, "fast at scale"): what the reports count, summed per UTC day, kept
-- by the commands in their own transaction and rebuilt from the record by `kept reports
-- rebuild`. report_facts holds each case's part (so a command that changes a case replaces
-- that part and adds the difference to the sums); report_days sums it per team, channel and
-- case type, report_agent_days per team and agent. bucket is a time measure's histogram bucket
-- (0 for counts), secs the sum of the seconds in it.

-- +goose Up
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

CREATE TABLE report_days (
    measure   TEXT NOT NULL,
    day       TEXT NOT NULL,
    team_id   BIGINT NOT NULL,
    channel   TEXT NOT NULL,
    case_type TEXT NOT NULL,
    bucket    BIGINT NOT NULL,
    n         BIGINT NOT NULL,
    secs      BIGINT NOT NULL,
    PRIMARY KEY (measure, day, team_id, channel, case_type, bucket)
);

CREATE TABLE report_agent_days (
    measure  TEXT NOT NULL,
    day      TEXT NOT NULL,
    team_id  BIGINT NOT NULL,
    agent_id BIGINT NOT NULL,
    bucket   BIGINT NOT NULL,
    n        BIGINT NOT NULL,
    secs     BIGINT NOT NULL,
    PRIMARY KEY (measure, day, team_id, agent_id, bucket)
);

-- The reports read the roll-ups once they hold the whole desk: at once on a new desk, after
-- `kept reports rebuild` on one that has cases (until then they read the tables, as before).
CREATE TABLE report_rollups_ready (ready INTEGER NOT NULL);
INSERT INTO report_rollups_ready (ready) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM cases);

-- Each command that touches a case reads its outcomes again (there was only an index by time).
CREATE INDEX resolution_outcomes_case ON resolution_outcomes (case_id);
-- ... and its status changes, without reading its whole record (only those rows are indexed).
CREATE INDEX entries_status_changes ON entries (case_id) WHERE kind = 'status_changed';

-- +goose Down
DROP TABLE report_rollups_ready;
DROP INDEX entries_status_changes;
DROP INDEX resolution_outcomes_case;
DROP TABLE report_agent_days;
DROP TABLE report_days;
DROP TABLE report_facts;
