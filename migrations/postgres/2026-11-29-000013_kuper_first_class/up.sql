-- Kuper orders as a store fulfils them: what Kuper told us, each line's
-- Kuper id, ordered amount, unit and picked amount, replacements; stores
-- mapped from Kuper's ids, positions by SKU or barcode.
ALTER TABLE kuper_stores ADD COLUMN kuper_store_id TEXT UNIQUE;
-- sku | barcode: what a Kuper position id names.
ALTER TABLE kuper_stores ADD COLUMN position_ids TEXT NOT NULL DEFAULT 'sku';

-- orders::kuper::details::KuperDetails as JSON.
ALTER TABLE kuper_orders ADD COLUMN details TEXT NOT NULL DEFAULT '{}';

-- Kuper's id of the position; `sku` is ours ('' when it maps to none).
ALTER TABLE kuper_order_lines ADD COLUMN position_id TEXT NOT NULL DEFAULT '';
-- Thousandths of the unit of sale, like `held`.
ALTER TABLE kuper_order_lines ADD COLUMN ordered BIGINT NOT NULL DEFAULT 0;
ALTER TABLE kuper_order_lines ADD COLUMN weighted BOOLEAN NOT NULL DEFAULT FALSE;
-- Set by ready_for_delivery: what was picked (thousandths).
ALTER TABLE kuper_order_lines ADD COLUMN picked BIGINT;
-- A replacement: the line it replaces.
ALTER TABLE kuper_order_lines ADD COLUMN replaces INTEGER;
UPDATE kuper_order_lines
   SET position_id = sku,
       ordered = CASE WHEN quantity ~ '^[0-9]+(\.[0-9]+)?$'
                      THEN (CAST(quantity AS NUMERIC) * 1000)::BIGINT ELSE 0 END;

-- Events waiting for their order.created (with what they bring, as
-- orders::kuper::EventNews JSON), and updates raised to staff.
ALTER TABLE kuper_inbox ADD COLUMN news TEXT;
CREATE INDEX kuper_inbox_state_order ON kuper_inbox (state, original_order_id);
