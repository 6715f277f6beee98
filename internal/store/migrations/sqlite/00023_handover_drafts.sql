-- What an agent has written so far for the hand-overs of a coming absence, kept across the
-- pages of the bulk hand-over form: per case (kind 'case', key the case's id) the colleague
-- chosen and an optional note; per group of cases (kind 'group', key such as 'customer:7') the
-- briefing they share and the colleague chosen for them. Cleared when the absence is recorded.

-- +goose Up
CREATE TABLE handover_drafts (
    agent_id    INTEGER NOT NULL REFERENCES agents (id),
    kind        TEXT NOT NULL,
    key         TEXT NOT NULL,
    to_agent_id INTEGER NOT NULL DEFAULT 0,
    text        TEXT NOT NULL DEFAULT '',
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (agent_id, kind, key)
);

-- +goose Down
DROP TABLE handover_drafts;
