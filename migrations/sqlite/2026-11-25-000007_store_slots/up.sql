-- A store's own slot grid for one shipping method; stores without a row use
-- the configured one (MERCHANT_DELIVERY_*, MERCHANT_PICKUP_*).
CREATE TABLE store_slots (
    store_id     TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    shipping     TEXT NOT NULL,
    slot_minutes INTEGER NOT NULL,
    lead_minutes INTEGER NOT NULL,
    -- HH:MM in the store's time zone, or NULL: no same-day cut-off.
    cutoff       TEXT,
    days         INTEGER NOT NULL,
    capacity     INTEGER NOT NULL,
    PRIMARY KEY (store_id, shipping)
);
