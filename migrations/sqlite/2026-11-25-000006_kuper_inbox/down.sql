DROP TABLE kuper_order_numbers;
DROP TABLE kuper_inbox;
