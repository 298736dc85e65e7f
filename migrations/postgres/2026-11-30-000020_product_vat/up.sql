-- A product's VAT rate for the 54-FZ receipt (domain::VatRate::as_str:
-- none, 0, 5, 7, 10, 20, 10/110, 20/120); NULL: the store's default.
ALTER TABLE products ADD COLUMN vat TEXT;
