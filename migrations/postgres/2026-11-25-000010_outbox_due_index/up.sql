-- The dispatcher's claim walks pending notifications in id order; once most
-- rows are sent, an index of the pending ones alone keeps that walk short.
CREATE INDEX kuper_outbox_due ON kuper_outbox (id) WHERE state = 'pending';
