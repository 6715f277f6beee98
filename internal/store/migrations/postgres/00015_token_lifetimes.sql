-- API tokens that can be listed, expire and say when they were last used, and what they were
-- issued for: who issued them (NULL: the command line) and their scopes (space-separated, e.g.
-- "customer-voice" for an integration that acts for customers). Existing tokens never expire
-- and were issued on the command line, as before.

-- +goose Up
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMPTZ;
ALTER TABLE api_tokens ADD COLUMN last_used_at TIMESTAMPTZ;
ALTER TABLE api_tokens ADD COLUMN issued_by BIGINT REFERENCES agents (id);
ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
-- An agent's own tokens (the API's list for anyone but an admin, the demo's restart).
CREATE INDEX api_tokens_agent ON api_tokens (agent_id, id);

-- +goose Down
DROP INDEX api_tokens_agent;
ALTER TABLE api_tokens DROP COLUMN scopes;
ALTER TABLE api_tokens DROP COLUMN issued_by;
ALTER TABLE api_tokens DROP COLUMN last_used_at;
ALTER TABLE api_tokens DROP COLUMN expires_at;
