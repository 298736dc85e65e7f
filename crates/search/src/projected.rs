//! A `CatalogRepo` over the in-memory projections of the catalog, for
//! search: product lookups from the index, each product's best offer (its
//! store, price and stock) from the offer book. What the projections do not
//! answer — stores, every offer of a SKU, the cheapest — comes from the
//! store of record.

use std::sync::Arc;

use async_trait::async_trait;

use catalog::{CatalogRepo, Offer, OfferBook, Product, RepoError, Store};
use domain::{SkuId, StoreId};

use crate::TantivyIndex;

#[derive(Debug, Clone)]
pub struct ProjectedCatalog {
    index: Arc<TantivyIndex>,
    offers: Arc<OfferBook>,
    record: Arc<dyn CatalogRepo>,
}

impl ProjectedCatalog {
    pub fn new(index: Arc<TantivyIndex>, offers: Arc<OfferBook>, record: Arc<dyn CatalogRepo>) -> Self {
        ProjectedCatalog { index, offers, record }
    }
}

#[async_trait]
impl CatalogRepo for ProjectedCatalog {
    async fn stores(&self) -> Result<Arc<[Store]>, RepoError> {
        self.record.stores().await
    }

    async fn store(&self, id: &StoreId) -> Result<Option<Store>, RepoError> {
        self.record.store(id).await
    }

    /// From the projection; a product it does not hold yet (written after
    /// the last catch-up) comes from the store of record.
    async fn products(&self, skus: &[SkuId]) -> Result<Vec<Product>, RepoError> {
        let mut found = self.index.products(skus);
        if found.len() < skus.len() {
            let missing: Vec<SkuId> =
                skus.iter().filter(|s| !found.iter().any(|p| &p.sku == *s)).cloned().collect();
            found.extend(self.record.products(&missing).await?);
        }
        Ok(found)
    }

    async fn offers(&self, skus: &[SkuId], stores: Option<&[StoreId]>) -> Result<Vec<Offer>, RepoError> {
        self.record.offers(skus, stores).await
    }

    /// From the record: a scan is rare, and the projection keeps no
    /// barcodes.
    async fn products_by_barcode(&self, barcodes: &[String]) -> Result<Vec<Product>, RepoError> {
        self.record.products_by_barcode(barcodes).await
    }

    async fn offers_at(&self, keys: &[(SkuId, StoreId)]) -> Result<Vec<Offer>, RepoError> {
        self.record.offers_at(keys).await
    }

    async fn cheapest_offers(&self, skus: &[SkuId]) -> Result<Vec<Offer>, RepoError> {
        self.record.cheapest_offers(skus).await
    }

    /// From the book alone: no database read on the search path. The book
    /// is at most a refresh behind the record; what is bought is decided
    /// on the record.
    async fn best_offers(&self, skus: &[SkuId], stores: &[StoreId]) -> Result<Vec<Offer>, RepoError> {
        Ok(self.offers.best(skus, stores))
    }
}
