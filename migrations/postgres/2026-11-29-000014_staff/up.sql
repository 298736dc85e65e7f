-- The merchant's staff (identity::staff): who signs in to the console, in
-- which role, for which stores; failed sign-ins for the lock-out.
CREATE TABLE staff_accounts (
    login         TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    -- admin | operator | picker
    role          TEXT NOT NULL,
    -- JSON array of store ids (a picker's stores).
    stores        TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL,
    failures      INTEGER NOT NULL,
    locked_until  TIMESTAMP,
    created_at    TIMESTAMP NOT NULL
);

-- Who did what to which order, for the order page and the record.
CREATE TABLE staff_audit (
    id        BIGSERIAL PRIMARY KEY,
    at        TIMESTAMP NOT NULL,
    login     TEXT NOT NULL,
    action    TEXT NOT NULL,
    order_ref TEXT,
    detail    TEXT NOT NULL
);
CREATE INDEX staff_audit_order ON staff_audit (order_ref, id);

-- Signed-in console sessions: the cookie's token is kept as its SHA-256;
-- each session has its own CSRF token for the forms it is shown.
CREATE TABLE staff_sessions (
    token_hash TEXT PRIMARY KEY,
    login      TEXT NOT NULL REFERENCES staff_accounts (login) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
