//! `/search` through the real binary: a catalog change is visible right
//! after it is written (prices at once, names once the index catches up).

mod common;

use std::time::{Duration, Instant};

use app::testing::RunningService;
use catalog::demo;
use domain::{Currency, Money};
use serde_json::{Value, json};
use storage::testing::TestDatabase;
use storage::{CatalogBatch, DbCatalogRepo};

fn search(service: &RunningService, query: &str) -> Value {
    reqwest::blocking::Client::new()
        .post(service.url("/search"))
        .header("rqUid", "1c6ec07e-3103-41bb-8753-6cea67521198")
        .json(
            &json!({"lat": 55.7558, "lon": 37.6173, "query": query, "storeId": "STORE-001", "maxResult": 1}),
        )
        .send()
        .unwrap()
        .json()
        .unwrap()
}

#[test]
fn searching_after_a_catalog_write_sees_it() {
    for t in TestDatabase::each_backend_migrated() {
        let catalog = demo::generate(2_000);
        let batch = CatalogBatch {
            stores: catalog.stores.clone(),
            products: catalog.products.clone(),
            offers: catalog.offers.clone(),
        };
        DbCatalogRepo::write(&mut t.db.get().unwrap(), &batch).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut service =
            common::start(&t.raw_url, dir.path(), &[("MERCHANT_CATALOG_INDEX_REFRESH_MS", "100")]);
        let before = search(&service, "молоко простоквашино 1,5% 1 л");
        assert_eq!(before["items"][0]["skuId"], "SKU-000001", "{before}");

        let mut product = catalog.products[0].clone();
        product.name = "Молоко Простоквашино Отборное 1,5% 1 л".into();
        let mut offer = catalog
            .offers
            .iter()
            .find(|o| o.sku == product.sku && o.store.as_str() == "STORE-001")
            .unwrap()
            .clone();
        offer.price = Money::from_minor(12_345, Currency::Rub);
        let change = CatalogBatch { products: vec![product], offers: vec![offer], ..CatalogBatch::default() };
        DbCatalogRepo::write(&mut t.db.get().unwrap(), &change).unwrap();

        let price = search(&service, "молоко простоквашино 1,5% 1 л");
        assert_eq!(
            price["items"][0]["price"],
            json!({"amount": 123.45, "currency": "RUB"}),
            "prices come from the store of record"
        );

        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let found = search(&service, "отборное");
            if found["items"][0]["skuId"] == "SKU-000001" {
                break;
            }
            assert!(Instant::now() < deadline, "the index never caught up: {found}");
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(service.terminate().success());
    }
}
