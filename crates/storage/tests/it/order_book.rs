//! The order book on both backends: the orders of both channels in one list,
//! newest first, filtered by channel, store, status and when they are due; a Kuper order's
//! history holds every event in and notification out.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use domain::{Decimal, ManualClock};
use orders::book::BookFilter;
use orders::kuper::flow::StaffAction;
use orders::kuper::{EventNews, KuperInbox, NewKuperOrder, NewLine, ReceivedEvent, StaffRequest};
use storage::testing::TestDatabase;
use storage::{DbKuperInbox, DbOrderBook};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

#[test]
fn both_channels_are_one_book_newest_first() {
    for t in TestDatabase::each_backend_migrated() {
        t.one_store(&[("MILK", 10)]);
        let clock = Arc::new(ManualClock::new(at("2026-11-25T07:00:00Z")));
        let ordering = t.ordering(Arc::clone(&clock) as _, 10);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let mcp =
            runtime.block_on(TestDatabase::pickup_checkout(&ordering, Decimal::ONE, "rq-book")).unwrap();
        let mut new_order = NewKuperOrder::of("S1", vec![NewLine::of("MILK", Decimal::ONE)]);
        new_order.details.delivery = Some(orders::kuper::details::DeliveryWindow {
            expected_from: Some("2026-11-25T12:00:00+03:00".into()),
            expected_to: Some("2026-11-25T14:00:00+03:00".into()),
        });
        let kuper = ReceivedEvent {
            key: "k-book".into(),
            event_type: "order.created".into(),
            original_order_id: "H-BOOK".into(),
            body: "{}".into(),
            received_at: at("2026-11-25T07:05:00Z"),
            new_order: Some(new_order),
            news: EventNews::Nothing,
        };
        runtime.block_on(DbKuperInbox::new(t.db.clone()).receive(&kuper)).unwrap();
        let mut conn = t.db.get().unwrap();
        let request = StaffRequest::step(StaffAction::StartAssembly);
        DbKuperInbox::act(&mut conn, "H-BOOK", &request, at("2026-11-25T07:06:00Z")).unwrap().unwrap();

        let backend = t.db.backend();
        let all = DbOrderBook::list(&mut conn, &BookFilter::default(), 10).unwrap();
        let seen: Vec<(&str, Option<&str>, &str)> =
            all.iter().map(|e| (e.channel.as_str(), e.external_id.as_deref(), e.status.as_str())).collect();
        assert_eq!(seen, [("kuper", Some("H-BOOK"), "in_work"), ("mcp", None, "new")], "{backend}");
        assert_eq!(all[1].id, mcp.id.as_str());
        assert!(all.iter().all(|e| e.store == "S1"));
        let only =
            |filter: BookFilter| DbOrderBook::list(&mut t.db.get().unwrap(), &filter, 10).unwrap().len();
        assert_eq!(only(BookFilter { channel: Some("mcp".into()), ..BookFilter::default() }), 1);
        assert_eq!(only(BookFilter { channel: Some("kuper".into()), ..BookFilter::default() }), 1);
        assert_eq!(only(BookFilter { store: Some("S2".into()), ..BookFilter::default() }), 0);
        assert_eq!(only(BookFilter { status: Some("in_work".into()), ..BookFilter::default() }), 1);
        assert_eq!(only(BookFilter { within: Some(vec!["S1".into()]), ..BookFilter::default() }), 2);
        assert_eq!(only(BookFilter { within: Some(vec!["S2".into()]), ..BookFilter::default() }), 0);
        assert_eq!(DbOrderBook::list(&mut conn, &BookFilter::default(), 1).unwrap().len(), 1, "the limit");
        // Due: the MCP slot's start, the Kuper window's start.
        assert_eq!(all[0].due_at, Some(at("2026-11-25T09:00:00Z")), "{backend}");
        assert_eq!(all[1].due_at, Some(mcp.slot.starts_at), "{backend}");
        let due_by = |by: DateTime<Utc>| only(BookFilter { due_by: Some(by), ..BookFilter::default() });
        assert_eq!(due_by(at("2026-11-25T09:00:00Z").max(mcp.slot.starts_at)), 2, "{backend}");
        assert_eq!(due_by(at("2026-11-25T08:59:00Z").min(mcp.slot.starts_at - Duration::minutes(1))), 0);

        // The live queue's mark moves with a status change, and only for
        // the stores it watches.
        let mark = |filter: &BookFilter| DbOrderBook::stamp(&mut t.db.get().unwrap(), filter).unwrap();
        let elsewhere = BookFilter { within: Some(vec!["S2".into()]), ..BookFilter::default() };
        let (before, before_elsewhere) = (mark(&BookFilter::default()), mark(&elsewhere));
        assert_eq!(before, mark(&BookFilter::default()), "{backend}: steady");
        let request = StaffRequest::step(StaffAction::Assembled);
        DbKuperInbox::act(&mut conn, "H-BOOK", &request, at("2026-11-25T07:07:00Z")).unwrap().unwrap();
        assert_ne!(mark(&BookFilter::default()), before, "{backend}: a status moved");
        assert_eq!(mark(&elsewhere), before_elsewhere, "{backend}: not this picker's store");

        let view = DbKuperInbox::order(&mut conn, "H-BOOK").unwrap().unwrap();
        let history: Vec<(&str, &str, &str)> =
            view.history.iter().map(|h| (h.direction, h.kind.as_str(), h.outcome.as_str())).collect();
        assert_eq!(
            history,
            [
                ("in", "order.created", "applied"),
                ("out", "order.in_work", "pending"),
                ("out", "order.assembled", "pending")
            ],
            "{backend}"
        );
        assert!(view.history[0].at < view.history[1].at + Duration::seconds(1));
    }
}
