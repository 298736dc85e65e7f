ALTER TABLE payments DROP COLUMN receipt;
ALTER TABLE payments DROP COLUMN method;
