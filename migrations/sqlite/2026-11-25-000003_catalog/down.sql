DROP TABLE catalog_sequence;
DROP TABLE offers;
DROP TABLE products;
DROP TABLE stores;
