//! `/search` and `/actualize` over the demo catalog on both backends, bodies
//! checked against the seed spec.

use crate::support;

use std::sync::Arc;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::test as web_test;
use actix_web::{App, http::StatusCode};
use catalog::demo;
use domain::SystemClock;
use mcp_api_http::McpState;
use serde_json::{Value, json};
use storage::testing::TestDatabase;
use storage::{CatalogBatch, DbCatalogRepo};
use support::seed::Seed;

const RQ_UID: &str = "1c6ec07e-3103-41bb-8753-6cea67521198";
/// Red Square: inside several demo stores' zones.
const CENTRE: (f64, f64) = (55.7558, 37.6173);

fn loaded(offers: usize) -> Vec<TestDatabase> {
    let demo = demo::generate(offers);
    let dbs = TestDatabase::each_backend_migrated();
    for t in &dbs {
        let batch = CatalogBatch::from(demo.clone());
        DbCatalogRepo::write(&mut t.db.get().unwrap(), &batch).unwrap();
    }
    dbs
}

fn state(t: &TestDatabase) -> McpState {
    McpState {
        authenticator: Arc::new(t.authenticator(Arc::new(SystemClock))),
        sberid: None,
        merchant_token: None,
        max_body_bytes: 4096,
        catalog_requires_client: false,
        catalog: support::catalog_state(t),
        orders: None,
        payments: None,
        stock: None,
    }
}

