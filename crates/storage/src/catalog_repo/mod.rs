//! `catalog::CatalogRepo` on the database, and the catalog's write side
//! (imports, demo data) with its change feeds.
//!
//! - `rows`: the three tables' rows and their mapping to the domain;
//! - `import`: writing a batch or a whole feed, and what it changed;
//! - `feeds`: the change feeds the search index and offer book follow;
//! - `ranking`: the per-backend SQL of the best and cheapest offers.

mod feeds;
mod import;
mod ranking;
mod rows;

pub(crate) use import::upsert_batch;
pub use import::{ImportCounts, ImportError, ImportReport};

use ranking::{PgOffersAt, sqlite_best_offers, sqlite_cheapest_offers};
use rows::{OfferRow, ProductRow, StoreRow};

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use async_trait::async_trait;
use catalog::{CatalogRepo, Offer, Product, RepoError, Store};
use diesel::dsl::array_position;
use diesel::prelude::*;
use diesel::sql_types::{Array, Text};
use domain::{SkuId, StoreId};

use crate::error::reported;
use crate::schema::{offers, products, stores};
use crate::{AnyConnection, Database, StorageError};

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

    pub fn product_count(conn: &mut AnyConnection) -> Result<i64, StorageError> {
        Ok(products::table.count().get_result::<i64>(conn)?)
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

    async fn products_by_barcode(&self, barcodes: &[String]) -> Result<Vec<Product>, RepoError> {
        let barcodes = barcodes.to_vec();
        self.db
            .run(move |conn| {
                let rows = products::table
                    .filter(products::barcode.eq_any(&barcodes))
                    .order(products::sku)
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
