//! The use cases over in-memory ports: reach, ranking and validation.

use std::sync::Arc;

use async_trait::async_trait;
use domain::{Currency, Money, Unit};

use super::*;
use crate::model::DeliveryZone;
use crate::ports::SearchHit;

#[derive(Debug, Default)]
struct Fake {
    stores: Vec<Store>,
    products: Vec<Product>,
    offers: Vec<Offer>,
    /// The "index": (sku, score) for any query.
    ranking: Vec<(&'static str, f32)>,
}

#[async_trait]
impl CatalogRepo for Fake {
    async fn stores(&self) -> Result<Arc<[Store]>, RepoError> {
        Ok(self.stores.clone().into())
    }
    async fn store(&self, id: &StoreId) -> Result<Option<Store>, RepoError> {
        Ok(self.stores.iter().find(|s| &s.id == id).cloned())
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

    async fn cheapest_offers(&self, skus: &[SkuId]) -> Result<Vec<Offer>, RepoError> {
        Ok(crate::best_offer::cheapest(&self.offers, skus))
    }

    async fn best_offers(&self, skus: &[SkuId], stores: &[StoreId]) -> Result<Vec<Offer>, RepoError> {
        Ok(crate::best_offer::best(&self.offers, skus, stores))
    }
}

impl SearchIndex for Fake {
    fn search(&self, _query: &str, limit: usize) -> Result<Vec<SearchHit>, SearchError> {
        Ok(self
            .ranking
            .iter()
            .take(limit)
            .map(|(s, score)| SearchHit { sku: sku(s), score: *score })
            .collect())
    }
}

fn sku(s: &str) -> SkuId {
    SkuId::new(s).unwrap()
}

fn point(lat: f64, lon: f64) -> GeoPoint {
    GeoPoint::new(lat, lon).unwrap()
}

fn store(id: &str, lat: f64, lon: f64, delivery_m: Option<u32>, pickup: bool) -> Store {
    Store {
        id: StoreId::new(id).unwrap(),
        name: id.into(),
        address: format!("{id} street"),
        location: point(lat, lon),
        delivery_zone: delivery_m.map(|metres| DeliveryZone::Radius { metres }),
        pickup,
        opening_hours: "Mo-Su 08:00-22:00".into(),
        time_zone: "Europe/Moscow".into(),
    }
}

fn product(s: &str) -> Product {
    Product {
        sku: sku(s),
        name: format!("product {s}"),
        description: String::new(),
        photo_url: "https://example.com/p.jpg".into(),
        unit: Unit::Pcs,
        pack_quantity: None,
        rating: None,
        category: "milk".into(),
        brand: "brand".into(),
        barcode: None,
        vat: None,
    }
}

fn offer(store: &str, s: &str, kopecks: i64, stock: i64) -> Offer {
    Offer {
        store: StoreId::new(store).unwrap(),
        sku: sku(s),
        price: Money::from_minor(kopecks, Currency::Rub),
        old_price: None,
        stock,
        delivery: true,
        pickup: true,
    }
}

const POLICY: ReachPolicy = ReachPolicy { pickup_radius_m: 3000 };
const HOME: (f64, f64) = (55.75, 37.61);

fn catalog() -> Fake {
    Fake {
        stores: vec![
            store("near", 55.751, 37.61, Some(2000), true),
            store("far", 55.80, 37.61, Some(2000), false),
            store("pickup-only", 55.76, 37.61, None, true),
        ],
        products: vec![product("a"), product("b"), product("c")],
        offers: vec![
            offer("near", "a", 9990, 0),
            offer("pickup-only", "a", 9990, 5),
            offer("near", "b", 5000, 3),
            offer("far", "c", 100, 3),
        ],
        ranking: vec![("a", 10.0), ("b", 8.0), ("c", 7.0)],
    }
}

fn query(text: &str, max: i64) -> SearchQuery {
    SearchQuery { point: point(HOME.0, HOME.1), text: text.into(), max_results: max, store: None }
}

#[tokio::test]
async fn only_reachable_stores_and_the_best_offer_per_product() {
    let fake = catalog();
    let items = search(&fake, &fake, POLICY, &query("молоко", 10)).await.unwrap();
    let got: Vec<(&str, &str)> =
        items.iter().map(|i| (i.product.sku.as_str(), i.store.id.as_str())).collect();
    // "c" is only in "far", which neither delivers here nor is a pickup store.
    // "a" is out of stock at "near" but in stock at the pickup store nearby.
    assert_eq!(got, [("a", "pickup-only"), ("b", "near")]);
}

#[tokio::test]
async fn out_of_stock_ranks_lower() {
    let mut fake = catalog();
    fake.offers.retain(|o| o.store.as_str() != "pickup-only");
    let items = search(&fake, &fake, POLICY, &query("x", 10)).await.unwrap();
    let got: Vec<&str> = items.iter().map(|i| i.product.sku.as_str()).collect();
    assert_eq!(got, ["b", "a"], "a (10, out of stock -> 5) below b (8)");
}

#[tokio::test]
async fn store_id_restricts_and_max_results_cuts() {
    let fake = catalog();
    let mut q = query("x", 1);
    q.store = Some(StoreId::new("far").unwrap());
    let items = search(&fake, &fake, POLICY, &q).await.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].product.sku.as_str(), "c");
    q.store = Some(StoreId::new("nowhere").unwrap());
    assert_eq!(search(&fake, &fake, POLICY, &q).await, Ok(Vec::new()), "an unknown store sells nothing");
}

