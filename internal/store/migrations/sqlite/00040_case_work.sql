-- Issue 16, the daily work. A case's copies: the addresses a reply goes to besides the customer
-- (cc, seen by everyone on the mail) and those it goes to unseen (bcc, never in a header the
-- customer reads), JSON lists. A case waiting on its customer: since when and, with a snooze,
-- until when (the owner is reminded then). A case merged into another names it.
-- The outbox's also_to are a mail's envelope recipients besides to_addr (its copies).
-- +goose Up
ALTER TABLE cases ADD COLUMN cc TEXT NOT NULL DEFAULT '[]';
ALTER TABLE cases ADD COLUMN bcc TEXT NOT NULL DEFAULT '[]';
ALTER TABLE cases ADD COLUMN waiting_since TIMESTAMP;
ALTER TABLE cases ADD COLUMN waiting_until TIMESTAMP;
ALTER TABLE cases ADD COLUMN merged_into INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN also_to TEXT NOT NULL DEFAULT '[]';
CREATE INDEX cases_waiting ON cases (owner_id, waiting_since) WHERE waiting_since IS NOT NULL;

-- +goose Down
DROP INDEX cases_waiting;
ALTER TABLE outbox DROP COLUMN also_to;
ALTER TABLE cases DROP COLUMN merged_into;
ALTER TABLE cases DROP COLUMN waiting_until;
ALTER TABLE cases DROP COLUMN waiting_since;
ALTER TABLE cases DROP COLUMN bcc;
ALTER TABLE cases DROP COLUMN cc;
