-- What open orders hold per store (mcp-api's metrics, read at every
-- scrape): only the offers holding something, without a scan of them all.
CREATE INDEX offers_held ON offers (store_id, held) WHERE held > 0;
