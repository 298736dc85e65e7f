//! The order lifecycle through the real `mcp-api` binary, as an MCP server
//! walks it: sign-in, search, delivery options, checkout, status; on SQLite
//! and PostgreSQL, every body checked against the seed spec.

use crate::common;
use crate::seed;

use std::sync::Arc;

use catalog::demo;
use common::call;
use domain::SystemClock;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use storage::testing::TestDatabase;
use storage::{CatalogBatch, DbCatalogRepo};

const RQ_UID: &str = "6f0e1a52-3c9b-4c53-9a52-1f4bd54a2c11";
const OTHER_RQ_UID: &str = "0b3f4c1e-8a2d-4e6f-9b1a-2c3d4e5f6a7b";

#[test]
fn an_mcp_server_signs_in_searches_chooses_a_slot_checks_out_and_follows_the_order() {
    let seed = seed::Seed::load();
    for t in TestDatabase::each_backend_migrated() {
        let catalog = demo::generate(2_000);
        let batch = CatalogBatch::from(catalog.clone());
        DbCatalogRepo::write(&mut t.db.get().unwrap(), &batch).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let authenticator = t.authenticator(Arc::new(SystemClock));
        let (_, token) = runtime.block_on(authenticator.create_client("e2e-mcp")).unwrap();
        let client = format!("Bearer {}", token.expose_secret());
        let dir = tempfile::tempdir().unwrap();
        let mut service = common::start(
            &t.raw_url,
            dir.path(),
            &[
                ("MERCHANT_TOKEN_INTROSPECTION_MODE", "sandbox"),
                ("MERCHANT_ORDERS_MAX_UNPAID_PER_SHOPPER", "2"),
            ],
        );
        let auth = [("authorization", client.as_str())];

        let (status, login) =
            call(&service, "/auth/other", RQ_UID, &auth, &json!({"token": "sandbox:e2e-shopper"}));
        assert_eq!(status, 200, "{login}");
        seed.assert_response("post", "/auth/other", 200, &login);
        let credentials =
            json!({"authType": "oauth2", "oauth2": client, "accessToken": login["accessToken"]});

        let store = &catalog.stores[0];
        let home = (store.location.lat() + 0.002, store.location.lon());
        let (status, found) = call(
            &service,
            "/search",
            RQ_UID,
            &[],
            &json!({"lat": home.0, "lon": home.1, "query": "молоко", "maxResult": 5}),
        );
        assert_eq!(status, 200, "{found}");
        seed.assert_response("post", "/search", 200, &found);
        let item = found["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["availToDelivery"] == true && i["stock"].as_i64().unwrap() >= 2)
            .expect("a deliverable milk")
            .clone();

        let items =
            json!([{"skuId": item["skuId"], "quantity": 2, "unit": item["unit"], "price": item["price"]}]);
        let (status, options) = call(
            &service,
            "/delivery",
            RQ_UID,
            &[],
            &json!({"shipping": "delivery", "deliveryAddress": {"lat": home.0, "lon": home.1}, "items": items, "credentials": credentials}),
        );
        assert_eq!(status, 200, "{options}");
        seed.assert_response("post", "/delivery", 200, &options);
        let slot = options["options"][0].clone();
        assert!(slot["startsAt"].as_str().unwrap().ends_with("+03:00"), "store-local time: {slot}");

        let checkout = json!({
            "items": items,
            "storeId": options["storeId"],
            "shipping": "delivery",
            "deliveryAdress": {"lat": home.0, "lon": home.1, "fullAddress": "Москва, Тверская, 1"},
            "shippingOptions": slot,
            "credentials": credentials,
        });
        let (status, created) = call(&service, "/checkout", RQ_UID, &[], &checkout);
        assert_eq!(status, 200, "{created}");
        seed.assert_response("post", "/checkout", 200, &created);
        let order_id = created["orderId"].as_str().unwrap();
        assert_eq!(created["paymentDetails"]["amount"], slot["orderPrice"]);
        let (_, again) = call(&service, "/checkout", RQ_UID, &[], &checkout);
        assert_eq!(again["orderId"], order_id, "a retry is the same order");
        // The seed's rqUid traces a chain of operations: reused with another
        // body it is another checkout (logged), never a 409.
        let mut other = checkout.clone();
        other["items"][0]["quantity"] = json!(1);
        other["shippingOptions"]["orderPrice"] = serde_json::Value::Null;
        let (status, second) = call(&service, "/checkout", RQ_UID, &[], &other);
        assert_eq!(status, 200, "{second}");
        seed.assert_response("post", "/checkout", 200, &second);
        assert_ne!(second["orderId"], order_id);
        let (_, second_again) = call(&service, "/checkout", RQ_UID, &[], &other);
        assert_eq!(second_again["orderId"], second["orderId"], "and is retried as itself");
        // A third unpaid order is past this shopper's cap: a 409 saying why.
        let (status, refused) = call(&service, "/checkout", OTHER_RQ_UID, &[], &other);
        assert_eq!((status, &refused["code"]), (409, &json!("409")), "{refused}");
        assert!(refused["message"].as_str().unwrap().contains("2 unpaid orders"), "{refused}");

        let response = reqwest::blocking::Client::new()
            .get(service.url(&format!("/order/{order_id}/status")))
            .header("authorization", client.as_str())
            .header("X-Access-Token", login["accessToken"].as_str().unwrap())
            .send()
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let status: Value = response.json().unwrap();
        seed.assert_response("get", "/order/{orderId}/status", 200, &status);
        assert_eq!(status["status"], "new");
        let missing =
            reqwest::blocking::get(service.url("/order/ord_ffffffffffffffffffffffffffffffff/status"))
                .unwrap();
        assert_eq!(missing.status().as_u16(), 404);
        seed.assert_response("get", "/order/{orderId}/status", 404, &missing.json().unwrap());
        assert!(service.terminate().success(), "{}", service.output());
    }
}
