-- Every webhook Kuper got a 2xx for, committed before that 2xx, once per
-- event key (Kuper retries; the key is stable across retries).
CREATE TABLE kuper_inbox (
    event_key         TEXT PRIMARY KEY,
    event_type        TEXT NOT NULL,
    original_order_id TEXT NOT NULL,
    body              TEXT NOT NULL,
    received_at       TIMESTAMP NOT NULL,
    -- pending: not applied yet; applied; recorded: kept, not applied (note says why)
    state             TEXT NOT NULL,
    -- What Kuper was answered, given again to a retry.
    reply             TEXT NOT NULL,
    note              TEXT,
    applied_at        TIMESTAMP
);
CREATE INDEX kuper_inbox_pending ON kuper_inbox (state, received_at);
CREATE INDEX kuper_inbox_order ON kuper_inbox (original_order_id, received_at);

-- Our order number for each Kuper order, allocated at its first order.created.
CREATE TABLE kuper_order_numbers (
    original_order_id TEXT PRIMARY KEY,
    order_id          TEXT NOT NULL UNIQUE,
    created_at        TIMESTAMP NOT NULL
);
