-- The order book. Times are UTC; money is integer minor units in the
-- order's currency; quantities are decimal text so both backends keep them
-- exactly.
CREATE TABLE orders (
    id                   TEXT PRIMARY KEY,
    channel              TEXT NOT NULL,
    user_id              TEXT NOT NULL,
    store_id             TEXT NOT NULL REFERENCES stores (id),
    -- delivery | pickup
    shipping             TEXT NOT NULL,
    -- For delivery, JSON: {"lat": .., "lon": .., "address": ..}.
    destination          TEXT,
    slot_starts_at       TIMESTAMP NOT NULL,
    slot_ends_at         TIMESTAMP NOT NULL,
    currency             TEXT NOT NULL,
    items_total_minor    BIGINT NOT NULL,
    delivery_price_minor BIGINT NOT NULL,
    status               TEXT NOT NULL,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    expires_at           TIMESTAMP
);
CREATE INDEX orders_expiry ON orders (status, expires_at);
CREATE INDEX orders_created ON orders (created_at);

CREATE TABLE order_lines (
    order_id         TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line_no          INTEGER NOT NULL,
    sku              TEXT NOT NULL,
    name             TEXT NOT NULL,
    unit             TEXT NOT NULL,
    quantity         TEXT NOT NULL,
    unit_price_minor BIGINT NOT NULL,
    discount_minor   BIGINT NOT NULL,
    total_minor      BIGINT NOT NULL,
    -- Units taken from the offer's stock while the order holds them.
    reserved         BIGINT NOT NULL,
    PRIMARY KEY (order_id, line_no)
);

-- Places taken in each slot; a conditional increment keeps it within the
-- slot's capacity under concurrent checkouts.
CREATE TABLE slot_bookings (
    store_id  TEXT NOT NULL,
    shipping  TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    booked    INTEGER NOT NULL,
    PRIMARY KEY (store_id, shipping, starts_at)
);

-- Requests that must not take effect twice: a retry with the same key
-- (the caller's rqUid) and the same body finds what the first one made.
CREATE TABLE idempotency_keys (
    scope       TEXT NOT NULL,
    key         TEXT NOT NULL,
    digest      TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (scope, key)
);

-- Every status change, for staff and for the record.
CREATE TABLE order_events (
    order_id    TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    at          TIMESTAMP NOT NULL,
    from_status TEXT,
    to_status   TEXT NOT NULL,
    action      TEXT NOT NULL
);
CREATE INDEX order_events_order ON order_events (order_id, at);
