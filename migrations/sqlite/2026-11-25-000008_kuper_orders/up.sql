-- How a store works with Kuper; a store without a row is Kuper delivery,
-- not a restaurant, no assembly time.
CREATE TABLE kuper_stores (
    store_id         TEXT PRIMARY KEY REFERENCES stores (id) ON DELETE CASCADE,
    -- kuper_delivery | pickup | merchant_delivery
    integration      TEXT NOT NULL,
    restaurant       BOOLEAN NOT NULL,
    assembly_minutes INTEGER
);

-- Kuper's orders in our book: created from order.created, moved by the
-- flow of their integration type (orders::kuper::flow).
CREATE TABLE kuper_orders (
    order_id          TEXT PRIMARY KEY,
    original_order_id TEXT NOT NULL UNIQUE,
    -- Kuper's storeID as sent (it may name no store of ours).
    store_id          TEXT NOT NULL,
    integration       TEXT NOT NULL,
    restaurant        BOOLEAN NOT NULL,
    status            TEXT NOT NULL,
    paid              BOOLEAN NOT NULL,
    composition_final BOOLEAN NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);

CREATE TABLE kuper_order_lines (
    order_id TEXT NOT NULL REFERENCES kuper_orders (order_id) ON DELETE CASCADE,
    line_no  INTEGER NOT NULL,
    sku      TEXT NOT NULL,
    quantity TEXT NOT NULL,
    -- Stock units held; 0 when the line could not be served.
    reserved BIGINT NOT NULL,
    PRIMARY KEY (order_id, line_no)
);

-- Notifications to Kuper, written in the transaction of the change that
-- causes them; the dispatcher sends them in id order per order.
CREATE TABLE kuper_outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    state      TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX kuper_outbox_pending ON kuper_outbox (state, id);
