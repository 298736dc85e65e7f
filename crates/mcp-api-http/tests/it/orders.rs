//! `/delivery`, `/checkout` and `/order/{orderId}/status` on both backends,
//! every body checked against the seed spec; every refusal leaves no order
//! and no reservation behind.

use crate::support;

use std::sync::Arc;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::test as web_test;
use actix_web::{App, http::StatusCode};
use catalog::{CatalogRepo, demo};
use chrono::{DateTime, Utc};
use domain::{ManualClock, SkuId, StoreId};
use identity::SandboxProvider;
use mcp_api_http::{McpState, OrdersState, PaymentSetup};
use orders::OrderRepo;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use storage::testing::TestDatabase;
use storage::{CatalogBatch, DbCatalogRepo, DbOrderRepo};
use support::seed::Seed;

const RQ_UID: &str = "1c6ec07e-3103-41bb-8753-6cea67521198";
/// Inside the first demo store's delivery zone.
const STORE: &str = "STORE-001";

struct Fixture {
    t: TestDatabase,
    state: McpState,
    client: String,
    sku: String,
    home: (f64, f64),
}

async fn fixture(t: TestDatabase) -> Fixture {
    let demo = demo::generate(2_000);
    let batch = CatalogBatch::from(demo.clone());
    DbCatalogRepo::write(&mut t.db.get().unwrap(), &batch).unwrap();
    // 10:00 in Moscow: the demo stores open at 08:00.
    let clock = Arc::new(ManualClock::new(
        DateTime::parse_from_rfc3339("2026-11-25T07:00:00Z").unwrap().with_timezone(&Utc),
    ));
    let authenticator = Arc::new(t.authenticator(clock.clone()));
    let (_, token) = authenticator.create_client("mcp").await.unwrap();
    let store = demo.stores.iter().find(|s| s.id.as_str() == STORE).unwrap();
    // A product the store has plenty of, for delivery and pickup.
    let sku = demo
        .offers
        .iter()
        .find(|o| o.store == store.id && o.stock >= 10 && o.delivery && o.pickup)
        .map(|o| o.sku.to_string())
        .unwrap();
    let state = McpState {
        authenticator,
        sberid: None,
        merchant_token: Some(Arc::new(SandboxProvider)),
        max_body_bytes: 8192,
        catalog_requires_client: false,
        catalog: support::catalog_state(&t),
        orders: Some(OrdersState {
            ordering: Arc::new(t.ordering(clock, 20)),
            payment: PaymentSetup {
                external_cart_url: Some("https://shop.example/cart/{orderId}".into()),
                payment_details: true,
            },
        }),
        payments: None,
        stock: None,
    };
    let home = (store.location.lat() + 0.001, store.location.lon());
    Fixture { t, state, client: format!("Bearer {}", token.expose_secret()), sku, home }
}

