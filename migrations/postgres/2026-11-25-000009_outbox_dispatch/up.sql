-- What the dispatcher keeps per notification: attempts so far, when to try
-- next, the last error, a lease so that several dispatchers never send the
-- same row at once, and when it was sent.
ALTER TABLE kuper_outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE kuper_outbox ADD COLUMN next_attempt_at TIMESTAMP;
ALTER TABLE kuper_outbox ADD COLUMN leased_until TIMESTAMP;
ALTER TABLE kuper_outbox ADD COLUMN last_error TEXT;
ALTER TABLE kuper_outbox ADD COLUMN sent_at TIMESTAMP;
CREATE INDEX kuper_outbox_order ON kuper_outbox (order_id, state, id);
