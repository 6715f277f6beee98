-- Reports and quality review (issue 18).
-- Teams: how long after a case closes a new contact from the same customer counts it as not
-- solved (repeat_window_s), and the share of each agent's closed cases drawn each week for
-- quality review (review_share, in per cent).
-- Ratings: one per confirmed resolution (resolution_at), not one per case, so a case reopened
-- and resolved again is rated again and the first rating stays in last month's figures.
-- Reviews: the cases drawn for review, the reviewer's scores on the rubric, the agent's answer.
-- Indexes for the reports' periods: entries by kind and time (escalations, hand-overs, status
-- changes), promises and cases by when they were made.

-- +goose Up
CREATE INDEX entries_kind_at ON entries (kind, at);
CREATE INDEX promises_created ON promises (created_at);
CREATE INDEX cases_created ON cases (created_at);
ALTER TABLE teams ADD COLUMN repeat_window_s INTEGER NOT NULL DEFAULT 604800;
ALTER TABLE teams ADD COLUMN review_share INTEGER NOT NULL DEFAULT 5;

CREATE TABLE ratings_by_resolution (
    case_id       INTEGER NOT NULL REFERENCES cases (id),
    resolution_at TIMESTAMP NOT NULL,
    customer_id   INTEGER NOT NULL REFERENCES customers (id),
    score         INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment       TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (case_id, resolution_at)
);
INSERT INTO ratings_by_resolution (case_id, resolution_at, customer_id, score, comment, created_at, updated_at)
SELECT r.case_id, COALESCE((SELECT MAX(o.at) FROM resolution_outcomes o WHERE o.case_id = r.case_id AND o.outcome = 'confirmed'), r.created_at),
       r.customer_id, r.score, r.comment, r.created_at, r.updated_at FROM ratings r;
DROP TABLE ratings;
ALTER TABLE ratings_by_resolution RENAME TO ratings;
CREATE INDEX ratings_updated ON ratings (updated_at);

CREATE TABLE review_draws (
    week     TEXT PRIMARY KEY, -- the Monday the week drawn from starts on (UTC), 2006-01-02
    drawn_at TIMESTAMP NOT NULL
);
CREATE TABLE reviews (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    agent_id    INTEGER NOT NULL REFERENCES agents (id),
    team_id     INTEGER REFERENCES teams (id),
    week        TEXT NOT NULL,
    closed_at   TIMESTAMP NOT NULL,
    reviewer_id INTEGER REFERENCES agents (id),
    clear       INTEGER NOT NULL DEFAULT 0, -- the promise words were clear, 1-5 (0: not scored)
    solved      INTEGER NOT NULL DEFAULT 0, -- the problem was solved
    tone        INTEGER NOT NULL DEFAULT 0,
    comment     TEXT NOT NULL DEFAULT '',
    reviewed_at TIMESTAMP,
    answer      TEXT NOT NULL DEFAULT '', -- the agent's answer to the review
    answered_at TIMESTAMP,
    UNIQUE (week, case_id)
);
CREATE INDEX reviews_agent ON reviews (agent_id, week);
CREATE INDEX reviews_week ON reviews (week, team_id);

-- +goose Down
DROP INDEX cases_created;
DROP INDEX promises_created;
DROP INDEX entries_kind_at;
DROP TABLE reviews;
DROP TABLE review_draws;
CREATE TABLE ratings_by_case (
    case_id     INTEGER PRIMARY KEY REFERENCES cases (id),
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    score       INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment     TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
INSERT INTO ratings_by_case (case_id, customer_id, score, comment, created_at, updated_at)
SELECT r.case_id, r.customer_id, r.score, r.comment, r.created_at, r.updated_at FROM ratings r
WHERE r.resolution_at = (SELECT MAX(x.resolution_at) FROM ratings x WHERE x.case_id = r.case_id);
DROP TABLE ratings;
ALTER TABLE ratings_by_case RENAME TO ratings;
CREATE INDEX ratings_created ON ratings (created_at);
ALTER TABLE teams DROP COLUMN review_share;
ALTER TABLE teams DROP COLUMN repeat_window_s;
