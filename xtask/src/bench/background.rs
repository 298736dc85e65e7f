//! What "busy" means in a benchmark: a steady stream of stock updates from
//! the merchant's systems (`POST /merchant/stock`) and of checkouts, sent
//! to a running `mcp-api` from threads of their own while the measurement
//! runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde_json::json;

use super::checkout::{Shopper, Unit, call, rq_uid};
use super::connect;
use crate::Result;

/// The stream's pace.
#[derive(Clone, Copy, Debug)]
pub struct Pace {
    pub updates_per_s: usize,
    pub checkouts_per_s: usize,
}

/// What the stream achieved.
#[derive(Clone, Copy, Debug, Default)]
pub struct Achieved {
    pub updates_per_s: f64,
    pub checkouts_per_s: f64,
}

pub struct Stream {
    stop: Arc<AtomicBool>,
    started: Instant,
    updates: JoinHandle<Result<usize>>,
    checkouts: JoinHandle<Result<usize>>,
}

#[derive(QueryableByName)]
struct Stocked {
    #[diesel(sql_type = Text)]
    sku: String,
    #[diesel(sql_type = Text)]
    store_id: String,
    #[diesel(sql_type = BigInt)]
    stock: i64,
}

/// Offers the stream changes: spread over the catalog.
const STOCKED_SQL: &str = "SELECT sku, store_id, stock FROM offers TABLESAMPLE SYSTEM (5) LIMIT 20000";
/// Pickup offers in stock, one unit each, for the checkouts.
const UNITS_SQL: &str = "SELECT o.store_id, o.sku FROM offers o JOIN stores s ON s.id = o.store_id
     WHERE s.pickup AND o.pickup AND o.stock > 0 ORDER BY o.sku LIMIT 5000";

impl Stream {
    /// Starts the stream against `mcp-api` at `addr`, whose database is
    /// `url`. `client` is an MCP client's `Bearer …`, `stock_token` the
    /// stock API's token.
    pub fn start(addr: &str, url: &str, client: &str, stock_token: &str, pace: Pace) -> Result<Stream> {
        let mut pg = PgConnection::establish(url)?;
        let stocked: Vec<Stocked> = diesel::sql_query(STOCKED_SQL).load(&mut pg)?;
        let units: Vec<Unit> = diesel::sql_query(UNITS_SQL).load(&mut pg)?;
        if stocked.is_empty() || units.is_empty() {
            return Err("the catalog has nothing for the background stream".into());
        }
        let shopper = Shopper::sign_in(addr, client, &units)?;
        let units: Vec<Unit> =
            units.into_iter().filter(|u| shopper.slots.contains_key(&u.store_id)).collect();
        let stop = Arc::new(AtomicBool::new(false));
        let updates = {
            let (addr, stop, bearer) = (addr.to_owned(), Arc::clone(&stop), format!("Bearer {stock_token}"));
            std::thread::spawn(move || updates(&addr, &bearer, &stocked, pace.updates_per_s, &stop))
        };
        let checkouts = {
            let (addr, stop) = (addr.to_owned(), Arc::clone(&stop));
            std::thread::spawn(move || checkouts(&addr, &shopper, &units, pace.checkouts_per_s, &stop))
        };
        Ok(Stream { stop, started: Instant::now(), updates, checkouts })
    }

    pub fn stop(self) -> Result<Achieved> {
        self.stop.store(true, Ordering::Relaxed);
        let elapsed = self.started.elapsed().as_secs_f64();
        let updates = self.updates.join().map_err(|_| "the update stream panicked")??;
        let checkouts = self.checkouts.join().map_err(|_| "the checkout stream panicked")??;
        #[allow(clippy::cast_precision_loss)]
        Ok(Achieved { updates_per_s: updates as f64 / elapsed, checkouts_per_s: checkouts as f64 / elapsed })
    }
}

/// Every 100 ms, a tenth of a second's updates in one batch; returns how
/// many were applied.
fn updates(addr: &str, bearer: &str, stocked: &[Stocked], per_s: usize, stop: &AtomicBool) -> Result<usize> {
    const TICK: Duration = Duration::from_millis(100);
    let per_tick = (per_s / 10).max(1);
    let mut conn = connect(addr)?;
    let (mut applied, mut next, mut batch) = (0, 0, 0);
    let mut due = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let as_of = chrono::Utc::now().to_rfc3339();
        let lines: Vec<_> = (0..per_tick)
            .map(|i| {
                let o = &stocked[(next + i) % stocked.len()];
                let shelf = o.stock.max(0) + i64::try_from((next + i) % 3).unwrap_or(0);
                json!({"sku": o.sku, "storeId": o.store_id, "stock": shelf, "asOf": as_of})
            })
            .collect();
        next += per_tick;
        batch += 1;
        let body = json!({"batchId": format!("busy-{batch}"), "updates": lines});
        let (status, answer) = call(&mut conn, addr, "/merchant/stock", &[("authorization", bearer)], &body)?;
        if status != 200 {
            return Err(format!("a background update answered {status}: {answer}").into());
        }
        applied += usize::try_from(answer["applied"].as_u64().unwrap_or(0))?;
        due += TICK;
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
    }
    Ok(applied)
}

/// One checkout of one unit every `1 / per_s` seconds; returns how many
/// made an order.
fn checkouts(
    addr: &str,
    shopper: &Shopper,
    units: &[Unit],
    per_s: usize,
    stop: &AtomicBool,
) -> Result<usize> {
    #[allow(clippy::cast_precision_loss)]
    let every = Duration::from_secs_f64(1.0 / per_s.max(1) as f64);
    let mut conn = connect(addr)?;
    let (mut made, mut i) = (0, 0);
    let mut due = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let unit = &units[i % units.len()];
        let rq = rq_uid(9, i);
        let (status, _) =
            call(&mut conn, addr, "/checkout", &[("rqUid", rq.as_str())], &shopper.checkout(unit))?;
        if status == 200 {
            made += 1;
        }
        i += 1;
        due += every;
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
    }
    Ok(made)
}
