DROP TABLE offer_removals;
DROP INDEX offers_seen_seq;
