-- An agent's second factor (TOTP, RFC 6238): its secret, never shown again once confirmed, and
-- the last time step used, so a code works once; one-time recovery codes, kept as digests; the
-- second step of a sign-in (the password was right, the code is awaited), which is not a
-- session; and the desk's rule that every agent must have a second factor.

-- +goose Up
CREATE TABLE second_factors (
    agent_id     INTEGER PRIMARY KEY REFERENCES agents (id),
    secret       TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    last_step    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE recovery_codes (
    id       INTEGER PRIMARY KEY,
    agent_id INTEGER NOT NULL REFERENCES agents (id),
    digest   BLOB NOT NULL,
    used_at  TIMESTAMP
);
CREATE INDEX recovery_codes_agent ON recovery_codes (agent_id);

CREATE TABLE signin_steps (
    id         INTEGER PRIMARY KEY,
    agent_id   INTEGER NOT NULL REFERENCES agents (id),
    digest     BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    wrong      INTEGER NOT NULL DEFAULT 0,
    used_at    TIMESTAMP
);
CREATE INDEX signin_steps_expiry ON signin_steps (expires_at);

CREATE TABLE signin_policy (
    id                    INTEGER PRIMARY KEY CHECK (id = 1),
    require_second_factor BOOLEAN NOT NULL DEFAULT FALSE,
    changed_at            TIMESTAMP NOT NULL,
    changed_by            INTEGER REFERENCES agents (id)
);

-- +goose Down
DROP TABLE signin_policy;
DROP TABLE signin_steps;
DROP TABLE recovery_codes;
DROP TABLE second_factors;
