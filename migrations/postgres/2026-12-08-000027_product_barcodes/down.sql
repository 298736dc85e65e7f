DROP INDEX products_barcode;
