DROP INDEX kuper_orders_due_at;
ALTER TABLE kuper_orders DROP COLUMN due_at;
