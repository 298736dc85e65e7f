DROP INDEX kuper_outbox_due;
