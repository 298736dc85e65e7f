-- The stock model (catalog::stock): what the merchant's systems last said is
-- on the shelf and as of when, what our orders hold, and our sales made
-- after that report. Amounts are thousandths of the unit of sale, so weighted
-- goods hold to the gram. `stock` stays as the whole units available to
-- promise, written with the rest by every stock move, for the readers that
-- rank offers.
ALTER TABLE offers ADD COLUMN shelf BIGINT NOT NULL DEFAULT 0;
ALTER TABLE offers ADD COLUMN shelf_as_of TIMESTAMP;
ALTER TABLE offers ADD COLUMN held BIGINT NOT NULL DEFAULT 0;
ALTER TABLE offers ADD COLUMN sold_after BIGINT NOT NULL DEFAULT 0;
-- The stock feed: the transaction (PostgreSQL: its xid8) of the offer's last
-- stock move. Followers read positions below the oldest transaction still
-- running, so a move that commits late is never skipped.
ALTER TABLE offers ADD COLUMN stock_txn BIGINT NOT NULL DEFAULT 0;
CREATE INDEX offers_stock_txn ON offers (stock_txn, sku, store_id);

ALTER TABLE order_lines RENAME COLUMN reserved TO held;
UPDATE order_lines SET held = held * 1000;
ALTER TABLE kuper_order_lines RENAME COLUMN reserved TO held;
UPDATE kuper_order_lines SET held = held * 1000;
-- Kuper goods that already left the store were sold.
UPDATE kuper_order_lines SET held = 0 WHERE order_id IN (
    SELECT order_id FROM kuper_orders
    WHERE status NOT IN ('created', 'accepted', 'in_work', 'assembled', 'pickup_code_sent', 'ready'));

-- What orders hold now was taken off `stock` by the old model: put it back on
-- the shelf and hold it.
UPDATE offers AS o SET held = h.held FROM (
    SELECT l.sku, x.store_id, SUM(l.held) AS held
    FROM order_lines l JOIN orders x ON x.id = l.order_id
    WHERE x.status IN ('new', 'paid', 'processing', 'ready_for_pickup')
    GROUP BY l.sku, x.store_id
    UNION ALL
    SELECT l.sku, k.store_id, SUM(l.held)
    FROM kuper_order_lines l JOIN kuper_orders k ON k.order_id = l.order_id
    WHERE l.held > 0
    GROUP BY l.sku, k.store_id
) h WHERE o.sku = h.sku AND o.store_id = h.store_id;
UPDATE offers SET shelf = stock * 1000 + held;

-- Our stock moves, for the merchant's systems to book (GET /erp/stock/moves).
CREATE TABLE stock_moves (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    txn         BIGINT NOT NULL,
    sku         TEXT NOT NULL,
    store_id    TEXT NOT NULL,
    -- hold | release | sale
    kind        TEXT NOT NULL,
    quantity    BIGINT NOT NULL,
    -- mcp | kuper
    channel     TEXT NOT NULL,
    order_id    TEXT NOT NULL,
    at          TIMESTAMP NOT NULL
);
CREATE INDEX stock_moves_feed ON stock_moves (txn, id);
-- Sales after a report's as_of, per offer.
CREATE INDEX stock_moves_sales ON stock_moves (sku, store_id, at) WHERE kind = 'sale';

-- Stock and price updates from the merchant's systems, kept by batch id so
-- a retried batch answers what it answered the first time.
CREATE TABLE stock_batches (
    batch_id    TEXT PRIMARY KEY,
    digest      TEXT NOT NULL,
    report      TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL
);
-- When each store last heard from the merchant's systems.
CREATE TABLE stock_report_times (
    store_id    TEXT PRIMARY KEY,
    reported_at TIMESTAMP NOT NULL
);
-- SQLite's stock-feed counter (PostgreSQL uses its transaction ids): writers
-- are serial on SQLite, so a counter bumped once per transaction orders them.
CREATE TABLE stock_sequence (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO stock_sequence (id, value) VALUES (1, 0);
