//! The staff desk (`crates/staff-desk`) over real storage, on both
//! backends: who may see and do what, and that every step taken (and only
//! a step taken) is in the audit trail. Here rather than in the desk's own
//! `tests/`: one test binary fewer to link after every change below.

use std::sync::Arc;

use domain::{Clock, Decimal, SystemClock};
use identity::staff::{self, Role, SignIn, StaffAccount, StaffStore};
use orders::book::BookFilter;
use orders::kuper::flow::{IntegrationType, KuperStatus, StaffAction};
use orders::kuper::{EventNews, KuperInbox, NewKuperOrder, NewLine, ReceivedEvent, StaffRequest};
use staff_desk::{DeskError, DeskPorts, Resolution, StaffDesk};
use storage::testing::TestDatabase;
use storage::{
    DbCatalogImports, DbCatalogRepo, DbKuperInbox, DbOrderBook, DbOrderRepo, DbPaymentRepo, DbStaff,
};

const PASSWORD: &str = "correct horse battery";

fn account(login: &str, role: Role, stores: &[&str]) -> StaffAccount {
    StaffAccount {
        login: login.into(),
        name: login.into(),
        role,
        stores: stores.iter().map(|s| (*s).to_owned()).collect(),
        disabled: false,
    }
}

struct World {
    t: TestDatabase,
    desk: StaffDesk,
    staff: DbStaff,
    runtime: tokio::runtime::Runtime,
    operator: StaffAccount,
    /// Picks in S1, where the orders are.
    picker: StaffAccount,
    /// Picks in S2 only.
    stranger: StaffAccount,
}

fn worlds() -> Vec<World> {
    TestDatabase::each_backend_migrated()
        .into_iter()
        .map(|t| {
            t.one_store(&[("MILK", 10)]);
            let clock: Arc<dyn Clock> = Arc::new(SystemClock);
            let db = t.db.clone();
            let desk = StaffDesk::new(DeskPorts {
                staff: Arc::new(DbStaff::new(db.clone())),
                book: Arc::new(DbOrderBook::new(db.clone())),
                kuper: Arc::new(DbKuperInbox::new(db.clone())),
                history: Arc::new(DbOrderRepo::new(db.clone())),
                payments: Arc::new(DbPaymentRepo::new(db.clone())),
                reports: Arc::new(DbCatalogImports::new(db.clone())),
                catalog: Arc::new(DbCatalogRepo::new(db.clone())),
                ordering: Arc::new(t.ordering(Arc::clone(&clock), 10)),
                clock,
            });
            let (operator, picker, stranger) = (
                account("anna", Role::Operator, &[]),
                account("olga", Role::Picker, &["S1"]),
                account("ivan", Role::Picker, &["S2"]),
            );
            let hash = staff::hash_password(PASSWORD).unwrap();
            let mut conn = t.db.get().unwrap();
            for a in [&operator, &picker, &stranger] {
                assert!(DbStaff::create(&mut conn, a, &hash, chrono::Utc::now()).unwrap());
            }
            DbKuperInbox::set_store(&mut conn, "S1", IntegrationType::KuperDelivery, false, Some(30))
                .unwrap();
            drop(conn);
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            World { staff: DbStaff::new(db), t, desk, runtime, operator, picker, stranger }
        })
        .collect()
}

impl World {
    fn kuper_order(&self, original: &str) {
        let event = ReceivedEvent {
            key: format!("k-{original}"),
            event_type: "order.created".into(),
            original_order_id: original.into(),
            body: "{}".into(),
            // While the store is open (08:00-22:00 in Moscow).
            received_at: chrono::DateTime::parse_from_rfc3339("2026-11-25T10:00:00+03:00").unwrap().into(),
            new_order: Some(NewKuperOrder::of("S1", vec![NewLine::of("MILK", Decimal::ONE)])),
            news: EventNews::Nothing,
        };
        self.runtime.block_on(DbKuperInbox::new(self.t.db.clone()).receive(&event)).unwrap();
    }

    fn trail(&self, order_ref: &str) -> Vec<(String, String)> {
        let trail = self.runtime.block_on(self.staff.audit_trail(Some(order_ref), 100)).unwrap();
        trail.into_iter().map(|e| (e.login, e.action)).collect()
    }
}

