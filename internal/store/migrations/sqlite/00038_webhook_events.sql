-- A webhook event is stored once, in the transaction of what caused it: its body (the payload
-- without its id, which names the endpoint's delivery) and the endpoints that hear of it. An
-- entry's event stores no body: it names the entry (case_id, seq), which is on the record
-- already, and the sender reads it there. The webhook sender fans an event out to one
-- delivery per endpoint (webhook_deliveries, which point at it by key), in the order the
-- events were stored, so mail intake writes one small row an event however many endpoints
-- there are. Deliveries queued before keep their own payload (event_key '').
--
-- A delivery names the node that claimed it, so a node restarted after a crash takes back at
-- once what it was sending (as the outbox does), instead of waiting out the lease.

-- +goose Up
CREATE TABLE webhook_events (
    id         INTEGER PRIMARY KEY,
    key        TEXT NOT NULL UNIQUE, -- the event's id (msg_<case>_<seq>, evt_…, auto_…)
    type       TEXT NOT NULL,
    case_id    INTEGER NOT NULL DEFAULT 0,
    seq        INTEGER NOT NULL DEFAULT 0,   -- an entry's event: the entry's seq in its case
    hooks      TEXT NOT NULL DEFAULT '', -- endpoints still to fan out to (ids, comma-separated); '' once done
    body       TEXT NOT NULL,            -- the payload from "type" on ({"type":…,"at":…,…,"data":…}); '' for an entry's
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_events_unfanned ON webhook_events (id) WHERE hooks <> '';
ALTER TABLE webhook_deliveries ADD COLUMN event_key TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_deliveries ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE webhook_deliveries DROP COLUMN claimed_by;
ALTER TABLE webhook_deliveries DROP COLUMN event_key;
DROP TABLE webhook_events;
