//! `/search` through the real binary: a catalog change shows once the
//! projections catch up (a refresh interval), names and prices alike;
//! `/actualize` shows the price at once, from the record.

use crate::common;

use std::time::{Duration, Instant};

use app::testing::RunningService;
use catalog::demo;
use domain::{Currency, Money};
use serde_json::{Value, json};
use storage::testing::TestDatabase;
use storage::{CatalogBatch, DbCatalogRepo};

fn post(service: &RunningService, path: &str, body: &Value) -> Value {
    reqwest::blocking::Client::new()
        .post(service.url(path))
        .header("rqUid", "1c6ec07e-3103-41bb-8753-6cea67521198")
        .json(body)
        .send()
        .unwrap()
        .json()
        .unwrap()
}

fn search(service: &RunningService, query: &str) -> Value {
    post(
        service,
        "/search",
        &json!({"lat": 55.7558, "lon": 37.6173, "query": query, "storeId": "STORE-001", "maxResult": 1}),
    )
}

/// Asks `ask` every 50 ms until `done` holds of its answer; panics with the
/// last answer after 15 s.
fn eventually(what: &str, ask: impl Fn() -> Value, done: impl Fn(&Value) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let answer = ask();
        if done(&answer) {
            return;
        }
        assert!(Instant::now() < deadline, "{what} never showed: {answer}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn searching_after_a_catalog_write_sees_it() {
    for t in TestDatabase::each_backend_migrated() {
        let catalog = demo::generate(2_000);
        let batch = CatalogBatch::from(catalog.clone());
        DbCatalogRepo::write(&mut t.db.get().unwrap(), &batch).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut service =
            common::start(&t.raw_url, dir.path(), &[("MERCHANT_CATALOG_INDEX_REFRESH_MS", "100")]);
        let before = search(&service, "молоко простоквашино 1,5% 1 л");
        assert_eq!(before["items"][0]["skuId"], "SKU-000001", "{before}");
        // A store we do not know sells nothing: 200 with no items.
        let nowhere = json!({"lat": 55.7558, "lon": 37.6173, "query": "молоко", "storeId": "STORE-404"});
        assert_eq!(post(&service, "/search", &nowhere)["items"], json!([]), "{}", t.db.backend());

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

        let new_price = json!({"amount": 123.45, "currency": "RUB"});
        let actual = post(&service, "/actualize", &json!({"skuIds": ["SKU-000001"], "storeId": "STORE-001"}));
        assert_eq!(actual["items"][0]["price"], new_price, "/actualize reads the record: {actual}");
        eventually(
            "the new price in /search",
            || search(&service, "молоко простоквашино 1,5% 1 л"),
            |found| found["items"][0]["price"] == new_price,
        );
        eventually(
            "the new name in /search",
            || search(&service, "отборное"),
            |found| found["items"][0]["skuId"] == "SKU-000001",
        );
        assert!(service.terminate().success());
    }
}

/// The merchant's own synonyms and aliases (a file of groups) are added to
/// the shipped ones.
#[test]
fn a_merchant_s_synonyms_file_adds_to_the_shipped_ones() {
    let t = TestDatabase::sqlite();
    t.migrate();
    let batch = CatalogBatch::from(demo::generate(2_000));
    DbCatalogRepo::write(&mut t.db.get().unwrap(), &batch).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("synonyms.txt");
    std::fs::write(&file, "# our shoppers' words\nшоколадище, шоколад\n").unwrap();
    let service =
        common::start(&t.raw_url, dir.path(), &[("MERCHANT_CATALOG_SYNONYMS_FILE", file.to_str().unwrap())]);
    let found = search(&service, "шоколадище");
    let name = found["items"][0]["skuName"].as_str().unwrap_or_default().to_lowercase();
    assert!(name.contains("шоколад"), "{found}");
    // A shipped one still works beside it.
    let found = search(&service, "сгущенка");
    assert!(found["items"][0]["skuName"].as_str().unwrap_or_default().contains("сгущ"), "{found}");
}
