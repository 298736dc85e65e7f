//! The Kuper inbox on both backends: once per event key with the same reply
//! to every retry, one order number per Kuper order, and each event applied
//! to its order by the flow in the same transaction.

use chrono::{DateTime, Utc};
use domain::{Decimal, SkuId};
use orders::kuper::flow::{IntegrationType, KuperStatus};
use orders::kuper::{EventNews, KuperInbox, NewKuperOrder, NewLine, ReceivedEvent, Reply};
use storage::testing::TestDatabase;
use storage::{DbCatalogRepo, DbKuperInbox};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().unwrap()
}

/// 10:00 in Moscow: the store is open.
fn morning() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T07:00:00Z").unwrap().with_timezone(&Utc)
}

fn event(key: &str, event_type: &str, order: &str) -> ReceivedEvent {
    ReceivedEvent {
        key: key.into(),
        event_type: event_type.into(),
        original_order_id: order.into(),
        body: format!(r#"{{"event_type":"{event_type}","payload":{{"originalOrderId":"{order}"}}}}"#),
        received_at: morning(),
        new_order: None,
        news: EventNews::Nothing,
    }
}

fn created(key: &str, order: &str, store: &str, lines: &[(&str, i64)]) -> ReceivedEvent {
    ReceivedEvent {
        new_order: Some(NewKuperOrder::of(
            store,
            lines.iter().map(|(sku, n)| NewLine::of(sku, Decimal::from(*n))).collect(),
        )),
        ..event(key, "order.created", order)
    }
}

/// Store S1 with MILK (5 in stock) and BREAD (none).
fn catalog(t: &TestDatabase) {
    t.one_store(&[("MILK", 5), ("BREAD", 0)]);
}

fn milk(t: &TestDatabase) -> i64 {
    let repo = DbCatalogRepo::new(t.db.clone());
    let offers = runtime()
        .block_on(catalog::CatalogRepo::offers(&repo, &[SkuId::new("MILK").unwrap()], None))
        .unwrap();
    offers[0].stock
}

fn view(t: &TestDatabase, order: &str) -> storage::KuperOrderView {
    DbKuperInbox::order(&mut t.db.get().unwrap(), order).unwrap().expect("the order exists")
}

#[test]
fn an_event_is_stored_once_and_every_retry_gets_the_first_reply() {
    for t in TestDatabase::each_backend_migrated() {
        catalog(&t);
        let inbox = DbKuperInbox::new(t.db.clone());
        runtime().block_on(async {
            let first = inbox.receive(&created("k1", "H1", "S1", &[("MILK", 2)])).await.unwrap();
            assert!(!first.duplicate);
            let Reply::Created { number, .. } = &first.reply else { panic!("{first:?}") };
            assert!(number.as_str().starts_with("ord_"));
            let again = inbox.receive(&created("k1", "H1", "S1", &[("MILK", 2)])).await.unwrap();
            assert_eq!((again.duplicate, &again.reply), (true, &first.reply));
            // The same Kuper order created again under another key: same number, no second order.
            let other = inbox.receive(&created("k2", "H1", "S1", &[("MILK", 1)])).await.unwrap();
            assert_eq!((other.duplicate, &other.reply), (false, &first.reply), "{}", t.db.backend());
        });
        assert_eq!(milk(&t), 3, "{}: reserved once", t.db.backend());
        let mut conn = t.db.get().unwrap();
        assert_eq!(DbKuperInbox::count(&mut conn, "k1").unwrap(), 1);
        assert_eq!(
            DbKuperInbox::state(&mut conn, "k2").unwrap().unwrap().1.as_deref(),
            Some("the order exists already")
        );
    }
}

#[test]
fn a_kuper_delivery_order_goes_all_the_way_and_late_events_are_only_recorded() {
    for t in TestDatabase::each_backend_migrated() {
        catalog(&t);
        DbKuperInbox::set_store(
            &mut t.db.get().unwrap(),
            "S1",
            IntegrationType::KuperDelivery,
            false,
            Some(25),
        )
        .unwrap();
        let inbox = DbKuperInbox::new(t.db.clone());
        runtime().block_on(async {
            let reply = inbox.receive(&created("c", "H7", "S1", &[("MILK", 2)])).await.unwrap().reply;
            let Reply::Created { expected_assembly_time, .. } = reply else { panic!() };
            assert_eq!(expected_assembly_time.as_deref(), Some("2026-11-25T07:25:00+00:00"));
            // Paid comes before our ready_for_delivery: taken anyway.
            for (key, kind) in [
                ("p", "order.paid"),
                ("a", "courier.assigned"),
                ("r", "order.received"),
                ("d", "order.delivering"),
                ("x", "order.delivered"),
            ] {
                assert_eq!(inbox.receive(&event(key, kind, "H7")).await.unwrap().reply, Reply::Stored);
            }
            // A late retry of an earlier event, and a cancel after delivery.
            inbox.receive(&event("r-again", "order.received", "H7")).await.unwrap();
            inbox.receive(&event("cancel", "order.canceled", "H7")).await.unwrap();
        });
        let order = view(&t, "H7");
        assert_eq!((order.status, order.paid), (KuperStatus::Delivered, true), "{}", t.db.backend());
        assert_eq!(milk(&t), 3, "delivered goods stay sold");
        let mut conn = t.db.get().unwrap();
        assert_eq!(
            DbKuperInbox::state(&mut conn, "cancel").unwrap().unwrap(),
            ("recorded".into(), Some("the order is closed".into()))
        );
    }
}

#[test]
fn a_cancel_from_kuper_puts_the_stock_back() {
    for t in TestDatabase::each_backend_migrated() {
        catalog(&t);
        let inbox = DbKuperInbox::new(t.db.clone());
        runtime().block_on(inbox.receive(&created("c", "H8", "S1", &[("MILK", 4)]))).unwrap();
        assert_eq!(milk(&t), 1);
        runtime().block_on(async {
            inbox.receive(&event("x", "order.canceled", "H8")).await.unwrap();
            inbox.receive(&event("x2", "order.canceled", "H8")).await.unwrap();
        });
        assert_eq!(view(&t, "H8").status, KuperStatus::Canceled);
        assert_eq!(milk(&t), 5, "{}: released once", t.db.backend());
    }
}

#[test]
fn an_order_we_cannot_take_is_created_canceled_with_a_notification_queued() {
    for t in TestDatabase::each_backend_migrated() {
        catalog(&t);
        let inbox = DbKuperInbox::new(t.db.clone());
        runtime().block_on(async {
            for (key, order, store, lines) in [
                ("u", "H-unknown-store", "NOWHERE", vec![("MILK", 1)]),
                ("n", "H-nothing", "S1", vec![("BREAD", 1), ("CAVIAR", 1)]),
            ] {
                let receipt = inbox.receive(&created(key, order, store, &lines)).await.unwrap();
                assert!(matches!(receipt.reply, Reply::Created { .. }), "Kuper hears created all the same");
            }
            let mut closed = created("late", "H-night", "S1", &[("MILK", 1)]);
            closed.received_at =
                DateTime::parse_from_rfc3339("2026-11-25T21:00:00Z").unwrap().with_timezone(&Utc);
            inbox.receive(&closed).await.unwrap();
        });
        for order in ["H-unknown-store", "H-nothing", "H-night"] {
            let view = view(&t, order);
            assert_eq!(view.status, KuperStatus::Canceled, "{order}");
            let queued: Vec<&str> = view.notifications.iter().map(|n| n.kind.as_str()).collect();
            assert_eq!(queued, ["order.canceled"], "{order}");
            assert!(view.lines.iter().all(|l| l.held.is_zero()));
            assert_eq!(view.details.cancel.as_ref().map(|c| c.by.as_str()), Some("merchant"), "{order}");
        }
        assert_eq!(milk(&t), 5, "{}", t.db.backend());
    }
}

#[test]
fn an_event_before_its_order_is_kept_and_applied_when_the_order_comes() {
    for t in TestDatabase::each_backend_migrated() {
        catalog(&t);
        let inbox = DbKuperInbox::new(t.db.clone());
        runtime().block_on(async {
            assert_eq!(inbox.receive(&event("p", "order.paid", "H9")).await.unwrap().reply, Reply::Stored);
            assert_eq!(DbKuperInbox::state(&mut t.db.get().unwrap(), "p").unwrap().unwrap().0, "waiting");
            inbox.receive(&created("c", "H9", "S1", &[("MILK", 1)])).await.unwrap();
            assert!(view(&t, "H9").paid, "{}: applied with the order, no retry needed", t.db.backend());
            assert_eq!(DbKuperInbox::state(&mut t.db.get().unwrap(), "p").unwrap().unwrap().0, "applied");
            let retry = inbox.receive(&event("p", "order.paid", "H9")).await.unwrap();
            assert_eq!((retry.duplicate, retry.reply), (true, Reply::Stored));
        });
        assert_eq!(DbKuperInbox::count(&mut t.db.get().unwrap(), "p").unwrap(), 1);
    }
}

#[test]
fn concurrent_deliveries_of_one_event_store_and_apply_it_once() {
    for t in TestDatabase::each_backend_migrated() {
        catalog(&t);
        let inbox = DbKuperInbox::new(t.db.clone());
        let receipts = runtime().block_on(async {
            let tasks: Vec<_> = (0..8)
                .map(|_| {
                    let inbox = inbox.clone();
                    tokio::spawn(
                        async move { inbox.receive(&created("same", "H10", "S1", &[("MILK", 1)])).await },
                    )
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
        assert_eq!(milk(&t), 4);
    }
}

/// A store's Kuper setting that cannot be read is a corrupt row: the order
/// is not taken under a guessed integration type, and nothing is written.
#[test]
fn an_unreadable_integration_type_is_a_corrupt_row_not_a_guess() {
    use diesel::RunQueryDsl;
    for t in TestDatabase::each_backend_migrated() {
        catalog(&t);
        diesel::sql_query(
            "INSERT INTO kuper_stores (store_id, integration, restaurant, position_ids) VALUES ('S1', 'bogus', false, 'sku')",
        )
        .execute(&mut *t.db.get().unwrap())
        .unwrap();
        let inbox = DbKuperInbox::new(t.db.clone());
        let result = runtime().block_on(inbox.receive(&created("k1", "H1", "S1", &[("MILK", 2)])));
        match result {
            Err(orders::RepoError::Corrupt { row, .. }) => {
                assert!(row.contains("kuper_stores.integration"), "{}: {row}", t.db.backend());
            }
            other => panic!("{}: {other:?}", t.db.backend()),
        }
        assert_eq!(milk(&t), 5, "{}: nothing reserved", t.db.backend());
        assert_eq!(DbKuperInbox::count(&mut t.db.get().unwrap(), "k1").unwrap(), 0);
    }
}
