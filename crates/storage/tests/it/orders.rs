//! The order book on both backends: checkout reserves all or nothing, never
//! oversells or overbooks under concurrency, retries find the first order,
//! expiry and cancellation give stock back.

use std::sync::Arc;

use catalog::CatalogRepo;
use chrono::{DateTime, Duration, Utc};
use domain::{Decimal, ManualClock, SkuId, StoreId, UserId};
use orders::{
    Action, CheckoutRequest, CreateError, ItemRequest, OrderError, OrderRepo, OrderStatus, Ordering,
    ShippingMethod,
};
use storage::testing::TestDatabase;
use storage::{DbCatalogRepo, DbOrderRepo};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().unwrap()
}

/// A store with MILK (stock 5) and BREAD (stock 1), 10:00 in Moscow.
fn setup(t: &TestDatabase, capacity: u32) -> (Ordering, Arc<ManualClock>) {
    t.one_store(&[("MILK", 5), ("BREAD", 1)]);
    let clock = Arc::new(ManualClock::new(
        DateTime::parse_from_rfc3339("2026-11-25T07:00:00Z").unwrap().with_timezone(&Utc),
    ));
    (t.ordering(Arc::clone(&clock) as _, capacity), clock)
}

fn items(lines: &[(&str, i64)]) -> Vec<ItemRequest> {
    lines
        .iter()
        .map(|(sku, n)| ItemRequest {
            sku: SkuId::new(*sku).unwrap(),
            quantity: Decimal::from(*n),
            unit: None,
            price: None,
        })
        .collect()
}

async fn request(o: &Ordering, lines: &[(&str, i64)], rq: &str) -> CheckoutRequest {
    let destination = orders::Destination::Pickup { store: StoreId::new("S1").unwrap() };
    let options = o.delivery_options(&destination, &items(lines)).await.unwrap();
    CheckoutRequest {
        store: StoreId::new("S1").unwrap(),
        shipping: ShippingMethod::Pickup,
        address: None,
        items: items(lines),
        slot: options.options[0].slot,
        delivery_price: None,
        order_price: None,
        request_id: rq.into(),
        request_digest: format!("body of {rq}"),
    }
}

async fn stock(t: &TestDatabase, sku: &str) -> i64 {
    let repo = DbCatalogRepo::new(t.db.clone());
    let offers = repo.offers(&[SkuId::new(sku).unwrap()], None).await.unwrap();
    offers[0].stock
}

fn alice() -> UserId {
    UserId::new("alice").unwrap()
}

#[test]
fn an_order_round_trips_and_holds_its_stock_until_it_expires() {
    for t in TestDatabase::each_backend_migrated() {
        let (o, clock) = setup(&t, 10);
        runtime().block_on(async {
            let order =
                o.checkout(&alice(), request(&o, &[("MILK", 2), ("BREAD", 1)], "rq-1").await).await.unwrap();
            let stored = o.order_for(Some(&alice()), &order.id).await.unwrap();
            assert_eq!(stored, order, "{}", t.db.backend());
            assert_eq!((stock(&t, "MILK").await, stock(&t, "BREAD").await), (3, 0));
            clock.advance(Duration::minutes(31));
            assert_eq!(o.expire_due().await.unwrap(), 1);
            let expired = o.order_for(None, &order.id).await.unwrap();
            assert_eq!(expired.status, OrderStatus::Cancelled);
            assert_eq!(expired.expires_at, None);
            assert_eq!((stock(&t, "MILK").await, stock(&t, "BREAD").await), (5, 1));
            // Nothing left to expire, and a closed order stays closed.
            assert_eq!(o.expire_due().await.unwrap(), 0);
            assert!(o.advance(&order.id, Action::Pay).await.is_err());
        });
    }
}

