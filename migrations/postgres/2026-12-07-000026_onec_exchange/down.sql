DROP TABLE onec_order_exports;
DROP TABLE onec_warehouses;
DROP TABLE onec_products;
DROP TABLE onec_file_parts;
DROP TABLE onec_sessions;
