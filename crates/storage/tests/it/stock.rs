//! One stock on both backends: stock reports from the merchant's systems
//! never touch what our orders hold, a release gives back what was held and
//! no more, a report older than a sale does not resurrect it, an older
//! report changes nothing; and under concurrent checkouts and reports on
//! PostgreSQL nothing is oversold and the figures equal the ledger's.

use std::sync::Arc;

use catalog::stock::{MoveCursor, MoveKind, RawStockUpdate, StockMove, StockUpdate};
use chrono::{DateTime, Duration, Utc};
use domain::{Clock, Decimal, ManualClock};
use orders::{Action, OrderError, Ordering};
use storage::testing::TestDatabase;
use storage::{DbConn, DbStockLedger};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().unwrap()
}

async fn checkout(o: &Ordering, n: i64, rq: &str) -> Result<orders::Order, OrderError> {
    TestDatabase::pickup_checkout(o, Decimal::from(n), rq).await
}

/// Reports MILK's shelf in S1 as of `as_of`; returns the refusal, if any.
fn report(conn: &mut DbConn, batch: &str, shelf: i64, as_of: DateTime<Utc>) -> Option<String> {
    let raw = RawStockUpdate {
        sku: "MILK".into(),
        store: "S1".into(),
        stock: Decimal::from(shelf),
        as_of,
        price: None,
        old_price: None,
    };
    let update = StockUpdate::check(&raw).unwrap();
    let report =
        DbStockLedger::apply_batch_on(conn, batch, batch, &[(0, update)], Vec::new(), Utc::now()).unwrap();
    report.refused.first().map(|r| r.reason.clone())
}

fn available(conn: &mut DbConn) -> (String, String, String) {
    let o = DbStockLedger::offers(conn, "S1", Some("MILK"), 1).unwrap().remove(0);
    (o.shelf, o.held, o.available)
}

fn is_out_of_stock(e: &OrderError) -> bool {
    matches!(e, OrderError::OutOfStock { .. })
}

#[test]
fn reports_never_touch_holds_and_sales_are_not_resurrected() {
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        t.one_store(&[("MILK", 10)]);
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let o = t.ordering(Arc::clone(&clock) as _, 100);
        let mut conn = t.db.get().unwrap();
        runtime().block_on(async {
            assert_eq!(DbStockLedger::held_by_store(&mut conn).unwrap(), [("S1".to_owned(), 0)], "{backend}");
            let first = checkout(&o, 6, "rq-1").await.unwrap();
            assert_eq!(available(&mut conn), ("10".into(), "6".into(), "4".into()), "{backend}");
            assert_eq!(
                DbStockLedger::held_by_store(&mut conn).unwrap(),
                [("S1".to_owned(), 6_000)],
                "{backend}"
            );
            // The ERP counts the shelf: our 6 are still on it.
            clock.advance(Duration::seconds(1));
            assert_eq!(report(&mut conn, "b1", 10, clock.now()), None, "{backend}");
            assert_eq!(available(&mut conn).2, "4", "{backend}: a report does not undo a hold");
            let e = checkout(&o, 5, "rq-2").await.unwrap_err();
            assert!(is_out_of_stock(&e), "{backend}: {e}");
            // Cancelled: 10 again, not 16.
            clock.advance(Duration::seconds(1));
            o.advance(&first.id, Action::Cancel).await.unwrap();
            assert_eq!(available(&mut conn), ("10".into(), "0".into(), "10".into()), "{backend}");

            // A sale, then a report as of a moment before it.
            let before_sale = clock.now();
            let second = checkout(&o, 4, "rq-3").await.unwrap();
            for action in [Action::Pay, Action::Process, Action::ReadyForPickup] {
                o.advance(&second.id, action).await.unwrap();
            }
            clock.advance(Duration::seconds(5));
            o.advance(&second.id, Action::Complete).await.unwrap();
            assert_eq!(available(&mut conn), ("10".into(), "0".into(), "6".into()), "{backend}: sold");
            assert_eq!(report(&mut conn, "b2", 10, before_sale), None, "{backend}");
            assert_eq!(available(&mut conn).2, "6", "{backend}: the sale is not resurrected");
            // One after the sale that counted it.
            clock.advance(Duration::seconds(1));
            assert_eq!(report(&mut conn, "b3", 6, clock.now()), None, "{backend}");
            assert_eq!(available(&mut conn), ("6".into(), "0".into(), "6".into()), "{backend}");
            // An older report changes nothing and says so.
            let stale = report(&mut conn, "b4", 50, before_sale).expect("refused");
            assert!(stale.contains("older"), "{backend}: {stale}");
            assert_eq!(available(&mut conn).2, "6", "{backend}");

            // The ledger: hold 6, release 6, hold 4, sale 4.
            let moves = settled_moves(&mut conn, MoveCursor::default(), 4);
            let seen: Vec<(String, String)> =
                moves.iter().map(|m| (m.kind.to_string(), m.quantity.to_string())).collect();
            let expected = [("hold", "6"), ("release", "6"), ("hold", "4"), ("sale", "4")];
            assert_eq!(seen, expected.map(|(k, q)| (k.to_owned(), q.to_owned())), "{backend}");
            // Read on from the middle: the rest, in order.
            let rest = settled_moves(&mut conn, moves[1].cursor, 2);
            assert_eq!(rest.len(), 2, "{backend}");
        });
    }
}

