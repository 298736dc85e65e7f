-- Stores, products and offers: the store of record behind search and
-- actualize. Decimals (pack quantity, rating) are kept as text so both
-- backends hold them exactly; money is integer minor units.
CREATE TABLE stores (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    address           TEXT NOT NULL,
    lat               DOUBLE PRECISION NOT NULL,
    lon               DOUBLE PRECISION NOT NULL,
    -- NULL and NULL: the store does not deliver.
    delivery_radius_m INTEGER,
    -- GeoJSON ring: [[lon, lat], ...]
    delivery_polygon  TEXT,
    pickup            BOOLEAN NOT NULL,
    opening_hours     TEXT NOT NULL,
    time_zone         TEXT NOT NULL
);

CREATE TABLE products (
    sku           TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL,
    photo_url     TEXT NOT NULL,
    unit          TEXT NOT NULL,
    pack_quantity TEXT,
    rating        TEXT,
    category      TEXT NOT NULL,
    brand         TEXT NOT NULL,
    barcode       TEXT,
    -- Position in the catalog's change feed; the search index catches up by it.
    change_seq    BIGINT NOT NULL
);
CREATE INDEX products_change_seq ON products (change_seq);

CREATE TABLE offers (
    sku             TEXT NOT NULL REFERENCES products (sku) ON DELETE CASCADE,
    store_id        TEXT NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
    currency        TEXT NOT NULL,
    price_minor     BIGINT NOT NULL,
    old_price_minor BIGINT,
    stock           BIGINT NOT NULL,
    delivery        BOOLEAN NOT NULL,
    pickup          BOOLEAN NOT NULL,
    -- Feed position of the write that last carried this offer; a full feed
    -- import removes the offers it did not carry.
    seen_seq        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (sku, store_id)
);
CREATE INDEX offers_store ON offers (store_id);

-- The change feed's counter: one row, bumped once per catalog write.
CREATE TABLE catalog_sequence (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO catalog_sequence (id, value) VALUES (1, 0);
