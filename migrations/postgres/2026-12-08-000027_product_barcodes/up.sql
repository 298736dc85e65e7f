-- A picker's scan and a Kuper position named by barcode find the product
-- without reading every product.
CREATE INDEX products_barcode ON products (barcode) WHERE barcode IS NOT NULL;
