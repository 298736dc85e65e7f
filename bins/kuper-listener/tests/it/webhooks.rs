//! Kuper's webhooks against the real `kuper-listener` binary on both
//! backends: authentication, bad bodies, deduplication, and no acknowledged
//! webhook lost to a SIGKILL.

use crate::common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{bearer, created, post, start};
use kuper_client::webhook::Webhook;
use serde_json::{Value, json};
use storage::DbKuperInbox;
use storage::testing::TestDatabase;

fn assert_kuper_error(body: &Value, field: &str) {
    let errors = body["errors"].as_array().unwrap_or_else(|| panic!("not Kuper's error shape: {body}"));
    assert_eq!(errors[0]["field"], field, "{body}");
    assert!(errors[0]["type"].is_string() && errors[0]["message"].is_string(), "{body}");
}

#[test]
fn webhooks_are_authenticated_checked_stored_and_deduplicated() {
    for t in TestDatabase::each_backend_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let mut service = start(&t, dir.path());
        for auth in ["Bearer wrong", "", "Basic a3VwZXI6d2gtc2VjcmV0LTViMWYwZTc3YzI="] {
            let (status, body) = post(&service, auth, &created("H1")).unwrap();
            assert_eq!(status, 401, "{auth:?}");
            assert_kuper_error(&body, "Authorization");
        }
        for (body, field) in [
            ("{", "body"),
            (r#"{"event_type": "order.paid", "payload": {}}"#, "payload.originalOrderId"),
            (r#"{"payload": {"originalOrderId": "H1"}}"#, "event_type"),
            (r#"{"event_type": "order.created", "payload": {"storeID": "1"}}"#, "payload.originalOrderId"),
        ] {
            let (status, answer) = post(&service, &bearer(), body).unwrap();
            assert_eq!(status, 400, "{body}");
            assert_kuper_error(&answer, field);
        }
        let huge = json!({"event_type": "order.paid", "payload": {"originalOrderId": "H1", "pad": "x".repeat(5000)}});
        let (status, answer) = post(&service, &bearer(), &huge.to_string()).unwrap();
        assert_eq!(status, 400);
        assert_kuper_error(&answer, "body");

        let (status, first) = post(&service, &bearer(), &created("H1")).unwrap();
        assert_eq!(status, 200, "{first}");
        assert_eq!(first["status"], "created");
        assert!(first["number"].as_str().unwrap().starts_with("ord_"));
        let (status, again) = post(&service, &bearer(), &created("H1")).unwrap();
        assert_eq!((status, &again), (200, &first), "a retry gets the same answer");
        let unknown = r#"{"event_type": "order.teleported", "payload": {"originalOrderId": 77}}"#;
        assert_eq!(
            post(&service, &bearer(), unknown).unwrap().0,
            200,
            "unknown events are kept, not refused"
        );
        let (status, body) = post(
            &service,
            &bearer(),
            r#"{"event_type": "order.paid", "payload": {"originalOrderId": "H-none"}}"#,
        )
        .unwrap();
        assert_eq!(
            (status, &body["status"]),
            (200, &json!("ok")),
            "an event before its order is kept: {body}"
        );
        let key = Webhook::parse(created("H1").as_bytes()).unwrap().key;
        assert_eq!(DbKuperInbox::count(&mut t.db.get().unwrap(), &key).unwrap(), 1, "{}", t.db.backend());
        assert!(service.terminate().success());
    }
}

#[test]
fn no_acknowledged_webhook_is_lost_to_a_sigkill() {
    for t in TestDatabase::each_backend_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let mut service = start(&t, dir.path());
        let url = service.url("/kuper/webhooks");
        let acked: Arc<Mutex<Vec<String>>> = Arc::default();
        let sender = {
            let acked = Arc::clone(&acked);
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::new();
                for i in 0..100_000 {
                    let body = created(&format!("H{i}"));
                    let sent = client
                        .post(&url)
                        .header("Authorization", bearer())
                        .timeout(Duration::from_secs(5))
                        .body(body.clone())
                        .send();
                    match sent {
                        Ok(r) if r.status() == 200 => acked.lock().unwrap().push(body),
                        Ok(r) => panic!("answered {}", r.status()),
                        Err(_) => return, // the listener is gone
                    }
                }
            })
        };
        // Let a stream build up, then pull the plug mid-stream.
        while acked.lock().unwrap().len() < 200 {
            assert!(!sender.is_finished(), "the sender stopped before the crash");
            std::thread::sleep(Duration::from_millis(5));
        }
        service.kill();
        sender.join().unwrap();
        let acked = acked.lock().unwrap().clone();
        assert!(acked.len() >= 200);

        let service = start(&t, dir.path());
        let mut conn = t.db.get().unwrap();
        for body in &acked {
            let hook = Webhook::parse(body.as_bytes()).unwrap();
            assert_eq!(
                DbKuperInbox::count(&mut conn, &hook.key).unwrap(),
                1,
                "{}: {body} was acked",
                t.db.backend()
            );
            // Applied with it: the order exists (canceled: the test has no
            // catalog) with its cancellation queued once.
            let order = DbKuperInbox::order(&mut conn, &hook.original_order_id).unwrap().expect("applied");
            assert_eq!(order.notifications.len(), 1);
        }
        // Kuper retries whatever it is unsure of: the inbox takes it once.
        for body in acked.iter().rev().take(20) {
            assert_eq!(post(&service, &bearer(), body).unwrap().0, 200);
        }
        for body in acked.iter().rev().take(20) {
            let key = Webhook::parse(body.as_bytes()).unwrap().key;
            assert_eq!(DbKuperInbox::count(&mut conn, &key).unwrap(), 1);
        }
    }
}

