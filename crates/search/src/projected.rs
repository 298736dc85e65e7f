//! A `CatalogRepo` that answers product lookups from the index's projection
//! and everything else (stores, offers: price and stock) from the store of
//! record.

use std::sync::Arc;

use async_trait::async_trait;
use catalog::{CatalogRepo, Offer, Product, RepoError, Store};
use domain::{SkuId, StoreId};

use crate::TantivyIndex;

#[derive(Debug, Clone)]
pub struct ProjectedCatalog {
    index: Arc<TantivyIndex>,
    record: Arc<dyn CatalogRepo>,
}

impl ProjectedCatalog {
    pub fn new(index: Arc<TantivyIndex>, record: Arc<dyn CatalogRepo>) -> Self {
        ProjectedCatalog { index, record }
    }
}

#[async_trait]
impl CatalogRepo for ProjectedCatalog {
    async fn stores(&self) -> Result<Vec<Store>, RepoError> {
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

    async fn cheapest_offers(&self, skus: &[SkuId]) -> Result<Vec<Offer>, RepoError> {
        self.record.cheapest_offers(skus).await
    }

    async fn best_offers(&self, skus: &[SkuId], stores: &[StoreId]) -> Result<Vec<Offer>, RepoError> {
        self.record.best_offers(skus, stores).await
    }
}
