DROP INDEX kuper_outbox_order;
ALTER TABLE kuper_outbox DROP COLUMN sent_at;
ALTER TABLE kuper_outbox DROP COLUMN last_error;
ALTER TABLE kuper_outbox DROP COLUMN leased_until;
ALTER TABLE kuper_outbox DROP COLUMN next_attempt_at;
ALTER TABLE kuper_outbox DROP COLUMN attempts;
