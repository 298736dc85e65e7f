-- The integration types a store takes Kuper orders of (comma-separated
-- names; NULL: every type). Each order runs the flow of its own
-- shipmentMethod; kuper_stores.integration is the default.
ALTER TABLE kuper_stores ADD COLUMN methods TEXT;
