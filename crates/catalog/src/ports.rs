use async_trait::async_trait;
use domain::{SkuId, StoreId};

use crate::model::{Offer, Product, Store};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("catalog storage failed: {0}")]
pub struct RepoError(pub String);

/// The store of record for stores, products and offers.
#[async_trait]
pub trait CatalogRepo: Send + Sync + std::fmt::Debug {
    async fn stores(&self) -> Result<Vec<Store>, RepoError>;
    async fn store(&self, id: &StoreId) -> Result<Option<Store>, RepoError>;
    async fn products(&self, skus: &[SkuId]) -> Result<Vec<Product>, RepoError>;
    /// Offers of `skus` in `stores` (every store when `stores` is `None`).
    async fn offers(&self, skus: &[SkuId], stores: Option<&[StoreId]>) -> Result<Vec<Offer>, RepoError>;
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
