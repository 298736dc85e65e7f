-- 1C's "exchange with a site" (CommerceML). A session is the cookie
-- checkauth handed out, kept by its SHA-256 (the cookie is a secret), so
-- that it survives a restart and any instance answers it.
CREATE TABLE onec_sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
-- The parts of a file 1C uploads, in order; read back part by part, so a
-- file of any size is never held whole.
CREATE TABLE onec_file_parts (
    token_hash TEXT NOT NULL REFERENCES onec_sessions (token_hash) ON DELETE CASCADE,
    filename TEXT NOT NULL,
    seq INTEGER NOT NULL,
    content BYTEA NOT NULL,
    PRIMARY KEY (token_hash, filename, seq)
);
-- Which of our SKUs a 1C product (Ид) is: offers name products by Ид only.
CREATE TABLE onec_products (
    onec_id TEXT PRIMARY KEY NOT NULL,
    sku TEXT NOT NULL
);
-- Which of our stores a 1C warehouse (Склад Ид) is, set by the merchant.
CREATE TABLE onec_warehouses (
    warehouse_id TEXT PRIMARY KEY NOT NULL,
    store_id TEXT NOT NULL REFERENCES stores (id)
);
-- Orders handed to 1C by query, and when 1C confirmed them (success): a
-- confirmed order is not sent again until it changes.
CREATE TABLE onec_order_exports (
    channel TEXT NOT NULL,
    order_id TEXT NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    PRIMARY KEY (channel, order_id)
);
