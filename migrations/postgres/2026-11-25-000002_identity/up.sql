-- Shoppers, their linked external identities, the access tokens we issue
-- them, and the MCP clients allowed to call us. Secrets are SHA-256 hashes.
CREATE TABLE users (
    id         TEXT PRIMARY KEY,
    name       TEXT,
    phone      TEXT,
    email      TEXT,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE user_identities (
    provider      TEXT NOT NULL,
    subject       TEXT NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    TIMESTAMP NOT NULL,
    last_login_at TIMESTAMP NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX user_identities_user ON user_identities (user_id);

CREATE TABLE access_tokens (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_hash TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP
);
CREATE INDEX access_tokens_user ON access_tokens (user_id);

CREATE TABLE mcp_clients (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP
);
-- One active client per name; revoked ones stay for the record.
CREATE UNIQUE INDEX mcp_clients_active_name ON mcp_clients (name) WHERE revoked_at IS NULL;
