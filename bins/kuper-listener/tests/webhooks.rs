//! Kuper's webhooks against the real `kuper-listener` binary on both
//! backends: authentication, bad bodies, deduplication, and no acknowledged
//! webhook lost to a SIGKILL.

mod common;

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
