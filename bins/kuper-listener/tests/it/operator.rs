//! The operator API of the real listener: staff see a Kuper order and take
//! the merchant's steps, refused with the flow's reason when out of turn.

use crate::common;

use app::testing::RunningService;
use catalog::demo;
use common::{bearer, post, start_with};
use serde_json::{Value, json};
use storage::testing::TestDatabase;
use storage::{CatalogBatch, DbCatalogRepo};

const OPERATOR: &str = "op-token-31d9";

fn call(service: &RunningService, method: &str, path: &str, token: &str, body: &str) -> (u16, Value) {
    let client = reqwest::blocking::Client::new();
    let request = match method {
        "GET" => client.get(service.url(path)),
        _ => client.post(service.url(path)).body(body.to_owned()),
    };
    let response = request.header("Authorization", format!("Bearer {token}")).send().unwrap();
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

#[test]
fn staff_drive_a_kuper_order_over_http() {
    for t in TestDatabase::each_backend_migrated() {
        let mut catalog = demo::generate(2_000);
        for store in &mut catalog.stores {
            store.opening_hours = "24/7".into();
        }
        let sku = catalog
            .offers
            .iter()
            .find(|o| o.store.as_str() == "STORE-001" && o.stock > 2)
            .unwrap()
            .sku
            .clone();
        let batch = CatalogBatch::from(catalog);
        DbCatalogRepo::write(&mut t.db.get().unwrap(), &batch).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let service = start_with(&t, dir.path(), &[("MERCHANT_KUPER_LISTENER_OPERATOR_TOKEN", OPERATOR)]);
        let created = json!({"event_type": "order.created", "payload": {"originalOrderId": "OP-1", "storeID": "STORE-001",
                              "positions": [{"id": sku.as_str(), "quantity": 1}]}});
        assert_eq!(post(&service, &bearer(), &created.to_string()).unwrap().0, 200);

        let (status, order) = call(&service, "GET", "/operator/kuper/orders/OP-1", OPERATOR, "");
        assert_eq!((status, &order["status"]), (200, &json!("created")), "{order}");
        let (status, done) = call(&service, "POST", "/operator/kuper/orders/OP-1/in_work", OPERATOR, "");
        assert_eq!((status, &done["queued"]), (200, &json!("order.in_work")), "{done}");
        let ready = "/operator/kuper/orders/OP-1/ready_for_delivery";
        let (status, refused) = call(&service, "POST", ready, OPERATOR, "{}");
        assert_eq!(status, 400);
        assert!(refused["error"].as_str().unwrap().contains("final composition"), "{refused}");
        let composition =
            |id: &str| -> String { json!({"order": {"positions": [{"id": id, "quantity": 1}]}}).to_string() };
        let (status, refused) = call(&service, "POST", ready, OPERATOR, &composition(sku.as_str()));
        assert_eq!(status, 409, "not assembled yet: {refused}");
        assert!(refused["error"].as_str().unwrap().contains("not at this point"), "{refused}");
        assert_eq!(call(&service, "POST", "/operator/kuper/orders/OP-1/assembled", OPERATOR, "").0, 200);
        let (status, refused) = call(&service, "POST", ready, OPERATOR, &composition("STRANGER"));
        assert_eq!(status, 422, "{refused}");
        assert!(refused["error"].as_str().unwrap().contains("STRANGER"), "{refused}");
        assert_eq!(call(&service, "POST", ready, OPERATOR, &composition(sku.as_str())).0, 200);
        assert_eq!(call(&service, "POST", "/operator/kuper/orders/OP-1/teleport", OPERATOR, "").0, 400);
        assert_eq!(call(&service, "POST", "/operator/kuper/orders/OP-1/delivering", OPERATOR, "[1]").0, 400);
        assert_eq!(call(&service, "GET", "/operator/kuper/orders/NOPE", OPERATOR, "").0, 404);
        // An id Kuper never sends is unknown, not a storage failure.
        assert_eq!(call(&service, "GET", "/operator/kuper/orders/OP%001", OPERATOR, "").0, 404);
        assert_eq!(call(&service, "POST", "/operator/kuper/orders/OP%001/in_work", OPERATOR, "").0, 404);
        assert_eq!(call(&service, "GET", "/operator/kuper/orders/OP-1", "wrong", "").0, 401);
        let (_, order) = call(&service, "GET", "/operator/kuper/orders/OP-1", OPERATOR, "");
        assert_eq!(order["status"], "ready", "{}", t.db.backend());
        let kinds: Vec<&Value> =
            order["notifications"].as_array().unwrap().iter().map(|n| &n["type"]).collect();
        assert_eq!(json!(kinds), json!(["order.in_work", "order.assembled", "order.ready_for_delivery"]));
        assert_eq!(order["lines"][0]["picked"], "1", "{order}");
        assert!(!service.output().contains(OPERATOR), "the token stays out of the logs");
    }
}

#[test]
fn without_a_token_the_operator_api_is_off() {
    let t = TestDatabase::sqlite();
    t.migrate();
    let dir = tempfile::tempdir().unwrap();
    let service = start_with(&t, dir.path(), &[]);
    assert_eq!(call(&service, "GET", "/operator/kuper/orders/OP-1", "", "").0, 403);
}
