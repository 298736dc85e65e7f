-- The offers' side of the change feed, which in-memory projections of
-- availability follow: `seen_seq` is the feed position of the last write to
-- an offer, and an offer deleted by a full import leaves a row here at the
-- position of that import.
-- Followers page with row-value comparisons, `(seq, key) > (?, ?)`, which
-- both backends answer from these indexes as a range.
CREATE INDEX offers_seen_seq ON offers (seen_seq, sku, store_id);
DROP INDEX products_change_seq;
CREATE INDEX products_change_seq ON products (change_seq, sku);

CREATE TABLE offer_removals (
    change_seq BIGINT NOT NULL,
    sku        TEXT NOT NULL,
    store_id   TEXT NOT NULL,
    PRIMARY KEY (change_seq, sku, store_id)
);
