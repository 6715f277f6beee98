-- Webhooks: endpoints an admin registers (a URL, the events it wants, the secret its deliveries
-- are signed with), and their deliveries, queued in the transaction of the entry that caused
-- them and sent at least once by the webhook sender, like the mail outbox.

-- +goose Up
CREATE TABLE webhooks (
    id         INTEGER PRIMARY KEY,
    url        TEXT NOT NULL,
    events     TEXT NOT NULL, -- JSON list of entry kinds, or ["*"]
    secret     TEXT NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_by INTEGER REFERENCES agents (id),
    created_at TIMESTAMP NOT NULL,
    disabled_why TEXT NOT NULL DEFAULT ''
);
CREATE TABLE webhook_deliveries (
    id          INTEGER PRIMARY KEY,
    webhook_id  INTEGER NOT NULL REFERENCES webhooks (id),
    message_id  TEXT NOT NULL, -- the webhook-id header: the same on every attempt
    type        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending', -- pending, sending, delivered, failed
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     TIMESTAMP NOT NULL,
    lease_until TIMESTAMP,
    last_status INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    done_at     TIMESTAMP
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_at, id);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, id);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
