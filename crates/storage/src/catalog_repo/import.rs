//! Writing the catalog: one batch, or a whole feed in one transaction,
//! and what it changed.

use catalog::import::{Batches, CatalogBatch, FeedEvent, Rejected};
use catalog::stock::StockQty;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel::upsert::excluded;
use domain::StoreId;

use crate::rows::corrupt;
use crate::schema::{catalog_sequence, offer_removals, offers, products, stores};
use crate::stock;
use crate::{AnyConnection, StorageError, with_conn};

use super::DbCatalogRepo;
use super::rows::{OfferRow, ProductRow, StoreRow};

/// Rows per multi-row INSERT: far below SQLite's bound-parameter limit.
pub(super) const CHUNK: usize = 500;

/// What an import changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub stores_added: i64,
    pub stores_updated: i64,
    pub products_added: i64,
    pub products_updated: i64,
    pub offers_added: i64,
    pub offers_updated: i64,
    pub offers_removed: i64,
    /// The change-feed position of the import.
    pub seq: i64,
}

/// The outcome of a feed import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportReport {
    pub counts: ImportCounts,
    pub rejected: Vec<Rejected>,
    /// Products imported by how their unit of sale was decided
    /// (`catalog::import::unit`).
    pub units: std::collections::BTreeMap<&'static str, usize>,
}

/// Why an import changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError<E> {
    #[error("{0}")]
    Feed(E),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl<E> From<diesel::result::Error> for ImportError<E> {
    fn from(e: diesel::result::Error) -> Self {
        ImportError::Storage(e.into())
    }
}

/// Upserts one batch, stamping products and offers with feed position
/// `seq` and the offers with stock-feed position `txn`; the feed's stock
/// figures are reports as of `as_of`. Each upsert is a multi-row `INSERT …
/// ON CONFLICT`, outside diesel's common subset.
pub(crate) fn upsert_batch(
    c: &mut AnyConnection,
    batch: &CatalogBatch,
    seq: i64,
    txn: i64,
    as_of: chrono::DateTime<chrono::Utc>,
) -> Result<(), StorageError> {
    for chunk in batch.stores.chunks(CHUNK) {
        let rows: Vec<StoreRow> = chunk.iter().map(StoreRow::from_domain).collect();
        with_conn!(c, |c| diesel::insert_into(stores::table)
            .values(&rows)
            .on_conflict(stores::id)
            .do_update()
            .set((
                stores::name.eq(excluded(stores::name)),
                stores::address.eq(excluded(stores::address)),
                stores::lat.eq(excluded(stores::lat)),
                stores::lon.eq(excluded(stores::lon)),
                stores::delivery_radius_m.eq(excluded(stores::delivery_radius_m)),
                stores::delivery_polygon.eq(excluded(stores::delivery_polygon)),
                stores::pickup.eq(excluded(stores::pickup)),
                stores::opening_hours.eq(excluded(stores::opening_hours)),
                stores::time_zone.eq(excluded(stores::time_zone)),
            ))
            .execute(c))?;
    }
    for chunk in batch.products.chunks(CHUNK) {
        let rows: Vec<ProductRow> = chunk.iter().map(|p| ProductRow::from_domain(p, seq)).collect();
        with_conn!(c, |c| diesel::insert_into(products::table)
            .values(&rows)
            .on_conflict(products::sku)
            .do_update()
            .set((
                products::name.eq(excluded(products::name)),
                products::description.eq(excluded(products::description)),
                products::photo_url.eq(excluded(products::photo_url)),
                products::unit.eq(excluded(products::unit)),
                products::pack_quantity.eq(excluded(products::pack_quantity)),
                products::rating.eq(excluded(products::rating)),
                products::category.eq(excluded(products::category)),
                products::brand.eq(excluded(products::brand)),
                products::barcode.eq(excluded(products::barcode)),
                products::change_seq.eq(excluded(products::change_seq)),
                products::vat.eq(excluded(products::vat)),
            ))
            .execute(c))?;
    }
    for chunk in batch.offers.chunks(CHUNK) {
        let shelves: Vec<(&str, &str, StockQty)> =
            chunk.iter().map(|o| (o.sku.as_str(), o.store.as_str(), batch.shelf(o))).collect();
        let stocks = stock::feed_stocks(c, &shelves, as_of)?;
        let rows: Vec<OfferRow> =
            chunk.iter().zip(&stocks).map(|(o, s)| OfferRow::from_domain(o, seq, s, txn)).collect();
        with_conn!(c, |c| diesel::insert_into(offers::table)
            .values(&rows)
            .on_conflict((offers::sku, offers::store_id))
            .do_update()
            .set((
                offers::currency.eq(excluded(offers::currency)),
                offers::price_minor.eq(excluded(offers::price_minor)),
                offers::old_price_minor.eq(excluded(offers::old_price_minor)),
                offers::stock.eq(excluded(offers::stock)),
                offers::delivery.eq(excluded(offers::delivery)),
                offers::pickup.eq(excluded(offers::pickup)),
                offers::seen_seq.eq(excluded(offers::seen_seq)),
                offers::shelf.eq(excluded(offers::shelf)),
                offers::shelf_as_of.eq(excluded(offers::shelf_as_of)),
                offers::held.eq(excluded(offers::held)),
                offers::sold_after.eq(excluded(offers::sold_after)),
                offers::stock_txn.eq(excluded(offers::stock_txn)),
            ))
            .execute(c))?;
    }
    Ok(())
}