#[test]
fn a_batch_id_answers_the_same_twice_and_refuses_other_contents() {
    for t in TestDatabase::each_backend_migrated() {
        t.one_store(&[("MILK", 10)]);
        let mut conn = t.db.get().unwrap();
        let raw = |stock: i64| RawStockUpdate {
            sku: "MILK".into(),
            store: "S1".into(),
            stock: Decimal::from(stock),
            as_of: Utc::now(),
            price: Some(Decimal::new(8990, 2)),
            old_price: Some(None),
        };
        let unknown = RawStockUpdate { sku: "NOPE".into(), ..raw(1) };
        let lines = [(0, StockUpdate::check(&raw(7)).unwrap()), (1, StockUpdate::check(&unknown).unwrap())];
        let first =
            DbStockLedger::apply_batch_on(&mut conn, "B", "d1", &lines, Vec::new(), Utc::now()).unwrap();
        assert_eq!((first.applied, first.refused.len(), first.refused[0].line), (1, 1, 1));
        assert_eq!(available(&mut conn).2, "7");
        // The same batch again: the same answer, nothing applied twice.
        let again =
            DbStockLedger::apply_batch_on(&mut conn, "B", "d1", &lines[..1], Vec::new(), Utc::now()).unwrap();
        assert_eq!(again, first);
        let other = DbStockLedger::apply_batch_on(&mut conn, "B", "d2", &lines, Vec::new(), Utc::now());
        assert!(matches!(other, Err(storage::BatchError::Conflict(_))));
        // What staff read: the batches, newest first, with what each
        // refused; the product in every store that sells it.
        let recent = DbStockLedger::recent_batches(&mut conn, 5).unwrap();
        assert_eq!(recent.len(), 1);
        assert_eq!(recent[0].1, first);
        let everywhere = DbStockLedger::offers_of_sku(&mut conn, "MILK").unwrap();
        assert_eq!(everywhere.len(), 1);
        assert_eq!((everywhere[0].store_id.as_str(), everywhere[0].available.as_str()), ("S1", "7"));
        assert!(DbStockLedger::offers_of_sku(&mut conn, "NOPE").unwrap().is_empty());
    }
}

/// 64 checkouts of one unit race on one offer while the ERP reports the
/// shelf every 10 ms: never more held than the shelf, and the offer's
/// figures equal the ledger's.
#[test]
fn concurrent_checkouts_and_reports_never_oversell_on_postgres() {
    const SHELF: i64 = 40;
    let Some(t) = TestDatabase::postgres() else { return };
    t.migrate();
    t.one_store(&[("MILK", SHELF)]);
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let o = Arc::new(t.ordering(Arc::clone(&clock) as _, 1000));
    let rt = runtime();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reporter = {
        let (db, stop) = (t.db.clone(), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut conn = db.get().unwrap();
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                assert_eq!(report(&mut conn, &format!("r{n}"), SHELF, Utc::now()), None);
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            n
        })
    };
    let sold = rt.block_on(async {
        let tasks: Vec<_> = (0..64)
            .map(|i| {
                let o = Arc::clone(&o);
                tokio::spawn(async move { checkout(&o, 1, &format!("rq-{i}")).await })
            })
            .collect();
        let mut sold = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => sold += 1,
                Err(e) => assert!(is_out_of_stock(&e), "{e}"),
            }
        }
        sold
    });
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(reporter.join().unwrap() > 0);
    assert_eq!(sold, SHELF, "exactly the shelf is sold");
    let mut conn = t.db.get().unwrap();
    let (shelf, held, available) = available(&mut conn);
    assert_eq!((shelf.as_str(), held.as_str(), available.as_str()), ("40", "40", "0"));
    let moves = settled_moves(&mut conn, MoveCursor::default(), usize::try_from(SHELF).unwrap());
    let ledger: Decimal =
        moves.iter().filter(|m| m.kind == MoveKind::Hold).map(|m| m.quantity.to_decimal()).sum();
    assert_eq!(ledger, Decimal::from(SHELF), "the ledger holds what the offer holds");
}

/// The moves after `after` once at least `expected` of them are readable.
/// The feed reads below the horizon, PostgreSQL's oldest running
/// transaction cluster-wide, which other tests' transactions can hold back
/// for a while (once over 20 s on a busy CI machine), never for good.
fn settled_moves(conn: &mut DbConn, after: MoveCursor, expected: usize) -> Vec<StockMove> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_mins(1);
    loop {
        let moves = DbStockLedger::moves_since_on(conn, after, 1000).unwrap();
        if moves.len() >= expected || std::time::Instant::now() > deadline {
            return moves;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
