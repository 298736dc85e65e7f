//! The catalog's change feeds: what the search index and the offer book
//! read to catch up, page by page.

use std::fmt::Write as _;

use catalog::{FeedPosition, Offer, OfferFeedPage, Product};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::schema::offers;
use crate::{AnyConnection, StorageError};

use super::DbCatalogRepo;
use super::rows::{OfferRow, ProductRow, RemovalRow};

impl DbCatalogRepo {
    /// Products written after feed position `after`, in feed order, with
    /// their positions: what the search index applies to catch up.
    pub fn changes_since(
        conn: &mut AnyConnection,
        after: &FeedPosition,
        limit: i64,
    ) -> Result<Vec<(Product, FeedPosition)>, StorageError> {
        let rows: Vec<ProductRow> = feed_page(
            conn,
            "SELECT * FROM products WHERE (change_seq, sku) > (?, ?) ORDER BY change_seq, sku LIMIT ?",
            after.seq,
            &[&after.sku],
            limit,
        )?;
        rows.into_iter()
            .map(|row| {
                let position = FeedPosition::new(row.change_seq, row.sku.clone(), "");
                Ok((row.into_domain()?, position))
            })
            .collect()
    }

    /// Up to `limit` offers written after `written_after` and up to `limit`
    /// removals after `removed_after`, each in feed order: what the
    /// offer book applies to catch up.
    pub fn offer_feed(
        conn: &mut AnyConnection,
        written_after: &FeedPosition,
        removed_after: &FeedPosition,
        limit: i64,
    ) -> Result<OfferFeedPage, StorageError> {
        let (w, r) = (written_after, removed_after);
        let written: Vec<OfferRow> = feed_page(
            conn,
            "SELECT * FROM offers WHERE (seen_seq, sku, store_id) > (?, ?, ?)
             ORDER BY seen_seq, sku, store_id LIMIT ?",
            w.seq,
            &[&w.sku, &w.store],
            limit,
        )?;
        let removed: Vec<RemovalRow> = feed_page(
            conn,
            "SELECT * FROM offer_removals WHERE (change_seq, sku, store_id) > (?, ?, ?)
             ORDER BY change_seq, sku, store_id LIMIT ?",
            r.seq,
            &[&r.sku, &r.store],
            limit,
        )?;
        let full = |n: usize| i64::try_from(n).unwrap_or(i64::MAX) >= limit;
        let (written_more, removed_more) = (full(written.len()), full(removed.len()));
        let written = written
            .into_iter()
            .map(|row| {
                let position = FeedPosition::new(row.seen_seq, row.sku.clone(), row.store_id.clone());
                Ok((row.into_domain()?, position))
            })
            .collect::<Result<_, StorageError>>()?;
        let removed =
            removed.into_iter().map(|row| FeedPosition::new(row.change_seq, row.sku, row.store_id)).collect();
        Ok(OfferFeedPage { written, written_more, removed, removed_more })
    }

    /// Up to `limit` offers whose stock moved after `after` (orders,
    /// updates, feeds), in stock-feed order, below the feed's horizon: what
    /// the offer book applies to follow every stock and price move.
    pub fn stock_feed(
        conn: &mut AnyConnection,
        after: &FeedPosition,
        limit: i64,
    ) -> Result<Vec<(Offer, FeedPosition)>, StorageError> {
        let horizon = crate::stock_ledger::horizon(conn)?;
        let sql = format!(
            "SELECT * FROM offers WHERE (stock_txn, sku, store_id) > (?, ?, ?) AND stock_txn < {horizon}
             ORDER BY stock_txn, sku, store_id LIMIT ?"
        );
        let rows: Vec<OfferRow> = feed_page(conn, &sql, after.seq, &[&after.sku, &after.store], limit)?;
        rows.into_iter()
            .map(|row| {
                let position = FeedPosition::new(row.stock_txn, row.sku.clone(), row.store_id.clone());
                Ok((row.into_domain()?, position))
            })
            .collect()
    }

    /// Where a follower that is about to read every offer through
    /// [`offer_feed`](Self::offer_feed) may start the stock feed: past every
    /// stock move already final, which that read will see.
    pub fn stock_feed_start(conn: &mut AnyConnection) -> Result<FeedPosition, StorageError> {
        let txn = match conn {
            AnyConnection::Postgres(_) => crate::stock_ledger::horizon(conn)? - 1,
            AnyConnection::Sqlite(c) => offers::table
                .select(diesel::dsl::max(offers::stock_txn))
                .first::<Option<i64>>(c)?
                .unwrap_or(0),
        };
        // Past every key of that position.
        let last = char::MAX.to_string();
        Ok(FeedPosition::new(txn, last.clone(), last))
    }
}

/// One page of a feed table: `sql` has `?` markers for the position's seq,
/// its keys, and the limit. Row-value comparison, which diesel's DSL lacks,
/// is what lets both backends read the page as one index range.
pub(super) fn feed_page<R>(
    conn: &mut AnyConnection,
    sql: &str,
    seq: i64,
    keys: &[&str],
    limit: i64,
) -> QueryResult<Vec<R>>
where
    R: QueryableByName<diesel::pg::Pg> + QueryableByName<diesel::sqlite::Sqlite> + 'static,
{
    match conn {
        AnyConnection::Sqlite(c) => {
            let mut query =
                diesel::sql_query(sql).into_boxed::<diesel::sqlite::Sqlite>().bind::<BigInt, _>(seq);
            for key in keys {
                query = query.bind::<Text, _>(*key);
            }
            query.bind::<BigInt, _>(limit).load(c)
        }
        AnyConnection::Postgres(c) => {
            let mut numbered = String::with_capacity(sql.len());
            for (i, part) in sql.split('?').enumerate() {
                if i > 0 {
                    let _ = write!(numbered, "${i}");
                }
                numbered.push_str(part);
            }
            let mut query = diesel::sql_query(numbered).into_boxed::<diesel::pg::Pg>().bind::<BigInt, _>(seq);
            for key in keys {
                query = query.bind::<Text, _>(*key);
            }
            query.bind::<BigInt, _>(limit).load(c)
        }
    }
}
