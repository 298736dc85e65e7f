-- The sandbox bank's payments, kept where every instance of every service
-- finds them (its payment page on any of them; nothing forgotten on restart).
CREATE TABLE sandbox_payments (
    id              TEXT PRIMARY KEY,
    idempotence_key TEXT NOT NULL UNIQUE,
    account         TEXT NOT NULL
);
