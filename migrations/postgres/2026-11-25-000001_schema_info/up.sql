-- Facts about the database itself (installation id, who created it).
-- Times are UTC, stored without a zone so both backends share one schema.rs.
CREATE TABLE schema_info (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc')
);
