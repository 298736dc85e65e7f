//! The real listener sends what it queued: an order it cannot take is
//! answered created and its `order.canceled` reaches (a fake) Kuper.

use crate::common;

use std::time::{Duration, Instant};

use common::{bearer, created, post, start_with};
use serde_json::json;
use storage::testing::TestDatabase;

#[test]
fn a_refused_order_s_cancellation_reaches_kuper() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    for t in TestDatabase::each_backend_migrated() {
        let kuper = runtime.block_on(kuper_client::testing::accepting_kuper());
        let dir = tempfile::tempdir().unwrap();
        let uri = kuper.uri();
        let service = start_with(
            &t,
            dir.path(),
            &[
                ("MERCHANT_KUPER_BASE_URL", &uri),
                ("MERCHANT_KUPER_CLIENT_ID", "merchant"),
                ("MERCHANT_KUPER_CLIENT_SECRET", "kuper-secret"),
                ("MERCHANT_KUPER_DISPATCH_INTERVAL_MS", "100"),
            ],
        );
        // No catalog: the store is unknown, the order is refused.
        let (status, reply) = post(&service, &bearer(), &created("H-refused")).unwrap();
        assert_eq!((status, &reply["status"]), (200, &json!("created")));
        let deadline = Instant::now() + Duration::from_secs(20);
        let sent = loop {
            let sent = runtime.block_on(kuper_client::testing::notifications(&kuper));
            if !sent.is_empty() || Instant::now() > deadline {
                break sent;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        assert_eq!(sent.len(), 1, "{}: {}", t.db.backend(), service.output());
        assert_eq!(sent[0]["event"]["type"], "order.canceled");
        assert_eq!(sent[0]["event"]["payload"]["order_id"], "H-refused");
        assert_eq!(sent[0]["event"]["payload"]["number"], reply["number"]);
        assert!(!service.output().contains("kuper-secret"), "the secret stays out of the logs");
        let metrics = reqwest::blocking::get(service.url("/metrics")).unwrap().text().unwrap();
        let sent = metrics.lines().any(|l| {
            l.starts_with("merchant_kuper_outbox_notifications{")
                && l.contains("state=\"sent\"")
                && l.ends_with(" 1")
        });
        assert!(sent, "the backlog is a gauge by state:\n{metrics}");
    }
}
