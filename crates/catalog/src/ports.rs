use std::sync::Arc;

use async_trait::async_trait;
use domain::{SkuId, StoreId};

use crate::model::{Offer, Product, Store};

pub use domain::RepoError;

/// The store of record for stores, products and offers.
#[async_trait]
pub trait CatalogRepo: Send + Sync + std::fmt::Debug {
    /// Every store; shared, since every search reads them all.
    async fn stores(&self) -> Result<Arc<[Store]>, RepoError>;
    async fn store(&self, id: &StoreId) -> Result<Option<Store>, RepoError>;
    async fn products(&self, skus: &[SkuId]) -> Result<Vec<Product>, RepoError>;
    /// The products whose barcode is one of `barcodes` (a picker's scan).
    /// A catalog that keeps no barcodes finds none.
    async fn products_by_barcode(&self, barcodes: &[String]) -> Result<Vec<Product>, RepoError> {
        let _ = barcodes;
        Ok(Vec::new())
    }
    /// Offers of `skus` in `stores` (every store when `stores` is `None`).
    async fn offers(&self, skus: &[SkuId], stores: Option<&[StoreId]>) -> Result<Vec<Offer>, RepoError>;
    /// The offers at exactly these `(sku, store)` keys; keys with no offer
    /// are absent.
    async fn offers_at(&self, keys: &[(SkuId, StoreId)]) -> Result<Vec<Offer>, RepoError> {
        let mut skus: Vec<SkuId> = Vec::new();
        let mut stores: Vec<StoreId> = Vec::new();
        for (sku, store) in keys {
            if !skus.contains(sku) {
                skus.push(sku.clone());
            }
            if !stores.contains(store) {
                stores.push(store.clone());
            }
        }
        let mut offers = self.offers(&skus, Some(&stores)).await?;
        offers.retain(|o| keys.iter().any(|(sku, store)| &o.sku == sku && &o.store == store));
        Ok(offers)
    }
    /// For each of `skus`, its best offer among `stores`: in stock first,
    /// then available for delivery, then the store earliest in `stores`
    /// (callers list them nearest first). SKUs with no offer there are
    /// absent.
    async fn best_offers(&self, skus: &[SkuId], stores: &[StoreId]) -> Result<Vec<Offer>, RepoError>;
    /// For each of `skus`, its offer in any store: in stock first, then the
    /// cheapest, then by store id.
    async fn cheapest_offers(&self, skus: &[SkuId]) -> Result<Vec<Offer>, RepoError>;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("search index failed: {0}")]
pub struct SearchError(pub String);

#[derive(Clone, Debug, PartialEq)]
pub struct SearchHit {
    pub sku: SkuId,
    pub score: f32,
}

/// Ranks products by text relevance. A projection of the catalog: it never
/// knows price or stock.
pub trait SearchIndex: Send + Sync + std::fmt::Debug {
    fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>, SearchError>;
}