#[test]
fn a_paid_order_moves_through_the_table_and_a_cancel_before_shipping_restocks() {
    for t in TestDatabase::each_backend_migrated() {
        let (o, clock) = setup(&t, 10);
        runtime().block_on(async {
            let order = o.checkout(&alice(), request(&o, &[("MILK", 2)], "rq-1").await).await.unwrap();
            clock.advance(Duration::minutes(5));
            let paid = o.advance(&order.id, Action::Pay).await.unwrap();
            assert_eq!(
                (paid.status, paid.updated_at),
                (OrderStatus::Paid, order.created_at + Duration::minutes(5))
            );
            clock.advance(Duration::hours(1));
            assert_eq!(o.expire_due().await.unwrap(), 0, "paid orders do not expire");
            o.advance(&order.id, Action::Process).await.unwrap();
            let e = o.advance(&order.id, Action::Deliver).await.unwrap_err();
            assert_eq!(
                e.to_string(),
                "an order that is processing cannot deliver: a pickup order is not delivered"
            );
            assert_eq!(stock(&t, "MILK").await, 3);
            o.advance(&order.id, Action::Cancel).await.unwrap();
            assert_eq!(stock(&t, "MILK").await, 5, "{}", t.db.backend());
        });
    }
}

#[test]
fn a_line_short_of_stock_writes_nothing_at_all() {
    for t in TestDatabase::each_backend_migrated() {
        let (o, _) = setup(&t, 10);
        runtime().block_on(async {
            let mut order_request = request(&o, &[("MILK", 2), ("BREAD", 1)], "rq-1").await;
            // Someone else takes the last bread between pricing and writing.
            let rival = o.checkout(&alice(), request(&o, &[("BREAD", 1)], "rq-0").await).await.unwrap();
            let e = o.checkout(&alice(), order_request.clone()).await.unwrap_err();
            assert_eq!(e.to_string(), "not enough BREAD in stock at store S1");
            assert_eq!(stock(&t, "MILK").await, 5, "{}: milk untouched", t.db.backend());
            // The repository on its own refuses the same way, all or nothing.
            order_request.request_id = "rq-2".into();
            let priced = {
                o.advance(&rival.id, Action::Cancel).await.unwrap();
                o.checkout(&alice(), order_request).await.unwrap()
            };
            let repo = DbOrderRepo::new(t.db.clone());
            let mut again = priced.clone();
            again.id = orders::new_order_id().unwrap();
            again.request_id = "rq-3".into();
            assert_eq!(
                repo.create(&again, 10, o.settings.hold_limits).await.unwrap_err(),
                CreateError::OutOfStock { sku: SkuId::new("BREAD").unwrap() }
            );
            assert!(repo.get(&again.id).await.unwrap().is_none());
            assert_eq!(stock(&t, "MILK").await, 3);
            let listed = repo.list(None, 10).await.unwrap();
            assert_eq!(listed.len(), 2, "the rival's and rq-2's");
        });
    }
}

/// `buyers` checkouts of one MILK each at once; returns how many succeeded.
async fn rush(o: &Ordering, buyers: usize) -> usize {
    let template = request(o, &[("MILK", 1)], "template").await;
    let tasks: Vec<_> = (0..buyers)
        .map(|i| {
            let (o, mut r) = (o.clone(), template.clone());
            r.request_id = format!("rq-{i}");
            tokio::spawn(async move { o.checkout(&alice(), r).await })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => created += 1,
            Err(orders::OrderError::SlotFull(_) | orders::OrderError::OutOfStock { .. }) => {}
            Err(e) => panic!("{e}"),
        }
    }
    created
}

#[test]
fn concurrent_checkouts_never_overbook_a_slot() {
    for t in TestDatabase::each_backend_migrated() {
        let (o, _) = setup(&t, 3);
        let created = runtime().block_on(rush(&o, 8));
        assert_eq!(created, 3, "{}: the slot holds three", t.db.backend());
        assert_eq!(runtime().block_on(stock(&t, "MILK")), 2);
    }
}

#[test]
fn concurrent_checkouts_never_oversell() {
    for t in TestDatabase::each_backend_migrated() {
        let (o, _) = setup(&t, 100);
        let created = runtime().block_on(rush(&o, 8));
        assert_eq!(created, 5, "{}: five in stock", t.db.backend());
        assert_eq!(runtime().block_on(stock(&t, "MILK")), 0);
    }
}

