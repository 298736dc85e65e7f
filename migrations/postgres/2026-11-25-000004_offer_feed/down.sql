DROP TABLE offer_removals;
DROP INDEX offers_seen_seq;
DROP INDEX products_change_seq;
CREATE INDEX products_change_seq ON products (change_seq);
