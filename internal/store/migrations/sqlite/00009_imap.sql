-- Where the IMAP poller stands in each mailbox it reads.

-- +goose Up
CREATE TABLE imap_checkpoints (
    mailbox     TEXT PRIMARY KEY,
    uidvalidity BIGINT NOT NULL,
    last_uid    BIGINT NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE imap_checkpoints;
