-- When a Kuper order is due (its delivery window's start), read from the
-- order's details by the domain, so the staff queue can sort and filter
-- by it in SQL. NULL: Kuper gave no window.
ALTER TABLE kuper_orders ADD COLUMN due_at TIMESTAMP;
CREATE INDEX kuper_orders_due_at ON kuper_orders (due_at);
