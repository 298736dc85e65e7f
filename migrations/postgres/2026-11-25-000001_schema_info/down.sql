DROP TABLE schema_info;
