-- A shopper's unpaid orders, counted at every checkout (orders::limits).
CREATE INDEX orders_user_status ON orders (user_id, status);
-- When a closed order's personal data was erased (retention): each order
-- is erased once, and what is left to erase is found by index.
ALTER TABLE orders ADD COLUMN personal_data_erased_at TIMESTAMP;
ALTER TABLE kuper_orders ADD COLUMN personal_data_erased_at TIMESTAMP;
CREATE INDEX orders_closed_unerased ON orders (updated_at) WHERE personal_data_erased_at IS NULL;
CREATE INDEX kuper_orders_closed_unerased ON kuper_orders (updated_at) WHERE personal_data_erased_at IS NULL;