#[tokio::test]
async fn bad_search_input_is_refused() {
    let fake = catalog();
    assert_eq!(search(&fake, &fake, POLICY, &query("  ", 10)).await, Err(CatalogError::EmptyQuery));
    assert_eq!(search(&fake, &fake, POLICY, &query("x", 0)).await, Err(CatalogError::MaxResults(0)));
    assert_eq!(search(&fake, &fake, POLICY, &query("x", 501)).await, Err(CatalogError::MaxResults(501)));
    let long = "я".repeat(MAX_QUERY_CHARS + 1);
    assert_eq!(search(&fake, &fake, POLICY, &query(&long, 10)).await, Err(CatalogError::QueryTooLong));
}

#[tokio::test]
async fn nowhere_near_any_store_is_an_empty_answer() {
    let fake = catalog();
    let mut q = query("x", 10);
    q.point = point(59.93, 30.31);
    assert!(search(&fake, &fake, POLICY, &q).await.unwrap().is_empty());
}

#[tokio::test]
async fn actualize_keeps_the_asked_order_and_drops_unknown_skus() {
    let fake = catalog();
    let q = ActualizeQuery { skus: vec![sku("c"), sku("zzz"), sku("a"), sku("a")], store: None };
    let items = actualize(&fake, &q).await.unwrap();
    let got: Vec<(&str, &str)> =
        items.iter().map(|i| (i.product.sku.as_str(), i.store.id.as_str())).collect();
    assert_eq!(got, [("c", "far"), ("a", "pickup-only")]);

    let in_store = ActualizeQuery { skus: vec![sku("a")], store: Some(StoreId::new("near").unwrap()) };
    let items = actualize(&fake, &in_store).await.unwrap();
    assert_eq!((items[0].store.id.as_str(), items[0].offer.stock), ("near", 0));
    let nowhere = ActualizeQuery { skus: vec![sku("a")], store: Some(StoreId::new("nowhere").unwrap()) };
    assert_eq!(actualize(&fake, &nowhere).await, Ok(Vec::new()), "an unknown store sells nothing");

    assert_eq!(
        actualize(&fake, &ActualizeQuery { skus: vec![], store: None }).await,
        Err(CatalogError::SkuCount)
    );
}

/// The exact product asked for is out of stock: an in-stock product of its
/// family (brand and kind) that text relevance put fourth comes into the
/// top 3 instead of being pushed out.
#[tokio::test]
async fn an_out_of_stock_exact_product_keeps_its_in_stock_family_in_the_top_3() {
    let family = |s: &str, brand: &str, category: &str| Product {
        brand: brand.into(),
        category: category.into(),
        ..product(s)
    };
    let fake = Fake {
        stores: vec![store("near", 55.751, 37.61, Some(2000), true)],
        products: vec![
            family("exact", "Простоквашино", "молоко"),
            family("kefir", "Савушкин", "кефир"),
            family("cream", "Экомилк", "сливки"),
            family("sibling", "Простоквашино", "молоко"),
        ],
        offers: vec![
            offer("near", "exact", 8990, 0),
            offer("near", "kefir", 7990, 5),
            offer("near", "cream", 9990, 5),
            offer("near", "sibling", 9490, 5),
        ],
        // Text relevance alone: the exact product first (halved for being
        // out of stock it still leads), its sibling fourth.
        ranking: vec![("exact", 20.0), ("kefir", 6.0), ("cream", 5.5), ("sibling", 5.0)],
    };
    let items = search(&fake, &fake, POLICY, &query("молоко простоквашино", 3)).await.unwrap();
    let skus: Vec<&str> = items.iter().map(|i| i.product.sku.as_str()).collect();
    assert_eq!(skus, ["exact", "sibling", "kefir"]);
}
