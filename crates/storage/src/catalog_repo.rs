//! `catalog::CatalogRepo` on the database, and the catalog's write side
//! (imports, demo data) with its change feed.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use async_trait::async_trait;
use catalog::import::{Batches, CatalogBatch, FeedEvent, Rejected};
use catalog::stock::{OfferStock, StockQty};
use catalog::{CatalogRepo, DeliveryZone, FeedPosition, Offer, OfferFeedPage, Product, RepoError, Store};
use diesel::dsl::array_position;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text};
use diesel::upsert::excluded;
use domain::{Currency, Decimal, GeoPoint, Money, SkuId, StoreId};

use crate::error::reported;
use crate::schema::{catalog_sequence, offer_removals, offers, products, stores};
use crate::stock;
use crate::{AnyConnection, Database, StorageError, with_conn};

/// Rows per multi-row INSERT: far below SQLite's bound-parameter limit.
const CHUNK: usize = 500;

#[derive(Queryable, Selectable, Insertable)]
// None is NULL, not DEFAULT: SQLite multi-row inserts need that.
#[diesel(table_name = stores, treat_none_as_default_value = false)]
struct StoreRow {
    id: String,
    name: String,
    address: String,
    lat: f64,
    lon: f64,
    delivery_radius_m: Option<i32>,
    delivery_polygon: Option<String>,
    pickup: bool,
    opening_hours: String,
    time_zone: String,
}

#[derive(Queryable, QueryableByName, Selectable, Insertable)]
// None is NULL, not DEFAULT: SQLite multi-row inserts need that.
#[diesel(table_name = products, treat_none_as_default_value = false)]
struct ProductRow {
    sku: String,
    name: String,
    description: String,
    photo_url: String,
    unit: String,
    pack_quantity: Option<String>,
    rating: Option<String>,
    category: String,
    brand: String,
    barcode: Option<String>,
    change_seq: i64,
    vat: Option<String>,
}

#[derive(Queryable, QueryableByName, Selectable, Insertable)]
// None is NULL, not DEFAULT: SQLite multi-row inserts need that.
#[diesel(table_name = offers, treat_none_as_default_value = false)]
struct OfferRow {
    sku: String,
    store_id: String,
    currency: String,
    price_minor: i64,
    old_price_minor: Option<i64>,
    stock: i64,
    delivery: bool,
    pickup: bool,
    seen_seq: i64,
    shelf: i64,
    shelf_as_of: Option<chrono::NaiveDateTime>,
    held: i64,
    sold_after: i64,
    stock_txn: i64,
}

#[derive(QueryableByName)]
#[diesel(table_name = offer_removals)]
struct RemovalRow {
    change_seq: i64,
    sku: String,
    store_id: String,
}

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StorageError {
    StorageError::corrupt(what, detail)
}

impl StoreRow {
    fn from_domain(s: &Store) -> Self {
        let (radius, polygon) = match &s.delivery_zone {
            None => (None, None),
            Some(DeliveryZone::Radius { metres }) => (Some(i32::try_from(*metres).unwrap_or(i32::MAX)), None),
            Some(DeliveryZone::Polygon(ring)) => {
                let coords: Vec<[f64; 2]> = ring.iter().map(|p| [p.lon(), p.lat()]).collect();
                (None, Some(serde_json::to_string(&coords).expect("numbers serialise")))
            }
        };
        StoreRow {
            id: s.id.to_string(),
            name: s.name.clone(),
            address: s.address.clone(),
            lat: s.location.lat(),
            lon: s.location.lon(),
            delivery_radius_m: radius,
            delivery_polygon: polygon,
            pickup: s.pickup,
            opening_hours: s.opening_hours.clone(),
            time_zone: s.time_zone.clone(),
        }
    }

    fn into_domain(self) -> Result<Store, StorageError> {
        let point = |lat, lon| GeoPoint::new(lat, lon).map_err(|e| corrupt("stores location", e));
        let delivery_zone = match (self.delivery_radius_m, self.delivery_polygon) {
            (_, Some(json)) => {
                let coords: Vec<[f64; 2]> =
                    serde_json::from_str(&json).map_err(|e| corrupt("stores.delivery_polygon", e))?;
                Some(DeliveryZone::Polygon(
                    coords.into_iter().map(|[lon, lat]| point(lat, lon)).collect::<Result<_, _>>()?,
                ))
            }
            (Some(metres), None) => Some(DeliveryZone::Radius { metres: u32::try_from(metres).unwrap_or(0) }),
            (None, None) => None,
        };
        Ok(Store {
            id: StoreId::new(self.id).map_err(|e| corrupt("stores.id", e))?,
            name: self.name,
            address: self.address,
            location: point(self.lat, self.lon)?,
            delivery_zone,
            pickup: self.pickup,
            opening_hours: self.opening_hours,
            time_zone: self.time_zone,
        })
    }
}

