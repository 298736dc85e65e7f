//! The Kuper outbox as dispatchers claim it, on both backends: one
//! notification per order at a time and in order, a lease that keeps others
//! off until it runs out, and concurrent claimers that never take the same row.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use domain::Decimal;
use orders::kuper::flow::StaffAction;
use orders::kuper::{EventNews, KuperInbox, NewKuperOrder, NewLine, ReceivedEvent, StaffRequest};
use storage::testing::TestDatabase;
use storage::{DbKuperInbox, DbKuperOutbox, OutboxItem};

fn morning() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T07:00:00Z").unwrap().with_timezone(&Utc)
}

/// `orders` Kuper orders at S1, each with `order.in_work` and
/// `order.assembled` queued.
fn queue(t: &TestDatabase, orders: usize) {
    t.one_store(&[("MILK", 1_000_000)]);
    let inbox = DbKuperInbox::new(t.db.clone());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    for n in 0..orders {
        let original = format!("H{n}");
        let event = ReceivedEvent {
            key: format!("k-{n}"),
            event_type: "order.created".into(),
            original_order_id: original.clone(),
            body: "{}".into(),
            received_at: morning(),
            news: EventNews::Nothing,
            new_order: Some(NewKuperOrder::of("S1", vec![NewLine::of("MILK", Decimal::ONE)])),
        };
        runtime.block_on(inbox.receive(&event)).unwrap();
        for action in [StaffAction::StartAssembly, StaffAction::Assembled] {
            DbKuperInbox::act(&mut t.db.get().unwrap(), &original, &StaffRequest::step(action), morning())
                .unwrap()
                .unwrap();
        }
    }
}

fn claim(t: &TestDatabase, at: DateTime<Utc>, limit: i64) -> Vec<OutboxItem> {
    DbKuperOutbox::claim(&mut t.db.get().unwrap(), at, Duration::seconds(30), limit).unwrap()
}

#[test]
fn each_order_s_oldest_notification_is_claimed_once_until_its_lease_runs_out() {
    for t in TestDatabase::each_backend_migrated() {
        queue(&t, 3);
        let first = claim(&t, morning(), 10);
        let kinds: Vec<(&str, &str)> = first.iter().map(|i| (i.order_id.as_str(), i.kind.as_str())).collect();
        assert_eq!(kinds.len(), 3, "{}: one per order: {kinds:?}", t.db.backend());
        assert!(first.iter().all(|i| i.kind == "order.in_work"), "{kinds:?}");
        assert!(first.windows(2).all(|w| w[0].id < w[1].id), "oldest first");
        assert!(claim(&t, morning(), 10).is_empty(), "{}: leased, and their successors wait", t.db.backend());

        // One is sent: its order's next notification is due; the others are
        // still leased.
        DbKuperOutbox::sent_all(&mut t.db.get().unwrap(), &[first[0].id], morning()).unwrap();
        let next = claim(&t, morning(), 10);
        assert_eq!(next.len(), 1, "{}", t.db.backend());
        assert_eq!(
            (next[0].order_id.as_str(), next[0].kind.as_str()),
            (first[0].order_id.as_str(), "order.assembled")
        );

        // A dispatcher that died: its leases run out and the rows come back.
        let later = claim(&t, morning() + Duration::seconds(31), 10);
        assert_eq!(later.len(), 3, "{}", t.db.backend());
        assert!(later.iter().any(|i| i.id == first[1].id) && later.iter().any(|i| i.id == first[2].id));
    }
}

#[test]
fn concurrent_claimers_never_take_the_same_notification() {
    for t in TestDatabase::each_backend_migrated() {
        queue(&t, 40);
        let claimed: Vec<Vec<OutboxItem>> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..6).map(|_| s.spawn(|| claim(&t, morning(), 5))).collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        let all: Vec<i64> = claimed.iter().flatten().map(|i| i.id).collect();
        let distinct: HashSet<i64> = all.iter().copied().collect();
        assert_eq!(all.len(), distinct.len(), "{}: a row was claimed twice", t.db.backend());
        assert_eq!(all.len(), 30, "{}: every claimer got a full batch", t.db.backend());
        let orders: HashSet<&str> = claimed.iter().flatten().map(|i| i.order_id.as_str()).collect();
        assert_eq!(orders.len(), 30, "one notification per order in flight");
    }
}