/// Row counts of the three tables, to tell added from updated.
pub(super) fn counts(c: &mut AnyConnection) -> QueryResult<(i64, i64, i64)> {
    Ok((
        stores::table.count().get_result::<i64>(c)?,
        products::table.count().get_result::<i64>(c)?,
        offers::table.count().get_result::<i64>(c)?,
    ))
}

impl DbCatalogRepo {
    /// Upserts `batch` in one write transaction; returns its change-feed
    /// position (every product written carries it). Its stock figures say
    /// nothing of when they were counted: they are reports as of the epoch,
    /// older than any the merchant's systems send, so every sale of ours
    /// counts against them.
    pub fn write(conn: &mut AnyConnection, batch: &CatalogBatch) -> Result<i64, StorageError> {
        let once = std::iter::once(Ok::<_, std::convert::Infallible>(batch.clone()));
        match Self::import_as_of(conn, once, false, chrono::DateTime::UNIX_EPOCH) {
            Ok(counts) => Ok(counts.seq),
            Err(ImportError::Storage(e)) => Err(e),
            Err(ImportError::Feed(never)) => match never {},
        }
    }

    /// Applies every batch of a feed in one write transaction under one
    /// feed position. `Err(Feed)` from the batches rolls everything back.
    /// With `remove_missing`, offers the feed did not carry are deleted: the
    /// feed is the whole assortment.
    /// A feed's stock figures are reports of the shelf as of now.
    pub fn import<E>(
        conn: &mut AnyConnection,
        batches: impl IntoIterator<Item = Result<CatalogBatch, E>>,
        remove_missing: bool,
    ) -> Result<ImportCounts, ImportError<E>> {
        Self::import_as_of(conn, batches, remove_missing, chrono::Utc::now())
    }

    pub(super) fn import_as_of<E>(
        conn: &mut AnyConnection,
        batches: impl IntoIterator<Item = Result<CatalogBatch, E>>,
        remove_missing: bool,
        as_of: chrono::DateTime<chrono::Utc>,
    ) -> Result<ImportCounts, ImportError<E>> {
        let mut batches = batches.into_iter();
        conn.write_transaction(|c| {
            // The counter row also serialises concurrent writers, so feed
            // positions commit in order.
            let seq: i64 = diesel::update(catalog_sequence::table.find(1))
                .set(catalog_sequence::value.eq(catalog_sequence::value + 1))
                .returning(catalog_sequence::value)
                .get_result(c)?;
            let txn = stock::txn(c)?;
            let before = counts(c)?;
            let (mut stores_written, mut products_written, mut offers_written) = (0, 0, 0);
            for batch in batches.by_ref() {
                let batch = batch.map_err(ImportError::Feed)?;
                stores_written += batch.stores.len();
                products_written += batch.products.len();
                offers_written += batch.offers.len();
                upsert_batch(c, &batch, seq, txn, as_of)?;
            }
            let after = counts(c)?;
            let offers_removed = if remove_missing {
                // Followers of the feed learn of removals from this table.
                diesel::insert_into(offer_removals::table)
                    .values(offers::table.filter(offers::seen_seq.lt(seq)).select((
                        seq.into_sql::<BigInt>(),
                        offers::sku,
                        offers::store_id,
                    )))
                    .into_columns((offer_removals::change_seq, offer_removals::sku, offer_removals::store_id))
                    .execute(c)?;
                diesel::delete(offers::table.filter(offers::seen_seq.lt(seq))).execute(c)?
            } else {
                0
            };
            let as_i64 = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
            Ok::<_, ImportError<E>>(ImportCounts {
                stores_added: after.0 - before.0,
                stores_updated: as_i64(stores_written) - (after.0 - before.0),
                products_added: after.1 - before.1,
                products_updated: as_i64(products_written) - (after.1 - before.1),
                offers_added: after.2 - before.2,
                offers_updated: as_i64(offers_written) - (after.2 - before.2),
                offers_removed: as_i64(offers_removed),
                seq,
            })
        })
    }

    /// Imports a feed: checks its entries against the stores on file,
    /// applies them in one transaction (see [`import`](Self::import)) and
    /// reports what changed and every rejected row. `progress` hears the
    /// offers of each batch as it is written.
    pub fn import_feed(
        conn: &mut AnyConnection,
        events: impl Iterator<Item = FeedEvent>,
        remove_missing: bool,
        mut progress: impl FnMut(usize),
    ) -> Result<ImportReport, ImportError<Rejected>> {
        const OFFERS_PER_BATCH: usize = 5_000;
        let stores = Self::store_ids(conn)?;
        let mut batches = Batches::new(events, stores, OFFERS_PER_BATCH);
        let counts = Self::import(
            conn,
            batches.by_ref().inspect(|b| {
                if let Ok(b) = b {
                    progress(b.offers.len());
                }
            }),
            remove_missing,
        )?;
        Ok(ImportReport { counts, rejected: batches.rejected, units: batches.units })
    }

    pub fn store_ids(conn: &mut AnyConnection) -> Result<Vec<StoreId>, StorageError> {
        let ids: Vec<String> = stores::table.select(stores::id).order(stores::id).load(conn)?;
        ids.into_iter().map(|id| StoreId::new(id).map_err(|e| corrupt("stores.id", e))).collect()
    }
}
