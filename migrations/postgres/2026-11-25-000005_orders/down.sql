DROP TABLE order_events;
DROP TABLE idempotency_keys;
DROP TABLE slot_bookings;
DROP TABLE order_lines;
DROP TABLE orders;