#[test]
fn concurrent_retries_of_one_checkout_make_one_order() {
    for t in TestDatabase::each_backend_migrated() {
        let (o, _) = setup(&t, 100);
        runtime().block_on(async {
            let r = request(&o, &[("MILK", 1)], "rq-same").await;
            let tasks: Vec<_> = (0..6)
                .map(|_| {
                    let (o, r) = (o.clone(), r.clone());
                    tokio::spawn(async move { o.checkout(&alice(), r).await })
                })
                .collect();
            let mut ids = Vec::new();
            for task in tasks {
                ids.push(task.await.unwrap().unwrap().id);
            }
            ids.dedup();
            assert_eq!(ids.len(), 1, "{}", t.db.backend());
            assert_eq!(stock(&t, "MILK").await, 4);
        });
    }
}

#[test]
fn a_store_can_have_its_own_slot_grid() {
    for t in TestDatabase::each_backend_migrated() {
        let (o, _) = setup(&t, 10);
        let store = StoreId::new("S1").unwrap();
        let destination = orders::Destination::Pickup { store: store.clone() };
        let length = |o: &Ordering| {
            let options =
                runtime().block_on(o.delivery_options(&destination, &items(&[("MILK", 1)]))).unwrap();
            let first = options.options[0].slot;
            (first.ends_at - first.starts_at, options.options.len())
        };
        let (configured, _) = length(&o);
        assert_eq!(configured, Duration::hours(1));
        let own = orders::schedule::SlotSettings {
            length: Duration::minutes(30),
            lead: Duration::minutes(0),
            cutoff: Some(chrono::NaiveTime::from_hms_opt(21, 0, 0).unwrap()),
            days: 1,
            capacity: 1,
        };
        DbOrderRepo::set_slot_settings(&mut t.db.get().unwrap(), &store, ShippingMethod::Pickup, Some(&own))
            .unwrap();
        let repo = DbOrderRepo::new(t.db.clone());
        assert_eq!(
            runtime().block_on(repo.slot_settings(&store, ShippingMethod::Pickup)).unwrap(),
            Some(own)
        );
        // 10:00 to 22:00 in half hours, today only.
        assert_eq!(length(&o), (Duration::minutes(30), 24), "{}", t.db.backend());
        DbOrderRepo::set_slot_settings(&mut t.db.get().unwrap(), &store, ShippingMethod::Pickup, None)
            .unwrap();
        assert_eq!(length(&o).0, Duration::hours(1));
    }
}

/// One shopper's unpaid orders may hold only so much: past either cap a
/// checkout is refused with the reason and writes nothing; another shopper,
/// a paid order, a cancelled one free the way again.
#[test]
fn a_shopper_s_unpaid_orders_are_capped_and_other_shoppers_are_not() {
    for t in TestDatabase::each_backend_migrated() {
        t.one_store(&[("MILK", 50), ("BREAD", 50)]);
        let clock = Arc::new(ManualClock::new(
            DateTime::parse_from_rfc3339("2026-11-25T07:00:00Z").unwrap().with_timezone(&Utc),
        ));
        let mut o = t.ordering(Arc::clone(&clock) as _, 100);
        o.settings.hold_limits = orders::limits::HoldLimits { max_unpaid_orders: 2, max_held_units: 10 };
        runtime().block_on(async {
            let bob = UserId::new("bob").unwrap();
            let first = o.checkout(&alice(), request(&o, &[("MILK", 4)], "a-1").await).await.unwrap();
            o.checkout(&alice(), request(&o, &[("BREAD", 3)], "a-2").await).await.unwrap();
            let e = o.checkout(&alice(), request(&o, &[("MILK", 1)], "a-3").await).await.unwrap_err();
            assert!(matches!(e, OrderError::ShopperLimit(_)), "{e}");
            assert!(e.to_string().contains("2 unpaid orders"), "{e}");
            assert_eq!(stock(&t, "MILK").await, 46, "{}: the refused order held nothing", t.db.backend());

            // Bob is not Alice.
            o.checkout(&bob, request(&o, &[("MILK", 10)], "b-1").await).await.unwrap();
            let e = o.checkout(&bob, request(&o, &[("BREAD", 1)], "b-2").await).await.unwrap_err();
            assert!(e.to_string().contains("at most 10 units"), "{e}");

            // A cancelled order frees its place.
            o.advance(&first.id, Action::Cancel).await.unwrap();
            o.checkout(&alice(), request(&o, &[("MILK", 1)], "a-4").await).await.unwrap();
        });
    }
}
