ALTER TABLE kuper_stores DROP COLUMN methods;
