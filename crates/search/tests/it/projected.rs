//! The projected catalog: product lookups from the index (the record for
//! what it does not hold yet), best offers from the offer book alone.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use catalog::{CatalogRepo, FeedPosition, Offer, OfferBook, OfferFeedPage, Product, RepoError, Store, demo};
use domain::{Currency, Money, SkuId, StoreId};
use search::{ProjectedCatalog, TantivyIndex};

#[derive(Debug, Default)]
struct Record {
    products: Vec<Product>,
    offers: Vec<Offer>,
    reads: AtomicUsize,
}

#[async_trait]
impl CatalogRepo for Record {
    async fn stores(&self) -> Result<Arc<[Store]>, RepoError> {
        Ok(Arc::new([]))
    }
    async fn store(&self, _: &StoreId) -> Result<Option<Store>, RepoError> {
        Ok(None)
    }
    async fn products(&self, skus: &[SkuId]) -> Result<Vec<Product>, RepoError> {
        Ok(self.products.iter().filter(|p| skus.contains(&p.sku)).cloned().collect())
    }
    async fn offers(&self, skus: &[SkuId], stores: Option<&[StoreId]>) -> Result<Vec<Offer>, RepoError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        Ok(self
            .offers
            .iter()
            .filter(|o| skus.contains(&o.sku) && stores.is_none_or(|s| s.contains(&o.store)))
            .cloned()
            .collect())
    }
    async fn cheapest_offers(&self, _: &[SkuId]) -> Result<Vec<Offer>, RepoError> {
        Ok(Vec::new())
    }
    async fn best_offers(&self, skus: &[SkuId], stores: &[StoreId]) -> Result<Vec<Offer>, RepoError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        Ok(catalog::best_offer::best(&self.offers, skus, stores))
    }
}

fn offer(sku: &str, store: &str, stock: i64) -> Offer {
    Offer {
        store: StoreId::new(store).unwrap(),
        sku: SkuId::new(sku).unwrap(),
        price: Money::from_minor(100, Currency::Rub),
        old_price: None,
        stock,
        delivery: true,
        pickup: false,
    }
}

/// A book that has seen `offers` as they are listed.
fn book_of(offers: &[Offer]) -> Arc<OfferBook> {
    let book = OfferBook::new();
    book.apply(OfferFeedPage {
        written: offers
            .iter()
            .map(|o| (o.clone(), FeedPosition::new(1, o.sku.to_string(), o.store.to_string())))
            .collect(),
        ..OfferFeedPage::default()
    });
    Arc::new(book)
}

fn stores(names: &[&str]) -> Vec<StoreId> {
    names.iter().map(|n| StoreId::new(*n).unwrap()).collect()
}

#[tokio::test]
async fn indexed_products_come_from_the_projection_and_the_rest_from_the_record() {
    let products = demo::generate(300).products;
    let index = Arc::new(TantivyIndex::new().unwrap());
    index.apply(&[(products[0].clone(), FeedPosition::new(1, products[0].sku.to_string(), ""))]).unwrap();
    let mut renamed = products[0].clone();
    renamed.name = "in the record only".into();
    let record = Record { products: vec![renamed, products[1].clone()], ..Record::default() };
    let repo = ProjectedCatalog::new(index, book_of(&[]), Arc::new(record));
    let skus = [products[0].sku.clone(), products[1].sku.clone(), SkuId::new("NONE").unwrap()];
    let found = repo.products(&skus).await.unwrap();
    assert_eq!(found, vec![products[0].clone(), products[1].clone()]);
}

#[tokio::test]
async fn best_offers_come_from_the_book_without_reading_the_record() {
    let mut seen = vec![offer("A", "NEAR", 0), offer("A", "FAR", 5), offer("B", "FAR", 1)];
    seen[1].price = Money::from_minor(90, Currency::Rub);
    seen[1].old_price = Some(Money::from_minor(120, Currency::Rub));
    let record = Arc::new(Record::default());
    let repo = ProjectedCatalog::new(
        Arc::new(TantivyIndex::new().unwrap()),
        book_of(&seen),
        Arc::clone(&record) as _,
    );
    let skus = [SkuId::new("A").unwrap(), SkuId::new("B").unwrap(), SkuId::new("C").unwrap()];
    let best = repo.best_offers(&skus, &stores(&["NEAR", "FAR"])).await.unwrap();
    assert_eq!(best, vec![seen[1].clone(), seen[2].clone()], "in stock beats near; price as the book has it");
    assert_eq!(record.reads.load(Ordering::Relaxed), 0, "the search path reads no offer from the record");
}
