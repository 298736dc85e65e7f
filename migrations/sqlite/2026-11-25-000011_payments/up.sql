-- Payment attempts of MCP orders. The id is the gateway's; the order may
-- have several attempts, at most one succeeded (the partial unique index is
-- the last line of defence behind the use case's check).
CREATE TABLE payments (
    id               TEXT PRIMARY KEY,
    gateway          TEXT NOT NULL,
    order_id         TEXT NOT NULL REFERENCES orders (id),
    amount_minor     BIGINT NOT NULL,
    currency         TEXT NOT NULL,
    status           TEXT NOT NULL,
    confirmation_url TEXT,
    details          TEXT NOT NULL,
    return_url       TEXT NOT NULL,
    idempotence_key  TEXT NOT NULL UNIQUE,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX payments_order ON payments (order_id);
CREATE UNIQUE INDEX payments_one_success ON payments (order_id) WHERE status = 'succeeded';

-- Money owed back: written in the transaction that cancels a paid order (or
-- settles a payment for an order that can no longer be paid), sent by the
-- payments task until the gateway confirms.
CREATE TABLE payment_refunds (
    payment_id        TEXT PRIMARY KEY REFERENCES payments (id),
    amount_minor      BIGINT NOT NULL,
    currency          TEXT NOT NULL,
    state             TEXT NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   TIMESTAMP,
    last_error        TEXT,
    gateway_refund_id TEXT,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX payment_refunds_due ON payment_refunds (state, next_attempt_at);
