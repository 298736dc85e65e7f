DROP INDEX idempotency_keys_created;
DROP INDEX access_tokens_expires;
DROP INDEX staff_sessions_login;
DROP INDEX staff_sessions_expires;
DROP INDEX auth_failures_started;
