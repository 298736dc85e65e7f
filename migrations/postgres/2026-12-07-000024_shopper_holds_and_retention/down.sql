DROP INDEX kuper_orders_closed_unerased;
DROP INDEX orders_closed_unerased;
ALTER TABLE kuper_orders DROP COLUMN personal_data_erased_at;
ALTER TABLE orders DROP COLUMN personal_data_erased_at;
DROP INDEX orders_user_status;
