-- An event heard by several webhook endpoints is stored once: its body (the payload without its
-- id, which names the endpoint's delivery) in webhook_events, and each endpoint's delivery
-- points at it by the event's key. A mail heard by five endpoints wrote its text five times.
-- Deliveries queued before keep their own payload (event_key '').
--
-- A delivery names the node that claimed it, so a node restarted after a crash takes back at
-- once what it was sending (as the outbox does), instead of waiting out the lease.

-- +goose Up
CREATE TABLE webhook_events (
    key        TEXT PRIMARY KEY, -- the event's id (msg_<case>_<seq>, evt_…, auto_…)
    body       TEXT NOT NULL,    -- the payload from "type" on: {"type":…,"at":…,…,"data":…}
    created_at TIMESTAMPTZ NOT NULL
);
ALTER TABLE webhook_deliveries ADD COLUMN event_key TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_deliveries ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE webhook_deliveries DROP COLUMN claimed_by;
ALTER TABLE webhook_deliveries DROP COLUMN event_key;
DROP TABLE webhook_events;