impl ProductRow {
    fn from_domain(p: &Product, change_seq: i64) -> Self {
        ProductRow {
            sku: p.sku.to_string(),
            name: p.name.clone(),
            description: p.description.clone(),
            photo_url: p.photo_url.clone(),
            unit: p.unit.as_str().to_owned(),
            pack_quantity: p.pack_quantity.map(|d| d.to_string()),
            rating: p.rating.map(|d| d.to_string()),
            category: p.category.clone(),
            brand: p.brand.clone(),
            barcode: p.barcode.clone(),
            change_seq,
            vat: p.vat.map(|v| v.as_str().to_owned()),
        }
    }

    fn into_domain(self) -> Result<Product, StorageError> {
        let decimal = |what, text: Option<String>| {
            text.map(|t| t.parse::<Decimal>().map_err(|e| corrupt(what, e))).transpose()
        };
        Ok(Product {
            sku: SkuId::new(self.sku).map_err(|e| corrupt("products.sku", e))?,
            name: self.name,
            description: self.description,
            photo_url: self.photo_url,
            unit: self.unit.parse().map_err(|e| corrupt("products.unit", e))?,
            pack_quantity: decimal("products.pack_quantity", self.pack_quantity)?,
            rating: decimal("products.rating", self.rating)?,
            category: self.category,
            brand: self.brand,
            barcode: self.barcode,
            vat: self
                .vat
                .map(|v| domain::VatRate::parse(&v).ok_or_else(|| corrupt("products.vat", v)))
                .transpose()?,
        })
    }
}

impl OfferRow {
    /// `stock`: what the stock model makes of the feed's figure.
    fn from_domain(o: &Offer, seen_seq: i64, stock: &OfferStock, stock_txn: i64) -> Self {
        OfferRow {
            seen_seq,
            shelf: stock.shelf.thousandths(),
            shelf_as_of: stock.as_of.map(|t| t.naive_utc()),
            held: stock.held.thousandths(),
            sold_after: stock.sold_after.thousandths(),
            stock_txn,
            sku: o.sku.to_string(),
            store_id: o.store.to_string(),
            currency: o.price.currency().code().to_owned(),
            price_minor: o.price.minor(),
            old_price_minor: o.old_price.map(Money::minor),
            stock: stock.available().whole_units(),
            delivery: o.delivery,
            pickup: o.pickup,
        }
    }

    fn into_domain(self) -> Result<Offer, StorageError> {
        let currency: Currency = self.currency.parse().map_err(|e| corrupt("offers.currency", e))?;
        Ok(Offer {
            store: StoreId::new(self.store_id).map_err(|e| corrupt("offers.store_id", e))?,
            sku: SkuId::new(self.sku).map_err(|e| corrupt("offers.sku", e))?,
            price: Money::from_minor(self.price_minor, currency),
            old_price: self.old_price_minor.map(|m| Money::from_minor(m, currency)),
            stock: self.stock,
            delivery: self.delivery,
            pickup: self.pickup,
        })
    }
}

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
fn counts(c: &mut AnyConnection) -> QueryResult<(i64, i64, i64)> {
    Ok((
        stores::table.count().get_result::<i64>(c)?,
        products::table.count().get_result::<i64>(c)?,
        offers::table.count().get_result::<i64>(c)?,
    ))
}

/// Stores change seldom and every search needs all of them: they are read
/// at most this often.
const STORES_TTL: std::time::Duration = std::time::Duration::from_secs(1);

type StoresCache = Arc<Mutex<Option<(Instant, Arc<[Store]>)>>>;

#[derive(Clone, Debug)]
pub struct DbCatalogRepo {
    db: Database,
    stores: StoresCache,
}

impl DbCatalogRepo {
    pub fn new(db: Database) -> Self {
        DbCatalogRepo { db, stores: Arc::default() }
    }

    /// Every store, from a cache at most [`STORES_TTL`] old.
    async fn cached_stores(&self) -> Result<Arc<[Store]>, RepoError> {
        if let Some((at, stores)) = self.stores.lock().unwrap_or_else(PoisonError::into_inner).as_ref()
            && at.elapsed() < STORES_TTL
        {
            return Ok(Arc::clone(stores));
        }
        let stores: Arc<[Store]> = Arc::from(
            self.db
                .run(|conn| {
                    let rows = stores::table.order(stores::id).select(StoreRow::as_select()).load(conn)?;
                    rows.into_iter().map(StoreRow::into_domain).collect::<Result<Vec<_>, StorageError>>()
                })
                .await
                .map_err(reported)?,
        );
        *self.stores.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((Instant::now(), Arc::clone(&stores)));
        Ok(stores)
    }

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

