//! A `CatalogRepo` over the in-memory projections of the catalog: product
//! lookups from the index, the choice of each product's store from the
//! availability book, and everything a caller is shown of an offer (price,
//! stock) from the store of record.

use std::sync::Arc;

use async_trait::async_trait;
use std::collections::HashMap;

use catalog::{AvailabilityBook, CatalogRepo, Offer, Product, RepoError, Store};
use domain::{SkuId, StoreId};

use crate::TantivyIndex;

#[derive(Debug, Clone)]
pub struct ProjectedCatalog {
    index: Arc<TantivyIndex>,
    availability: Arc<AvailabilityBook>,
    record: Arc<dyn CatalogRepo>,
}

impl ProjectedCatalog {
    pub fn new(
        index: Arc<TantivyIndex>,
        availability: Arc<AvailabilityBook>,
        record: Arc<dyn CatalogRepo>,
    ) -> Self {
        ProjectedCatalog { index, availability, record }
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

    async fn offers_at(&self, keys: &[(SkuId, StoreId)]) -> Result<Vec<Offer>, RepoError> {
        self.record.offers_at(keys).await
    }

    async fn cheapest_offers(&self, skus: &[SkuId]) -> Result<Vec<Offer>, RepoError> {
        self.record.cheapest_offers(skus).await
    }

    /// The book chooses the store; the offer is then read from the store of
    /// record by key. Where the record shows the book was behind (the offer
    /// gone, or out of stock where the book had it in stock), the record
    /// chooses instead, so a stale book never hides stock.
    async fn best_offers(&self, skus: &[SkuId], stores: &[StoreId]) -> Result<Vec<Offer>, RepoError> {
        let choices = self.availability.best(skus, stores);
        if choices.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<(SkuId, StoreId)> = choices.iter().map(|c| (c.sku.clone(), c.store.clone())).collect();
        let mut current: HashMap<(SkuId, StoreId), Offer> = self
            .record
            .offers_at(&keys)
            .await?
            .into_iter()
            .map(|o| ((o.sku.clone(), o.store.clone()), o))
            .collect();
        let mut offers = Vec::with_capacity(choices.len());
        let mut stale = Vec::new();
        for choice in choices {
            match current.remove(&(choice.sku.clone(), choice.store)) {
                Some(offer) if offer.in_stock() || !choice.in_stock => offers.push(offer),
                _ => stale.push(choice.sku),
            }
        }
        if !stale.is_empty() {
            offers.extend(self.record.best_offers(&stale, stores).await?);
        }
        Ok(offers)
    }
}
