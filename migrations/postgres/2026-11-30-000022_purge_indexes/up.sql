-- What `merchantctl purge` and a password change look rows up by: without
-- these each is a scan of the whole table.
CREATE INDEX auth_failures_started ON auth_failures (started_ms);
CREATE INDEX staff_sessions_expires ON staff_sessions (expires_at);
CREATE INDEX staff_sessions_login ON staff_sessions (login);
CREATE INDEX access_tokens_expires ON access_tokens (expires_at);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