    fn import_as_of<E>(
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

    pub fn product_count(conn: &mut AnyConnection) -> Result<i64, StorageError> {
        Ok(products::table.count().get_result::<i64>(conn)?)
    }
}

/// SQLite's way to the queries PostgreSQL runs with `DISTINCT ON`: one
/// offer row per SKU, the first by `order`, chosen by `ROW_NUMBER()` so that
/// only the winners leave the database.
fn sqlite_ranked_offers(
    c: &mut SqliteConnection,
    order: &str,
    filter: &str,
    binds: impl IntoIterator<Item = String>,
) -> QueryResult<Vec<OfferRow>> {
    let sql = format!(
        "SELECT sku, store_id, currency, price_minor, old_price_minor, stock, delivery, pickup, seen_seq,
                shelf, shelf_as_of, held, sold_after, stock_txn FROM (
           SELECT o.*, ROW_NUMBER() OVER (PARTITION BY o.sku ORDER BY {order}) AS rank
           FROM offers o WHERE {filter}
         ) ranked WHERE rank = 1"
    );
    let mut query = diesel::sql_query(sql).into_boxed::<diesel::sqlite::Sqlite>();
    for value in binds {
        query = query.bind::<Text, _>(value);
    }
    query.load(c)
}

fn markers(count: usize) -> String {
    vec!["?"; count].join(", ")
}

/// In stock, then deliverable, then the earliest of `stores`.
fn sqlite_best_offers(
    c: &mut SqliteConnection,
    skus: &[String],
    stores: &[String],
) -> QueryResult<Vec<OfferRow>> {
    let mut preference = String::new();
    for i in 0..stores.len() {
        let _ = write!(preference, " WHEN ? THEN {i}");
    }
    let order = format!(
        "CASE WHEN o.stock > 0 THEN 0 ELSE 1 END, CASE WHEN o.delivery THEN 0 ELSE 1 END, CASE o.store_id{preference} END"
    );
    let filter = format!("o.sku IN ({}) AND o.store_id IN ({})", markers(skus.len()), markers(stores.len()));
    sqlite_ranked_offers(c, &order, &filter, stores.iter().chain(skus).chain(stores).cloned())
}

/// In stock, then cheapest, then by store id.
fn sqlite_cheapest_offers(c: &mut SqliteConnection, skus: &[String]) -> QueryResult<Vec<OfferRow>> {
    let order = "CASE WHEN o.stock > 0 THEN 0 ELSE 1 END, o.price_minor, o.store_id";
    sqlite_ranked_offers(c, order, &format!("o.sku IN ({})", markers(skus.len())), skus.iter().cloned())
}

/// `offers_at` on PostgreSQL: one primary-key probe per key through
/// `unnest`, which the query builder cannot say. A query type of its own
/// (rather than `sql_query`) so that diesel prepares it once per connection.
struct PgOffersAt<'a> {
    skus: &'a [String],
    stores: &'a [String],
}

impl diesel::query_builder::QueryId for PgOffersAt<'_> {
    type QueryId = PgOffersAt<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for PgOffersAt<'_> {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        out.push_sql(
            "SELECT o.sku, o.store_id, o.currency, o.price_minor, o.old_price_minor, o.stock, \
             o.delivery, o.pickup, o.seen_seq, o.shelf, o.shelf_as_of, o.held, o.sold_after, o.stock_txn \
             FROM unnest(",
        );
        out.push_bind_param::<Array<Text>, _>(&self.skus)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.stores)?;
        out.push_sql(") AS k (sku, store_id) JOIN offers o ON o.sku = k.sku AND o.store_id = k.store_id");
        Ok(())
    }
}

impl diesel::query_builder::Query for PgOffersAt<'_> {
    type SqlType = diesel::sql_types::Untyped;
}

impl RunQueryDsl<PgConnection> for PgOffersAt<'_> {}