/// What can never be stored is Kuper's 400, before anything is stored (a
/// 503 would have Kuper retry it forever); a fraction of a piece is an
/// order taken canceled with the reason.
#[test]
fn input_that_can_never_succeed_is_refused_once_not_retried_forever() {
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        let mut catalog = catalog::demo::generate(500);
        for store in &mut catalog.stores {
            store.opening_hours = "24/7".into();
        }
        let mut conn = t.db.get().unwrap();
        storage::DbCatalogRepo::write(&mut conn, &storage::CatalogBatch::from(catalog)).unwrap();
        let kuper_delivery = orders::kuper::flow::IntegrationType::KuperDelivery;
        DbKuperInbox::set_store(&mut conn, "STORE-001", kuper_delivery, false, None).unwrap();
        let dir = tempfile::tempdir().unwrap();
        // The default body limit (1 MB): the limits below are ours, not the
        // HTTP layer's.
        let service = common::start_with(&t, dir.path(), &[]);
        let order = |original: Value, store: Value, positions: Value| {
            json!({"event_type": "order.created", "payload": {
                "originalOrderId": original, "storeID": store, "positions": positions}})
            .to_string()
        };
        let one = json!([{"id": "SKU-000001", "quantity": 1}]);
        let many: Vec<Value> =
            (0..10_000).map(|i| json!({"id": format!("SKU-{i:06}"), "quantity": 1})).collect();
        for (body, field) in [
            (order(json!("H\u{0}1"), json!("STORE-001"), one.clone()), "payload.originalOrderId"),
            (order(json!("H-NUL-STORE"), json!("STORE\u{0}001"), one.clone()), "payload.storeID"),
            (
                order(json!("H-NUL-POS"), json!("STORE-001"), json!([{"id": "SKU\u{0}1", "quantity": 1}])),
                "payload.positions[0].id",
            ),
            (order(json!("H".repeat(500_000)), json!("STORE-001"), one.clone()), "payload.originalOrderId"),
            (order(json!("H-MANY"), json!("STORE-001"), json!(many)), "payload.positions"),
            (
                json!({"event_type": "order.paid", "payload": {"originalOrderId": "H-PAID", "note": "a\u{0}b"}})
                    .to_string(),
                "payload.note",
            ),
        ] {
            let (status, answer) = post(&service, &bearer(), &body).unwrap();
            assert_eq!(status, 400, "{backend}: {field}: {answer}");
            assert_kuper_error(&answer, field);
        }
        let mut conn = t.db.get().unwrap();
        assert!(DbKuperInbox::list(&mut conn, 10).unwrap().is_empty(), "{backend}: nothing stored");

        // Half a loaf: taken (Kuper expects `created`), canceled with why.
        let half = order(json!("H-HALF"), json!("STORE-001"), json!([{"id": "SKU-000001", "quantity": 0.5}]));
        let (status, answer) = post(&service, &bearer(), &half).unwrap();
        assert_eq!((status, answer["status"].as_str()), (200, Some("created")), "{backend}: {answer}");
        let view = DbKuperInbox::order(&mut conn, "H-HALF").unwrap().unwrap();
        assert_eq!(view.status.as_str(), "canceled", "{backend}");
        let reason = view.details.cancel.as_ref().and_then(|c| c.comment.clone()).unwrap_or_default();
        assert!(reason.contains("not a whole number of pieces"), "{backend}: {reason}");
        assert!(view.lines.iter().all(|l| l.held.is_zero()), "{backend}: nothing held");
        assert_eq!(view.on_the_way(), ["order.canceled"], "{backend}");
    }
}
