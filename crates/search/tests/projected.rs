//! Product lookups come from the index's projection, with the store of
//! record behind it for what the index has not caught up with yet.

use std::sync::Arc;

use async_trait::async_trait;
use catalog::{CatalogRepo, Offer, Product, RepoError, Store, demo};
use domain::{SkuId, StoreId};
use search::{ProjectedCatalog, TantivyIndex};

#[derive(Debug)]
struct Record(Vec<Product>);

#[async_trait]
impl CatalogRepo for Record {
    async fn stores(&self) -> Result<Vec<Store>, RepoError> {
        Ok(Vec::new())
    }
    async fn store(&self, _: &StoreId) -> Result<Option<Store>, RepoError> {
        Ok(None)
    }
    async fn products(&self, skus: &[SkuId]) -> Result<Vec<Product>, RepoError> {
        Ok(self.0.iter().filter(|p| skus.contains(&p.sku)).cloned().collect())
    }
    async fn offers(&self, _: &[SkuId], _: Option<&[StoreId]>) -> Result<Vec<Offer>, RepoError> {
        Ok(Vec::new())
    }
    async fn cheapest_offers(&self, _: &[SkuId]) -> Result<Vec<Offer>, RepoError> {
        Ok(Vec::new())
    }
    async fn best_offers(&self, _: &[SkuId], _: &[StoreId]) -> Result<Vec<Offer>, RepoError> {
        Ok(Vec::new())
    }
}

#[tokio::test]
async fn indexed_products_come_from_the_projection_and_the_rest_from_the_record() {
    let products = demo::generate(300).products;
    let index = Arc::new(TantivyIndex::new().unwrap());
    index.apply(&[(products[0].clone(), 1)]).unwrap();
    let mut renamed = products[0].clone();
    renamed.name = "in the record only".into();
    let record = Record(vec![renamed, products[1].clone()]);
    let repo = ProjectedCatalog::new(index, Arc::new(record));
    let skus = [products[0].sku.clone(), products[1].sku.clone(), SkuId::new("NONE").unwrap()];
    let found = repo.products(&skus).await.unwrap();
    assert_eq!(found, vec![products[0].clone(), products[1].clone()]);
}
