-- The outbox: mail a command decided to send, stored in that command's transaction and sent
-- afterwards by internal/mail's Sender, so a rolled-back reply is never mailed and a
-- committed one is sent even after a crash. Rows stay after sending as the delivery log.

-- +goose Up
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL DEFAULT 0, -- 0: mail of no case (a sign-in link, say)
    entry_id    INTEGER NOT NULL DEFAULT 0,
    from_addr   TEXT NOT NULL,
    to_addr     TEXT NOT NULL,
    message_id  TEXT NOT NULL UNIQUE, -- a message is queued once, however often its command runs
    raw         BLOB NOT NULL,
    automatic   BOOLEAN NOT NULL DEFAULT FALSE,
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     TIMESTAMP NOT NULL,
    lease_until TIMESTAMP, -- while 'sending': after this the sender is presumed dead
    last_error  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    sent_at     TIMESTAMP
);
-- The sender finds due mail and the next due time from this index; the (small) 'sending'
-- range of it holds the leases to check for crashed senders.
CREATE INDEX outbox_due ON outbox (state, next_at, id);
CREATE INDEX outbox_case ON outbox (case_id, id);
-- Rate limiting automatic mail (auto-replies) per recipient.
CREATE INDEX outbox_automatic ON outbox (lower(to_addr), created_at) WHERE automatic;

-- +goose Down
DROP TABLE outbox;
