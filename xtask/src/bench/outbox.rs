//! `cargo xtask bench outbox`: notifications per second the listener's
//! dispatcher delivers to `kuper-sim` with the rate limit off, on each
//! backend. The outbox is filled first (Kuper orders for a store we do not
//! have: each is created canceled with its `order.canceled` queued) by a
//! listener that does not send; a second listener then drains it, and the
//! simulator times its acknowledgements.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{connect, on_each_backend, post, release_binaries, request, start_process, stop, write_section};
use crate::Result;

const SECRET: &str = "bench-webhook-secret";

#[derive(Debug)]
pub struct Settings {
    pub notifications: usize,
    pub clients: usize,
    pub database_url: String,
}

struct Backend {
    name: &'static str,
    /// From the first acknowledgement to the last, as the simulator saw them.
    span: Duration,
    /// From the draining listener's start to the last acknowledgement.
    wall: Duration,
    acknowledged: usize,
    refused: usize,
}

fn sim_stats(addr: &str) -> Result<Value> {
    let mut c = connect(addr)?;
    let (_, body) = request(&mut c, addr, "GET", "/sim/stats", &[], "")?;
    Ok(serde_json::from_str(&body)?)
}

/// `count` Kuper orders through the simulator (`body(n)` is the n-th's
/// `/sim/orders` body), from `clients` threads, each taking every
/// `clients`-th of them.
pub(super) fn fill(sim: &str, count: usize, clients: usize, body: impl Fn(usize) -> String + Sync) -> Result {
    let clients = clients.max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..clients)
            .map(|client| {
                let body = &body;
                scope.spawn(move || -> Result {
                    let mut c = connect(sim)?;
                    for n in (client..count).step_by(clients) {
                        let (status, answer) = post(&mut c, sim, "/sim/orders", &[], &body(n))?;
                        if status != 200 {
                            return Err(format!("kuper-sim /sim/orders: {status} {answer}").into());
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        workers.into_iter().try_for_each(|w| w.join().unwrap_or_else(|_| Err("client panicked".into())))
    })
}

/// `kuper-sim` (its rate limit off) posting webhooks to a `kuper-listener`
/// on `url` that sends nothing: the way to fill the database with Kuper
/// orders. Both processes, with their addresses.
pub(super) fn sim_and_listener(
    root: &Path,
    bin: &Path,
    url: &str,
) -> Result<((Child, String), (Child, String))> {
    let sim = start_process(
        root,
        &bin.join("kuper-sim"),
        &["serve", "--addr", "127.0.0.1:0", "--rate-limit", "0", "--token-ttl-secs", "300"],
        &[("RUST_LOG", "warn")],
    )?;
    let listener = listener(root, bin, url, None)?;
    let point = format!(r#"{{"url":"http://{}","token":"{SECRET}"}}"#, listener.1);
    request(&mut connect(&sim.1)?, &sim.1, "PUT", "/sim/listener", &[], &point)?;
    Ok((sim, listener))
}

/// Starts `kuper-listener` on `url` (sending to the simulator at `sim`,
/// when given).
fn listener(root: &Path, bin: &Path, url: &str, sim: Option<&str>) -> Result<(Child, String)> {
    let base = sim.map(|s| format!("http://{s}"));
    let mut env = vec![("MERCHANT_DATABASE_URL", url), ("MERCHANT_KUPER_WEBHOOK_SECRET", SECRET)];
    if let Some(base) = &base {
        env.extend([
            ("MERCHANT_KUPER_BASE_URL", base.as_str()),
            ("MERCHANT_KUPER_CLIENT_ID", "merchant"),
            ("MERCHANT_KUPER_CLIENT_SECRET", "kuper-secret"),
            ("MERCHANT_KUPER_RATE_PER_SECOND", "0"),
            ("MERCHANT_KUPER_DISPATCH_INTERVAL_MS", "50"),
        ]);
    }
    start_process(root, &bin.join("kuper-listener"), &[], &env)
}

fn run_backend(
    root: &Path,
    bin: &Path,
    name: &'static str,
    url: &str,
    settings: &Settings,
) -> Result<Backend> {
    println!("bench outbox: {name}: filling the outbox with {} notifications", settings.notifications);
    let ((sim_process, sim), (filler, _)) = sim_and_listener(root, bin, url)?;
    fill(&sim, settings.notifications, settings.clients, |n| {
        format!(
            r#"{{"integration":"kuper_delivery","store":"NOWHERE","originalOrderId":"B{n}","positions":[{{"id":"SKU-1","quantity":1}}]}}"#
        )
    })?;
    stop(filler);
    if url.starts_with("postgres") {
        // What autovacuum does within a minute of the fill; without it the
        // planner sees the empty table of the migration.
        use diesel::prelude::*;
        diesel::sql_query("ANALYZE kuper_outbox").execute(&mut PgConnection::establish(url)?)?;
    }

    println!("bench outbox: {name}: draining");
    let started = Instant::now();
    let (drainer, _) = listener(root, bin, url, Some(&sim))?;
    let deadline = started + Duration::from_mins(10);
    let stats = loop {
        let stats = sim_stats(&sim)?;
        let done: u64 =
            stats["byStatus"].as_object().map_or(0, |s| s.values().filter_map(Value::as_u64).sum());
        if usize::try_from(done).unwrap_or(usize::MAX) >= settings.notifications || Instant::now() > deadline
        {
            break stats;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let wall = started.elapsed();
    stop(drainer);
    stop(sim_process);
    let answers: Vec<(String, usize)> = stats["byStatus"]
        .as_object()
        .map(|s| {
            s.iter()
                .map(|(k, v)| (k.clone(), usize::try_from(v.as_u64().unwrap_or(0)).unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    let acknowledged = answers.iter().filter(|(k, _)| k == "200").map(|(_, n)| n).sum();
    let refused = answers.iter().filter(|(k, _)| k != "200").map(|(_, n)| n).sum();
    Ok(Backend {
        name,
        span: Duration::from_secs_f64(stats["acknowledgedSpanSeconds"].as_f64().unwrap_or(0.0)),
        wall,
        acknowledged,
        refused,
    })
}

#[allow(clippy::cast_precision_loss)]
fn per_second(count: usize, time: Duration) -> f64 {
    count as f64 / time.as_secs_f64().max(f64::MIN_POSITIVE)
}

pub fn run(root: &Path, settings: &Settings) -> Result {
    println!("bench outbox: building release binaries");
    let bin = release_binaries(root, &["kuper-listener", "kuper-sim", "merchantctl"])?;
    let (sqlite_side, pg_side) = on_each_backend(root, "outbox", &settings.database_url, |backend, url| {
        super::merchantctl(&bin, url, &["migrate"])?;
        run_backend(root, &bin, backend, url, settings)
    })?;
    let mut report = format!(
        "# bench: outbox\n\n`cargo xtask bench outbox --notifications {}`: a filled outbox (one `order.canceled` per Kuper order)\ndrained by `kuper-listener`'s dispatcher into `kuper-sim`, rate limit off; the simulator checks and\nacknowledges each. Rate: acknowledgements over the time from the first to the last; wall: from the\nlistener's start (token included) to the last. PostgreSQL's statistics are refreshed after the fill\n(`ANALYZE`, as autovacuum would within a minute).\n\n| backend | notifications/s | wall s | acknowledged | other answers |\n| --- | ---: | ---: | ---: | ---: |\n",
        settings.notifications
    );
    for side in [&sqlite_side, &pg_side] {
        let _ = writeln!(
            report,
            "| {} | {:.0} | {:.2} | {} | {} |",
            side.name,
            per_second(side.acknowledged, side.span),
            side.wall.as_secs_f64(),
            side.acknowledged,
            side.refused
        );
    }
    let _ = writeln!(report, "\n- target: ≥ 5,000 notifications/s on PostgreSQL with the rate limit off");
    write_section(root, "outbox", &report)?;
    println!("{report}");
    Ok(())
}
