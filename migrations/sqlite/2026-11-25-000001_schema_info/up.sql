-- Facts about the database itself (installation id, who created it).
-- Times are UTC.
CREATE TABLE schema_info (
    key        TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