/// One page of a feed table: `sql` has `?` markers for the position's seq,
/// its keys, and the limit. Row-value comparison, which diesel's DSL lacks,
/// is what lets both backends read the page as one index range.
fn feed_page<R>(
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

fn strings<T: ToString>(ids: &[T]) -> Vec<String> {
    ids.iter().map(ToString::to_string).collect()
}

#[async_trait]
impl CatalogRepo for DbCatalogRepo {
    async fn stores(&self) -> Result<Arc<[Store]>, RepoError> {
        self.cached_stores().await
    }

    async fn store(&self, id: &StoreId) -> Result<Option<Store>, RepoError> {
        Ok(self.cached_stores().await?.iter().find(|s| &s.id == id).cloned())
    }

    async fn products(&self, skus: &[SkuId]) -> Result<Vec<Product>, RepoError> {
        let skus = strings(skus);
        self.db
            .run(move |conn| {
                let rows = products::table
                    .filter(products::sku.eq_any(&skus))
                    .select(ProductRow::as_select())
                    .load(conn)?;
                rows.into_iter().map(ProductRow::into_domain).collect::<Result<Vec<_>, StorageError>>()
            })
            .await
            .map_err(reported)
    }

    async fn best_offers(&self, skus: &[SkuId], stores: &[StoreId]) -> Result<Vec<Offer>, RepoError> {
        if skus.is_empty() || stores.is_empty() {
            return Ok(Vec::new());
        }
        let (skus, stores) = (strings(skus), strings(stores));
        self.db
            .run(move |conn| {
                let rows: Vec<OfferRow> = match conn {
                    // One statement text whatever the number of SKUs and
                    // stores (array binds): prepared once per connection, so
                    // a search pays for no parsing or planning.
                    AnyConnection::Postgres(c) => offers::table
                        .filter(offers::sku.eq_any(&skus))
                        .filter(offers::store_id.eq_any(&stores))
                        .distinct_on(offers::sku)
                        .order((
                            offers::sku,
                            offers::stock.gt(0).desc(),
                            offers::delivery.desc(),
                            array_position::<Array<Text>, Text, _, _>(&stores, offers::store_id),
                        ))
                        .select(OfferRow::as_select())
                        .load(c)?,
                    AnyConnection::Sqlite(c) => sqlite_best_offers(c, &skus, &stores)?,
                };
                rows.into_iter().map(OfferRow::into_domain).collect()
            })
            .await
            .map_err(reported)
    }

    async fn cheapest_offers(&self, skus: &[SkuId]) -> Result<Vec<Offer>, RepoError> {
        if skus.is_empty() {
            return Ok(Vec::new());
        }
        let skus = strings(skus);
        self.db
            .run(move |conn| {
                let rows: Vec<OfferRow> = match conn {
                    AnyConnection::Postgres(c) => offers::table
                        .filter(offers::sku.eq_any(&skus))
                        .distinct_on(offers::sku)
                        .order((
                            offers::sku,
                            offers::stock.gt(0).desc(),
                            offers::price_minor.asc(),
                            offers::store_id.asc(),
                        ))
                        .select(OfferRow::as_select())
                        .load(c)?,
                    AnyConnection::Sqlite(c) => sqlite_cheapest_offers(c, &skus)?,
                };
                rows.into_iter().map(OfferRow::into_domain).collect()
            })
            .await
            .map_err(reported)
    }

    /// On PostgreSQL one primary-key probe per key: `sku = ANY(..) AND
    /// store_id = ANY(..)` would probe every combination of the two lists.
    async fn offers_at(&self, keys: &[(SkuId, StoreId)]) -> Result<Vec<Offer>, RepoError> {
        let (skus, stores): (Vec<String>, Vec<String>) =
            keys.iter().map(|(sku, store)| (sku.to_string(), store.to_string())).unzip();
        self.db
            .run(move |conn| {
                let rows: Vec<OfferRow> = match conn {
                    AnyConnection::Postgres(c) => PgOffersAt { skus: &skus, stores: &stores }.load(c)?,
                    AnyConnection::Sqlite(c) => {
                        let mut rows: Vec<OfferRow> = offers::table
                            .filter(offers::sku.eq_any(&skus))
                            .filter(offers::store_id.eq_any(&stores))
                            .select(OfferRow::as_select())
                            .load(c)?;
                        rows.retain(|o| skus.iter().zip(&stores).any(|k| k == (&o.sku, &o.store_id)));
                        rows
                    }
                };
                rows.into_iter().map(OfferRow::into_domain).collect::<Result<Vec<_>, StorageError>>()
            })
            .await
            .map_err(reported)
    }

    async fn offers(&self, skus: &[SkuId], stores: Option<&[StoreId]>) -> Result<Vec<Offer>, RepoError> {
        let skus = strings(skus);
        let stores = stores.map(strings);
        self.db
            .run(move |conn| {
                let rows: Vec<OfferRow> = {
                    let mut query = offers::table.filter(offers::sku.eq_any(&skus)).into_boxed();
                    if let Some(stores) = &stores {
                        query = query.filter(offers::store_id.eq_any(stores));
                    }
                    query.select(OfferRow::as_select()).load(conn)?
                };
                rows.into_iter().map(OfferRow::into_domain).collect::<Result<Vec<_>, StorageError>>()
            })
            .await
            .map_err(reported)
    }
}
