//! The merchant's stock API through the real binary on both backends: its
//! own token, a batch applied with each refused line explained, the same
//! batch id answered the same, other contents under it refused, and the
//! new price and stock visible to `/search` and `/actualize`.

use crate::common;

use std::time::{Duration, Instant};

use app::testing::RunningService;
use catalog::demo;
use serde_json::{Value, json};
use storage::testing::TestDatabase;
use storage::{CatalogBatch, DbCatalogRepo};

const TOKEN: &str = "erp-secret-token";

fn post(service: &RunningService, token: &str, body: &Value) -> (u16, Value) {
    let response = reqwest::blocking::Client::new()
        .post(service.url("/merchant/stock"))
        .bearer_auth(token)
        .json(body)
        .send()
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

fn actualize(service: &RunningService, sku: &str) -> Value {
    reqwest::blocking::Client::new()
        .post(service.url("/actualize"))
        .header("rqUid", "1c6ec07e-3103-41bb-8753-6cea67521198")
        .json(&json!({"skuIds": [sku], "storeId": "STORE-001"}))
        .send()
        .unwrap()
        .json()
        .unwrap()
}

fn search(service: &RunningService) -> Value {
    reqwest::blocking::Client::new()
        .post(service.url("/search"))
        .header("rqUid", "1c6ec07e-3103-41bb-8753-6cea67521198")
        .json(&json!({"lat": 55.7558, "lon": 37.6173, "query": "молоко простоквашино 1,5% 1 л", "storeId": "STORE-001", "maxResult": 50}))
        .send()
        .unwrap()
        .json()
        .unwrap()
}

#[test]
fn stock_and_price_updates_arrive_once_and_show_in_search() {
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        let catalog = demo::generate(2_000);
        let batch = CatalogBatch::from(catalog.clone());
        DbCatalogRepo::write(&mut t.db.get().unwrap(), &batch).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let service = common::start(
            &t.raw_url,
            dir.path(),
            &[("MERCHANT_CATALOG_INDEX_REFRESH_MS", "100"), ("MERCHANT_STOCK_API_TOKEN", TOKEN)],
        );
        let now = chrono::Utc::now().to_rfc3339();
        let body = json!({"batchId": "erp-1", "updates": [
            {"sku": "SKU-000001", "storeId": "STORE-001", "stock": 0, "asOf": now, "price": 123.45, "oldPrice": null},
            {"sku": "SKU-000001", "storeId": "NO-SUCH-STORE", "stock": 5, "asOf": now},
            {"sku": "SKU-000002", "storeId": "STORE-001", "stock": -1, "asOf": now},
            {"sku": "SKU-000002", "storeId": "STORE-001", "stock": 1, "asOf": "yesterday"},
        ]});

        // Its own token: none, a wrong one, an MCP client's are all refused.
        assert_eq!(post(&service, "", &body).0, 401, "{backend}");
        assert_eq!(post(&service, "wrong", &body).0, 401, "{backend}");
        let (status, bad) = post(&service, TOKEN, &json!({"batchId": "x", "updates": "no"}));
        assert_eq!((status, bad["code"].as_str()), (400, Some("400")), "{backend}: {bad}");

        let (status, report) = post(&service, TOKEN, &body);
        assert_eq!(status, 200, "{backend}: {report}");
        assert_eq!(report["applied"], 1, "{backend}: {report}");
        let refused: Vec<u64> =
            report["refused"].as_array().unwrap().iter().map(|r| r["line"].as_u64().unwrap()).collect();
        assert_eq!(refused, [1, 2, 3], "{backend}: {report}");
        assert!(report["refused"][1]["reason"].as_str().unwrap().contains("negative"), "{report}");

        // A retry answers the same; other contents under the id are a 409.
        assert_eq!(post(&service, TOKEN, &body), (200, report.clone()), "{backend}");
        let other = json!({"batchId": "erp-1", "updates": []});
        assert_eq!(post(&service, TOKEN, &other).0, 409, "{backend}");

        let item = &actualize(&service, "SKU-000001")["items"][0];
        assert_eq!(
            (item["stock"].as_i64(), &item["price"]),
            (Some(0), &json!({"amount": 123.45, "currency": "RUB"})),
            "{backend}"
        );
        // The sold-out offer and its price reach /search from the stock feed.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found = search(&service);
            // Sold out, it ranks lower: look for it among the results.
            let items = found["items"].as_array().cloned().unwrap_or_default();
            let milk = items.iter().find(|i| i["skuId"] == "SKU-000001");
            if milk.is_some_and(|m| m["stock"] == 0 && m["price"]["amount"] == 123.45) {
                break;
            }
            assert!(Instant::now() < deadline, "{backend}: {found}");
            std::thread::sleep(Duration::from_millis(100));
        }

        // Nothing sold yet: no moves, and the cursor stays where it was.
        let moves: Value = reqwest::blocking::Client::new()
            .get(service.url("/merchant/stock/moves?after=0&limit=10"))
            .bearer_auth(TOKEN)
            .send()
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(moves, json!({"moves": [], "next": "0.0"}), "{backend}");
        let bad_cursor = reqwest::blocking::Client::new()
            .get(service.url("/merchant/stock/moves?after=nonsense"))
            .bearer_auth(TOKEN)
            .send()
            .unwrap();
        assert_eq!(bad_cursor.status().as_u16(), 400, "{backend}");
    }
}