async fn call(
    app: &impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
    req: actix_http::Request,
) -> (StatusCode, Value) {
    let res = web_test::call_service(app, req).await;
    let status = res.status();
    let bytes = web_test::read_body(res).await;
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

async fn post(
    app: &impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (StatusCode, Value) {
    let mut req = web_test::TestRequest::post().uri(path).insert_header(("content-type", "application/json"));
    for (name, value) in headers {
        req = req.insert_header((*name, *value));
    }
    call(app, req.set_payload(body.to_owned()).to_request()).await
}

async fn login(
    app: &impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
    f: &Fixture,
    who: &str,
) -> String {
    let h = [("rqUid", RQ_UID), ("authorization", f.client.as_str())];
    let (status, body) =
        post(app, "/auth/other", &h, &json!({"token": format!("sandbox:{who}")}).to_string()).await;
    assert_eq!(status, 200, "{body}");
    body["accessToken"].as_str().unwrap().to_owned()
}

fn credentials(f: &Fixture, access: &str) -> Value {
    json!({"authType": "oauth2", "oauth2": f.client, "accessToken": access})
}

async fn reserved(f: &Fixture) -> (i64, usize) {
    let repo = DbCatalogRepo::new(f.t.db.clone());
    let offers = repo
        .offers(&[SkuId::new(f.sku.clone()).unwrap()], Some(&[StoreId::new(STORE).unwrap()]))
        .await
        .unwrap();
    let orders = DbOrderRepo::new(f.t.db.clone()).list(None, 100).await.unwrap();
    (offers[0].stock, orders.len())
}

#[actix_web::test]
async fn delivery_then_checkout_then_status_as_an_mcp_server_walks_it() {
    let seed = Seed::load();
    for t in TestDatabase::each_backend_migrated() {
        let f = fixture(t).await;
        let app =
            web_test::init_service(App::new().configure(mcp_api_http::configure(f.state.clone()))).await;
        let access = login(&app, &f, "alice").await;
        let (stock_before, _) = reserved(&f).await;
        let items = json!([{"skuId": f.sku, "quantity": 2, "unit": "pcs"}]);
        let delivery = json!({
            "shipping": "delivery",
            "deliveryAddress": {"lat": f.home.0, "lon": f.home.1},
            "items": items,
            "credentials": credentials(&f, &access),
        });
        let (status, options) = post(&app, "/delivery", &[("rqUid", RQ_UID)], &delivery.to_string()).await;
        assert_eq!(status, 200, "{options}");
        seed.assert_response("post", "/delivery", 200, &options);
        assert_eq!(options["storeId"], STORE);
        let first = options["options"][0].clone();
        assert!(first["startsAt"].as_str().unwrap().ends_with("+03:00"), "{first}");

        let checkout = json!({
            "items": items,
            "storeId": STORE,
            "shipping": "delivery",
            "deliveryAdress": {"lat": f.home.0, "lon": f.home.1, "fullAddress": "Москва, Тверская, 1"},
            "shippingOptions": first,
            "credentials": credentials(&f, &access),
        });
        let (status, created) = post(&app, "/checkout", &[("rqUid", RQ_UID)], &checkout.to_string()).await;
        assert_eq!(status, 200, "{created}");
        seed.assert_response("post", "/checkout", 200, &created);
        let order_id = created["orderId"].as_str().unwrap().to_owned();
        assert_eq!(created["externalCartUrl"], format!("https://shop.example/cart/{order_id}"));
        assert_eq!(created["paymentDetails"]["amount"], first["orderPrice"]);
        assert_eq!(reserved(&f).await, (stock_before - 2, 1));

        // A retry with the same rqUid (and a refreshed token) is the same order.
        let again = login(&app, &f, "alice").await;
        let mut retry = checkout.clone();
        retry["credentials"] = credentials(&f, &again);
        let (status, repeated) = post(&app, "/checkout", &[("rqUid", RQ_UID)], &retry.to_string()).await;
        assert_eq!((status, repeated["orderId"].as_str()), (StatusCode::OK, Some(order_id.as_str())));
        // The same rqUid with another body is another checkout: the seed's
        // rqUid traces a chain of operations and may be reused along it.
        let mut other = checkout.clone();
        other["items"] = json!([{"skuId": f.sku, "quantity": 1}]);
        other["shippingOptions"]["orderPrice"] = serde_json::Value::Null;
        let (status, second) = post(&app, "/checkout", &[("rqUid", RQ_UID)], &other.to_string()).await;
        assert_eq!(status, 200, "{second}");
        seed.assert_response("post", "/checkout", 200, &second);
        assert_ne!(second["orderId"], created["orderId"]);
        assert_eq!(reserved(&f).await, (stock_before - 3, 2));

        let status_of = |headers: Vec<(&'static str, String)>| {
            let mut req = web_test::TestRequest::get().uri(&format!("/order/{order_id}/status"));
            for h in headers {
                req = req.insert_header(h);
            }
            req.to_request()
        };
        let (status, body) = call(&app, status_of(vec![])).await;
        assert_eq!(status, 200, "{body}");
        seed.assert_response("get", "/order/{orderId}/status", 200, &body);
        assert_eq!(body["status"], "new");
        let (status, _) =
            call(&app, status_of(vec![("authorization", f.client.clone()), ("X-Access-Token", access)]))
                .await;
        assert_eq!(status, 200);
        let bob = login(&app, &f, "bob").await;
        let (status, body) =
            call(&app, status_of(vec![("authorization", f.client.clone()), ("X-Access-Token", bob)])).await;
        assert_eq!(status, 404, "another user's order is not found");
        seed.assert_response("get", "/order/{orderId}/status", 404, &body);
        let unknown = web_test::TestRequest::get()
            .uri("/order/ord_0123456789abcdef0123456789abcdef/status")
            .to_request();
        let (status, body) = call(&app, unknown).await;
        assert_eq!(status, 404);
        seed.assert_response("get", "/order/{orderId}/status", 404, &body);
    }
}

#[actix_web::test]
async fn every_bad_checkout_is_a_400_that_leaves_nothing_behind() {
    let seed = Seed::load();
    for t in TestDatabase::each_backend_migrated() {
        let f = fixture(t).await;
        let app =
            web_test::init_service(App::new().configure(mcp_api_http::configure(f.state.clone()))).await;
        let access = login(&app, &f, "alice").await;
        let items = json!([{"skuId": f.sku, "quantity": 1}]);
        let delivery = json!({"shipping": "pickup", "storeId": STORE, "items": items});
        let (status, options) = post(&app, "/delivery", &[("rqUid", RQ_UID)], &delivery.to_string()).await;
        assert_eq!(status, 200, "{options}");
        seed.assert_response("post", "/delivery", 200, &options);
        let slot = options["options"][0].clone();
        let good = json!({
            "items": items, "storeId": STORE, "shipping": "pickup", "shippingOptions": slot,
            "credentials": credentials(&f, &access),
        });
        let before = reserved(&f).await;
        let with = |path: &str, value: Value| {
            let mut body = good.clone();
            let (parent, key) = path.rsplit_once('/').map_or(("", path), |(p, k)| (p, k));
            let target =
                if parent.is_empty() { &mut body } else { body.pointer_mut(&format!("/{parent}")).unwrap() };
            target[key] = value;
            body.to_string()
        };
        let cases: Vec<(String, &str)> = vec![
            (with("items", json!([])), "items must hold"),
            (with("items", json!([{"skuId": "NOPE", "quantity": 1}])), "unknown skuId NOPE"),
            (with("items", json!([{"skuId": f.sku, "quantity": 1.5}])), "pieces are sold whole"),
            (with("items", json!([{"skuId": f.sku, "quantity": -1}])), "more than zero"),
            (with("items", json!([{"skuId": f.sku, "quantity": 1, "unit": "kg"}])), "is sold in pcs, not kg"),
            (with("items", json!([{"skuId": f.sku, "quantity": 1, "unit": "box"}])), "items.unit"),
            (
                with(
                    "items",
                    json!([{"skuId": f.sku, "quantity": 1, "price": {"amount": 0.01, "currency": "RUB"}}]),
                ),
                "the price of",
            ),
            (with("items", json!([{"skuId": f.sku, "quantity": 1_000_000}])), "more than we sell"),
            (with("items", json!([{"skuId": f.sku, "quantity": "one"}])), "invalid request body"),
            (with("storeId", json!("NOWHERE")), "unknown storeId NOWHERE"),
            (with("shipping", json!("teleport")), "shipping"),
            (with("shipping", json!("delivery")), "deliveryAdress is required"),
            (with("shippingOptions/startsAt", json!("tomorrow")), "shippingOptions.startsAt"),
            (with("shippingOptions/startsAt", json!("2026-11-25T10:10:00+03:00")), "is not one we offer"),
            (
                with("shippingOptions/orderPrice", json!({"amount": 1, "currency": "RUB"})),
                "the order price changed",
            ),
            ("{\"items\": ".to_owned(), "invalid request body"),
            (json!({"storeId": STORE}).to_string(), "invalid request body"),
        ];
        for (body, message) in cases {
            let (status, res) = post(&app, "/checkout", &[("rqUid", RQ_UID)], &body).await;
            assert_eq!(status, 400, "{body} -> {res}");
            seed.assert_response("post", "/checkout", 400, &res);
            assert!(res["message"].as_str().unwrap().contains(message), "{body} -> {res}");
            assert_eq!(reserved(&f).await, before, "{body} left something behind");
        }
        // Without credentials, or with a bad user token: refused before anything else.
        let mut anonymous = good.clone();
        anonymous.as_object_mut().unwrap().remove("credentials");
        let (status, res) = post(&app, "/checkout", &[("rqUid", RQ_UID)], &anonymous.to_string()).await;
        assert_eq!(status, 403, "{res}");
        let mut forged = good.clone();
        forged["credentials"]["accessToken"] = json!("mua_0000000000000000_forged");
        let (status, res) = post(&app, "/checkout", &[("rqUid", RQ_UID)], &forged.to_string()).await;
        assert_eq!(status, 401, "{res}");
        seed.assert_response("post", "/checkout", 401, &res);
        let (status, _) = post(&app, "/checkout", &[], &good.to_string()).await;
        assert_eq!(status, 400, "rqUid is required");
        assert_eq!(reserved(&f).await, before);
        // /delivery refusals.
        for (body, message) in [
            (json!({"shipping": "pickup", "items": items}), "storeId is required"),
            (json!({"shipping": "delivery", "items": items}), "deliveryAddress is required"),
            (
                json!({"shipping": "delivery", "deliveryAddress": {"lat": 59.93, "lon": 30.31}, "items": items}),
                "no store delivers",
            ),
            (
                json!({"shipping": "delivery", "deliveryAddress": {"lat": 91, "lon": 30.31}, "items": items}),
                "deliveryAddress",
            ),
        ] {
            let (status, res) = post(&app, "/delivery", &[("rqUid", RQ_UID)], &body.to_string()).await;
            assert_eq!(status, 400, "{body} -> {res}");
            seed.assert_response("post", "/delivery", 400, &res);
            assert!(res["message"].as_str().unwrap().contains(message), "{body} -> {res}");
        }
    }
}
