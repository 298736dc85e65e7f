-- The offers' side of the change feed, which in-memory projections of
-- availability follow: `seen_seq` is the feed position of the last write to
-- an offer, and an offer deleted by a full import leaves a row here at the
-- position of that import.
CREATE INDEX offers_seen_seq ON offers (seen_seq, sku, store_id);

CREATE TABLE offer_removals (
    change_seq BIGINT NOT NULL,
    sku        TEXT NOT NULL,
    store_id   TEXT NOT NULL,
    PRIMARY KEY (change_seq, sku, store_id)
);