#[test]
fn a_picker_sees_and_steps_only_the_orders_of_their_stores() {
    for w in worlds() {
        w.kuper_order("H-1");
        let ordering = w.t.ordering(Arc::new(SystemClock), 10);
        let mcp =
            w.runtime.block_on(TestDatabase::pickup_checkout(&ordering, Decimal::ONE, "rq-desk")).unwrap();
        let queue =
            |who: &StaffAccount| w.runtime.block_on(w.desk.queue(who, &BookFilter::default(), 50)).unwrap();
        assert_eq!(queue(&w.picker).book.len(), 2, "{:?}", w.t.db.backend());
        assert_eq!(queue(&w.operator).book.len(), 2);
        assert!(queue(&w.stranger).book.is_empty(), "another store's picker sees none of them");
        // Even asking for the store by name.
        let asked = BookFilter { store: Some("S1".into()), ..BookFilter::default() };
        assert!(w.runtime.block_on(w.desk.queue(&w.stranger, &asked, 50)).unwrap().book.is_empty());

        let assemble = StaffRequest::step(StaffAction::StartAssembly);
        let page = w.runtime.block_on(w.desk.kuper_order_page(&w.stranger, "H-1"));
        assert!(matches!(page, Err(DeskError::Forbidden)), "{page:?}");
        let step = w.runtime.block_on(w.desk.kuper_step(&w.stranger, "H-1", &assemble));
        assert!(matches!(step, Err(DeskError::Forbidden)), "{step:?}");
        let unknown = w.runtime.block_on(w.desk.kuper_step(&w.picker, "H-NONE", &assemble));
        assert!(matches!(unknown, Err(DeskError::NotFound)), "{unknown:?}");
        assert!(w.trail("kuper:H-1").is_empty(), "a step refused is not in the trail");

        let taken = w.runtime.block_on(w.desk.kuper_step(&w.picker, "H-1", &assemble)).unwrap();
        assert_eq!(taken, Ok(KuperStatus::InWork));
        assert_eq!(w.trail("kuper:H-1"), [("olga".to_owned(), "order.in_work".to_owned())]);
        let again = w.runtime.block_on(w.desk.kuper_step(&w.picker, "H-1", &assemble)).unwrap();
        assert!(again.is_err(), "the flow refuses starting twice");
        assert_eq!(w.trail("kuper:H-1").len(), 1, "a step the flow refused is not in the trail");

        let mcp_ref = format!("mcp:{}", mcp.id);
        let step =
            |who: &StaffAccount, wanted: &str| w.runtime.block_on(w.desk.mcp_step(who, &mcp.id, wanted));
        assert!(matches!(step(&w.picker, "pay"), Err(DeskError::UnknownStep(s)) if s == "pay"));
        assert!(matches!(step(&w.stranger, "cancel"), Err(DeskError::Forbidden)));
        assert!(matches!(step(&w.picker, "complete"), Err(DeskError::Conflict(_))));
        assert!(w.trail(&mcp_ref).is_empty());
        let page = w.runtime.block_on(w.desk.mcp_order_page(&w.picker, &mcp.id)).unwrap();
        assert!(page.steps.contains(&orders::Action::Cancel), "{:?}", page.steps);
        assert!(!page.steps.contains(&orders::Action::Complete), "an unpaid order is not handed over");
        let cancelled = step(&w.picker, " cancel ").unwrap();
        assert_eq!(cancelled.status, orders::OrderStatus::Cancelled);
        assert_eq!(w.trail(&mcp_ref), [("olga".to_owned(), "cancel".to_owned())]);
    }
}

#[test]
fn the_outbox_and_the_merchants_reports_are_for_those_who_see_every_store() {
    for w in worlds() {
        let outbox = w.runtime.block_on(w.desk.outbox(&w.picker, 10));
        assert!(matches!(outbox, Err(DeskError::Forbidden)), "{outbox:?}");
        let resolve = w.runtime.block_on(w.desk.resolve_dead(&w.picker, 1, Resolution::Retry));
        assert!(matches!(resolve, Err(DeskError::Forbidden)), "{resolve:?}");
        let (dead, pending) = w.runtime.block_on(w.desk.outbox(&w.operator, 10)).unwrap();
        assert!(dead.is_empty() && pending.is_empty());
        let gone = w.runtime.block_on(w.desk.resolve_dead(&w.operator, 999, Resolution::Discard));
        assert!(matches!(gone, Err(DeskError::NotFound)), "{gone:?}");
        let trail = w.runtime.block_on(w.staff.audit_trail(None, 100)).unwrap();
        assert!(trail.is_empty(), "nothing resolved, nothing recorded: {trail:?}");

        let record = catalog::reports::ImportRecord {
            // Whole seconds: the database keeps microseconds.
            at: chrono::DateTime::parse_from_rfc3339("2026-11-25T10:00:00Z").unwrap().into(),
            source: "feed.yml".into(),
            kind: "yml".into(),
            outcome: "applied".into(),
            report: serde_json::json!({}),
        };
        DbCatalogImports::record(&mut w.t.db.get().unwrap(), &record).unwrap();
        let overview = |who: &StaffAccount| w.runtime.block_on(w.desk.catalog_overview(who)).unwrap();
        assert_eq!(overview(&w.operator).imports, [record]);
        assert!(overview(&w.picker).imports.is_empty(), "a feed is the whole merchant's");
        let milk = domain::SkuId::new("MILK").unwrap();
        let product = |who: &StaffAccount| w.runtime.block_on(w.desk.product_in_stores(who, &milk)).unwrap();
        assert_eq!(product(&w.picker).unwrap().offers.len(), 1);
        assert!(product(&w.stranger).unwrap().offers.is_empty(), "S1's offer is not ivan's to see");
        let nothing =
            w.runtime.block_on(w.desk.product_in_stores(&w.operator, &domain::SkuId::new("NONE").unwrap()));
        assert!(nothing.unwrap().is_none());
    }
}

#[test]
fn a_session_opens_on_the_right_password_only_and_ends_on_sign_out() {
    for w in worlds() {
        let sign_in = |login: &str, password: &str, allowed: bool| {
            w.runtime.block_on(w.desk.sign_in(login, password.into(), allowed)).unwrap()
        };
        assert_eq!(sign_in("anna", PASSWORD, true), SignIn::Accepted(w.operator.clone()));
        assert_eq!(sign_in("anna", "wrong password", true), SignIn::Refused);
        assert_eq!(sign_in("nobody", PASSWORD, true), SignIn::Refused);
        assert_eq!(sign_in("anna", PASSWORD, false), SignIn::Refused, "a throttled caller is refused");

        w.runtime.block_on(w.desk.open_session(&w.operator, "token-hash", "csrf")).unwrap();
        let open = w.runtime.block_on(w.desk.session("token-hash")).unwrap();
        assert_eq!(open, Some((w.operator.clone(), "csrf".to_owned())));
        let trail = w.runtime.block_on(w.staff.audit_trail(None, 10)).unwrap();
        assert_eq!(trail.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["sign_in"]);
        w.runtime.block_on(w.desk.sign_out("token-hash")).unwrap();
        assert_eq!(w.runtime.block_on(w.desk.session("token-hash")).unwrap(), None);
    }
}
