DROP TABLE store_slots;
