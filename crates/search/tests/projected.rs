//! The projected catalog: product lookups from the index, store choice from
//! the availability book, offers from the store of record, and the record's
//! word whenever the projections are behind.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use catalog::{
    AvailabilityBook, CatalogRepo, FeedPosition, Offer, OfferAvailability, OfferFeedPage, Product, RepoError,
    Store, demo,
};
use domain::{Currency, Money, SkuId, StoreId};
use search::{ProjectedCatalog, TantivyIndex};

#[derive(Debug, Default)]
struct Record {
    products: Vec<Product>,
    offers: Vec<Offer>,
    best_offers_calls: AtomicUsize,
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
        self.best_offers_calls.fetch_add(1, Ordering::Relaxed);
        Ok(skus
            .iter()
            .filter_map(|sku| {
                self.offers
                    .iter()
                    .filter(|o| &o.sku == sku && stores.contains(&o.store))
                    .min_by_key(|o| (!o.in_stock(), !o.delivery, stores.iter().position(|s| s == &o.store)))
                    .cloned()
            })
            .collect())
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
fn book_of(offers: &[Offer]) -> Arc<AvailabilityBook> {
    let book = AvailabilityBook::new();
    book.apply(OfferFeedPage {
        written: offers
            .iter()
            .map(|o| {
                let availability = OfferAvailability {
                    sku: o.sku.clone(),
                    store: o.store.clone(),
                    in_stock: o.in_stock(),
                    delivery: o.delivery,
                };
                (availability, FeedPosition::new(1, o.sku.to_string(), o.store.to_string()))
            })
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
async fn the_book_chooses_the_store_and_the_record_gives_price_and_stock() {
    let seen = [offer("A", "NEAR", 5), offer("A", "FAR", 5), offer("B", "FAR", 1)];
    // Since the book saw them, prices and stock moved in the record.
    let mut now = seen.to_vec();
    now[0].stock = 3;
    now[0].price = Money::from_minor(90, Currency::Rub);
    let record = Arc::new(Record { offers: now.clone(), ..Record::default() });
    let repo = ProjectedCatalog::new(
        Arc::new(TantivyIndex::new().unwrap()),
        book_of(&seen),
        Arc::clone(&record) as _,
    );
    let skus = [SkuId::new("A").unwrap(), SkuId::new("B").unwrap(), SkuId::new("C").unwrap()];
    let best = repo.best_offers(&skus, &stores(&["NEAR", "FAR"])).await.unwrap();
    assert_eq!(best, vec![now[0].clone(), now[2].clone()]);
    assert_eq!(record.best_offers_calls.load(Ordering::Relaxed), 0, "no scan when the book is current");
}

#[tokio::test]
async fn where_the_book_is_behind_the_record_chooses() {
    let seen = [offer("A", "NEAR", 5), offer("A", "FAR", 5), offer("B", "NEAR", 2)];
    // NEAR sold out of A, and B's offer was removed: the book knows neither.
    let now = vec![offer("A", "NEAR", 0), offer("A", "FAR", 5)];
    let record = Arc::new(Record { offers: now.clone(), ..Record::default() });
    let repo = ProjectedCatalog::new(
        Arc::new(TantivyIndex::new().unwrap()),
        book_of(&seen),
        Arc::clone(&record) as _,
    );
    let skus = [SkuId::new("A").unwrap(), SkuId::new("B").unwrap()];
    let best = repo.best_offers(&skus, &stores(&["NEAR", "FAR"])).await.unwrap();
    assert_eq!(best, vec![now[1].clone()]);
    assert_eq!(record.best_offers_calls.load(Ordering::Relaxed), 1);
}