async fn post(
    app: &impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
    path: &str,
    body: &str,
) -> (StatusCode, Value) {
    let req = web_test::TestRequest::post()
        .uri(path)
        .insert_header(("rqUid", RQ_UID))
        .insert_header(("content-type", "application/json"))
        .set_payload(body.to_owned())
        .to_request();
    let res = web_test::call_service(app, req).await;
    let status = res.status();
    let bytes = web_test::read_body(res).await;
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[actix_web::test]
async fn search_finds_the_product_in_reachable_stores() {
    let seed = Seed::load();
    for t in loaded(5_000) {
        let app = web_test::init_service(App::new().configure(mcp_api_http::configure(state(&t)))).await;
        let body = json!({"lat": CENTRE.0, "lon": CENTRE.1, "query": "молоко 2,5% 1 л", "maxResult": 5});
        let (status, res) = post(&app, "/search", &body.to_string()).await;
        assert_eq!(status, 200, "{res}");
        seed.assert_response("post", "/search", 200, &res);
        assert_eq!(res["merchantName"], "Гастроном");
        let items = res["items"].as_array().unwrap();
        assert!(!items.is_empty() && items.len() <= 5);
        let first = &items[0];
        let name = first["skuName"].as_str().unwrap();
        assert!(name.starts_with("Молоко") && name.contains("2,5%") && name.contains("1 л"), "{name}");
        assert_eq!(first["price"]["currency"], "RUB");
        assert!(first["price"]["amount"].as_f64().unwrap() > 0.0);
        // The store answered must be one that can serve the point.
        let store = first["storeId"].as_str().unwrap();
        assert!(
            first["availToDelivery"].as_bool().unwrap()
                || first["availToPickupFromStore"].as_bool().unwrap()
                || first["stock"] == 0,
            "{store}: {first}"
        );

        let far = json!({"lat": 59.93, "lon": 30.31, "query": "молоко"});
        let (status, res) = post(&app, "/search", &far.to_string()).await;
        assert_eq!(
            (status, res["items"].as_array().unwrap().len()),
            (StatusCode::OK, 0),
            "no store near St Petersburg"
        );

        let nothing = json!({"lat": CENTRE.0, "lon": CENTRE.1, "query": "абракадабра"});
        let (_, res) = post(&app, "/search", &nothing.to_string()).await;
        assert_eq!(res["items"], json!([]));
    }
}

#[actix_web::test]
async fn search_in_one_store_and_actualize_agree() {
    let seed = Seed::load();
    for t in loaded(5_000) {
        let app = web_test::init_service(App::new().configure(mcp_api_http::configure(state(&t)))).await;
        let body = json!({"lat": CENTRE.0, "lon": CENTRE.1, "query": "кефир", "storeId": "STORE-002", "maxResult": 3});
        let (status, res) = post(&app, "/search", &body.to_string()).await;
        assert_eq!(status, 200, "{res}");
        let items = res["items"].as_array().unwrap().clone();
        assert!(items.iter().all(|i| i["storeId"] == "STORE-002"), "{res}");

        let skus: Vec<&Value> = items.iter().map(|i| &i["skuId"]).collect();
        let (status, actual) =
            post(&app, "/actualize", &json!({"skuIds": skus, "storeId": "STORE-002"}).to_string()).await;
        assert_eq!(status, 200, "{actual}");
        seed.assert_response("post", "/actualize", 200, &actual);
        for (searched, actualized) in items.iter().zip(actual["items"].as_array().unwrap()) {
            assert_eq!(searched["skuId"], actualized["skuId"]);
            assert_eq!(searched["price"], actualized["price"]);
            assert_eq!(searched["stock"], actualized["stock"]);
            assert!(
                actualized.get("availToDelivery").is_some()
                    && actualized.get("availToPickupFromStore").is_some()
            );
        }

        let (status, res) =
            post(&app, "/actualize", &json!({"skuIds": ["SKU-000001", "NO-SUCH-SKU"]}).to_string()).await;
        assert_eq!(status, 200);
        let got: Vec<&Value> = res["items"].as_array().unwrap().iter().map(|i| &i["skuId"]).collect();
        assert_eq!(got, [&json!("SKU-000001")], "unknown ids are left out");
    }
}

#[actix_web::test]
async fn bad_input_is_400_in_the_seed_shape() {
    let seed = Seed::load();
    let t = loaded(500).remove(0);
    let app = web_test::init_service(App::new().configure(mcp_api_http::configure(state(&t)))).await;
    let cases = [
        ("/search", json!({"lat": 91, "lon": 37.6, "query": "молоко"}), "latitude"),
        ("/search", json!({"lat": 55.7, "lon": -181, "query": "молоко"}), "longitude"),
        ("/search", json!({"lat": 55.7, "lon": 37.6, "query": "молоко", "maxResult": 0}), "maxResult"),
        ("/search", json!({"lat": 55.7, "lon": 37.6, "query": "молоко", "maxResult": 501}), "maxResult"),
        ("/search", json!({"lat": 55.7, "lon": 37.6, "query": "  "}), "query must not be empty"),
        ("/search", json!({"lon": 37.6, "query": "молоко"}), "missing field `lat`"),
        ("/search", json!({"lat": "55.7", "lon": 37.6, "query": "молоко"}), "invalid type"),
        ("/actualize", json!({"skuIds": []}), "skuIds"),
        ("/actualize", json!({}), "missing field `skuIds`"),
    ];
    for (path, body, message) in cases {
        let (status, res) = post(&app, path, &body.to_string()).await;
        assert_eq!(status, 400, "{body}: {res}");
        seed.assert_response("post", path, 400, &res);
        assert!(res["message"].as_str().unwrap().contains(message), "{body}: {res}");
    }
    // A store we do not know sells nothing: 200, no items (the seed has no
    // error for it), in /search and in /actualize alike.
    for (path, unknown) in [
        ("/search", json!({"lat": 55.7, "lon": 37.6, "query": "молоко", "storeId": "NOPE"})),
        ("/actualize", json!({"skuIds": ["SKU-000001"], "storeId": "NOPE"})),
    ] {
        let (status, res) = post(&app, path, &unknown.to_string()).await;
        assert_eq!((status.as_u16(), &res["items"]), (200, &json!([])), "{path}: {res}");
        seed.assert_response("post", path, 200, &res);
    }
    let (status, _) = post(&app, "/search", "not json").await;
    assert_eq!(status, 400);
    let big = json!({"lat": 55.7, "lon": 37.6, "query": "я".repeat(3000)});
    let (status, res) = post(&app, "/search", &big.to_string()).await;
    assert_eq!(status, 400, "{res}");
    let req = web_test::TestRequest::post()
        .uri("/search")
        .set_json(json!({"lat": 1, "lon": 1, "query": "x"}))
        .to_request();
    assert_eq!(web_test::call_service(&app, req).await.status(), 400, "rqUid is required");
}

/// A product whose feed gave no picture is still answered with a `photo`
/// (the seed requires one): the merchant's placeholder.
#[actix_web::test]
async fn a_product_without_a_picture_answers_the_placeholder() {
    let seed = Seed::load();
    let mut demo = demo::generate(200);
    let sku = demo.products[0].sku.clone();
    demo.products[0].photo_url = String::new();
    for t in TestDatabase::each_backend_migrated() {
        let batch = CatalogBatch::from(demo.clone());
        DbCatalogRepo::write(&mut t.db.get().unwrap(), &batch).unwrap();
        let app = web_test::init_service(App::new().configure(mcp_api_http::configure(state(&t)))).await;
        let (status, body) = post(&app, "/actualize", &json!({"skuIds": [sku.as_str()]}).to_string()).await;
        assert_eq!(status, 200, "{body}");
        seed.assert_response("post", "/actualize", 200, &body);
        assert_eq!(body["items"][0]["photo"], mcp_api_http::DEFAULT_PLACEHOLDER_PHOTO, "{}", t.db.backend());
    }
}
