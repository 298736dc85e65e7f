DROP TABLE kuper_outbox;
DROP TABLE kuper_order_lines;
DROP TABLE kuper_orders;
DROP TABLE kuper_stores;
