//! The Kuper inbox on both backends: once per event key, the same reply to
//! every retry, one order number per Kuper order, under concurrency too.

use chrono::Utc;
use orders::kuper::{KuperInbox, ReceivedEvent, Reply};
use storage::DbKuperInbox;
use storage::testing::TestDatabase;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().unwrap()
}

fn event(key: &str, event_type: &str, order: &str) -> ReceivedEvent {
    ReceivedEvent {
        key: key.into(),
        event_type: event_type.into(),
        original_order_id: order.into(),
        body: format!(r#"{{"event_type":"{event_type}","payload":{{"originalOrderId":"{order}"}}}}"#),
        received_at: Utc::now(),
    }
}

#[test]
fn an_event_is_stored_once_and_every_retry_gets_the_first_reply() {
    for t in TestDatabase::each_backend_migrated() {
        let inbox = DbKuperInbox::new(t.db.clone());
        runtime().block_on(async {
            let first = inbox.receive(&event("k1", "order.created", "H1")).await.unwrap();
            assert!(!first.duplicate);
            let Reply::Created { number } = &first.reply else { panic!("{first:?}") };
            assert!(number.as_str().starts_with("ord_"));
            let again = inbox.receive(&event("k1", "order.created", "H1")).await.unwrap();
            assert_eq!((again.duplicate, &again.reply), (true, &first.reply));
            // The same Kuper order created again under another key: same number.
            let other = inbox.receive(&event("k2", "order.created", "H1")).await.unwrap();
            assert_eq!((other.duplicate, &other.reply), (false, &first.reply), "{}", t.db.backend());
            let paid = inbox.receive(&event("k3", "order.paid", "H1")).await.unwrap();
            assert_eq!(paid.reply, Reply::Stored);
        });
        assert_eq!(DbKuperInbox::count(&mut t.db.get().unwrap(), "k1").unwrap(), 1);
    }
}

#[test]
fn concurrent_deliveries_of_one_event_store_it_once() {
    for t in TestDatabase::each_backend_migrated() {
        let inbox = DbKuperInbox::new(t.db.clone());
        let receipts = runtime().block_on(async {
            let tasks: Vec<_> = (0..8)
                .map(|_| {
                    let inbox = inbox.clone();
                    tokio::spawn(async move { inbox.receive(&event("same", "order.created", "H9")).await })
                })
                .collect();
            let mut receipts = Vec::new();
            for task in tasks {
                receipts.push(task.await.unwrap().unwrap());
            }
            receipts
        });
        assert_eq!(receipts.iter().filter(|r| !r.duplicate).count(), 1, "{}", t.db.backend());
        assert!(receipts.iter().all(|r| r.reply == receipts[0].reply));
        assert_eq!(DbKuperInbox::count(&mut t.db.get().unwrap(), "same").unwrap(), 1);
    }
}
