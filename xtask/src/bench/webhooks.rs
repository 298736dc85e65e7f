//! `cargo xtask bench webhooks`: durable webhooks per second on each backend
//! (each one authenticated, parsed and committed to the inbox before its
//! 200), beside the same server answering a no-op (`GET /health/live`) over
//! the same connections; the ratio is the figure.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{
    Measured, connect, load, on_each_backend, post, release_binaries, request, start_service, stop,
    write_section,
};
use crate::Result;

const SECRET: &str = "bench-webhook-secret";

#[derive(Debug)]
pub struct Settings {
    pub seconds: u64,
    pub clients: usize,
    pub database_url: String,
}

struct Backend {
    name: &'static str,
    durable: Measured,
    noop: Measured,
    refused: usize,
}

fn run_backend(
    root: &Path,
    bin: &Path,
    name: &'static str,
    url: &str,
    settings: &Settings,
) -> Result<Backend> {
    println!("bench webhooks: {name}");
    let (service, addr) = start_service(
        root,
        &bin.join("kuper-listener"),
        &[("MERCHANT_DATABASE_URL", url), ("MERCHANT_KUPER_WEBHOOK_SECRET", SECRET)],
    )?;
    let auth = format!("Bearer {SECRET}");
    let refused = AtomicUsize::new(0);
    let clients = settings.clients;
    let durable = load(
        clients,
        settings.seconds,
        || connect(&addr),
        |c, client, i| {
            // A distinct order every time, for a store the scratch database
            // does not have: stored, numbered, created canceled, its
            // cancellation queued.
            let body = format!(
                r#"{{"event_type":"order.created","timestamp":"2026-11-25T10:00:00+03:00","payload":{{"originalOrderId":"B{client}-{i}","storeID":"S-{client}","positions":[{{"id":"SKU-1","quantity":1}}]}}}}"#
            );
            let (status, answer) =
                post(c, &addr, "/kuper/webhooks", &[("Authorization", auth.as_str())], &body)?;
            if status != 200 && refused.fetch_add(1, Ordering::Relaxed) == 0 {
                eprintln!("bench webhooks: {name}: first refusal: {status} {answer}");
            }
            Ok(())
        },
    )?;
    let noop = load(
        clients,
        settings.seconds,
        || connect(&addr),
        |c, _, _| request(c, &addr, "GET", "/health/live", &[], "").map(drop),
    )?;
    stop(service);
    Ok(Backend { name, durable, noop, refused: refused.into_inner() })
}

pub fn run(root: &Path, settings: &Settings) -> Result {
    println!("bench webhooks: building release binaries");
    let bin = release_binaries(root, &["kuper-listener"])?;
    let (sqlite_side, pg_side) =
        on_each_backend(root, "webhooks", &settings.database_url, |backend, url| {
            run_backend(root, &bin, backend, url, settings)
        })?;

    let mut report = format!(
        "# bench: webhooks\n\n`cargo xtask bench webhooks --seconds {} --clients {}`: distinct `order.created` webhooks, each\nauthenticated, parsed, committed to the inbox and applied (order numbered and written, its cancellation queued:\nthe scratch database has no stores) before its 200, beside `GET /health/live` on the same server and\nconnections.\n\n| backend | durable webhooks/s | p50 ms | p99 ms | no-op req/s | ratio | refused |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n",
        settings.seconds, settings.clients
    );
    for side in [&sqlite_side, &pg_side] {
        let _ = writeln!(
            report,
            "| {} | {} | {:.0} | {:.2} | {} |",
            side.name,
            side.durable.cells(),
            side.noop.throughput(),
            side.durable.throughput() / side.noop.throughput().max(f64::MIN_POSITIVE),
            side.refused
        );
    }
    let _ = writeln!(report, "\n- target: ≥ 2,000 durable webhooks/s on PostgreSQL");
    write_section(root, "webhooks", &report)?;
    println!("{report}");
    Ok(())
}
