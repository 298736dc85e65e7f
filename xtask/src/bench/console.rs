//! `cargo xtask bench console`: how long the staff console takes to render
//! its pages over a busy order book, on each backend. Kuper orders come in
//! through `kuper-sim` and the real `kuper-listener` (spread over ten
//! stores, most still to pick); a signed-in admin then asks for the queue
//! (unfiltered, by store, by status, by due time) and an order's page, one
//! request at a time, from the release build. The figure is the time from
//! the request to the last byte, on the same machine: the server's time.

use std::fmt::Write as _;
use std::io::{BufReader, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::outbox::{fill, sim_and_listener};
use super::{
    Response, connect, exchange, on_each_backend, percentile, release_binaries, request, start_service, stop,
    write_section,
};
use crate::Result;

const STORES: usize = 10;
const PASSWORD: &str = "bench-console-password";
/// What the queue must render within, per the issue.
const TARGET_MS: f64 = 200.0;

#[derive(Debug)]
pub struct Settings {
    pub orders: usize,
    pub samples: usize,
    pub clients: usize,
    pub database_url: String,
}

struct Page {
    what: &'static str,
    path: String,
    latencies: Vec<Duration>,
    bytes: usize,
}

fn cookie(response: &Response, name: &str) -> Option<String> {
    response
        .headers
        .iter()
        .filter(|(header, _)| header == "set-cookie")
        .find_map(|(_, value)| value.strip_prefix(&format!("{name}="))?.split(';').next().map(str::to_owned))
}

/// The CSRF token of the page's first form.
fn csrf(page: &str) -> Option<String> {
    let marker = r#"name="csrf" value=""#;
    let at = page.find(marker)? + marker.len();
    page[at..].split('"').next().map(str::to_owned)
}

/// Signs `bench` in; returns the `Cookie` header of its session.
fn sign_in(conn: &mut BufReader<TcpStream>, addr: &str) -> Result<String> {
    let login = exchange(conn, addr, "GET", "/login", &[], "")?;
    let login_cookie = cookie(&login, "console_login_csrf").ok_or("no sign-in cookie")?;
    let token = csrf(&login.body).ok_or("no CSRF token on the sign-in page")?;
    let form = format!("login=bench&password={PASSWORD}&csrf={token}");
    let jar = format!("console_login_csrf={login_cookie}");
    let headers = [("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", jar.as_str())];
    let signed = exchange(conn, addr, "POST", "/login", &headers, &form)?;
    let session = cookie(&signed, "console_session")
        .ok_or_else(|| format!("sign-in refused: {} {}", signed.status, signed.body))?;
    Ok(format!("console_session={session}"))
}

fn staff_account(bin: &Path, url: &str) -> Result {
    let mut create = Command::new(bin.join("merchantctl"))
        .args(["staff", "create", "bench", "--role", "admin", "--name", "Bench"])
        .env("MERCHANT_DATABASE_URL", url)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()?;
    create.stdin.take().ok_or("no stdin")?.write_all(format!("{PASSWORD}\n").as_bytes())?;
    if !create.wait()?.success() {
        return Err("merchantctl staff create failed".into());
    }
    Ok(())
}

/// The demo catalog, ten stores set up for Kuper delivery, and `orders`
/// Kuper orders through the simulator and the listener.
fn load_orders(root: &Path, bin: &Path, url: &str, settings: &Settings) -> Result {
    let ctl = |args: &[&str]| super::merchantctl(bin, url, args);
    ctl(&["migrate"])?;
    ctl(&["demo-data", "--offers", "20000"])?;
    for n in 1..=STORES {
        ctl(&["kuper", "store", &format!("STORE-{n:03}"), "--integration", "kuper_delivery"])?;
    }
    staff_account(bin, url)?;
    let ((sim_process, sim), (listener_process, _)) = sim_and_listener(root, bin, url)?;
    let filled = fill(&sim, settings.orders, settings.clients, |n| {
        let store = n % STORES + 1;
        let sku = n % 100 + 1;
        format!(
            r#"{{"integration":"kuper_delivery","store":"STORE-{store:03}","originalOrderId":"C{n}","positions":[{{"id":"SKU-{sku:06}","quantity":1}}]}}"#
        )
    });
    stop(listener_process);
    stop(sim_process);
    filled?;
    if url.starts_with("postgres") {
        use diesel::prelude::*;
        diesel::sql_query("ANALYZE").execute(&mut diesel::PgConnection::establish(url)?)?;
    }
    Ok(())
}

fn time_pages(root: &Path, bin: &Path, url: &str, settings: &Settings) -> Result<Vec<Page>> {
    let (console, addr) =
        start_service(root, &bin.join("merchant-console"), &[("MERCHANT_DATABASE_URL", url)])?;
    let result = (|| -> Result<Vec<Page>> {
        let mut conn = connect(&addr)?;
        let session = sign_in(&mut conn, &addr)?;
        let headers = [("Cookie", session.as_str())];
        let mut pages = vec![
            Page { what: "queue", path: "/".into(), latencies: Vec::new(), bytes: 0 },
            Page {
                what: "queue, one store",
                path: "/?store=STORE-003".into(),
                latencies: Vec::new(),
                bytes: 0,
            },
            Page {
                what: "queue, one status",
                path: "/?status=created".into(),
                latencies: Vec::new(),
                bytes: 0,
            },
            Page { what: "queue, due within 4 h", path: "/?due=240".into(), latencies: Vec::new(), bytes: 0 },
            // Every order of the book is still to pick and overdue: the
            // store's whole share is on its list.
            Page {
                what: "pick list, one store, due within 24 h",
                path: "/picklist?store=STORE-003&due_within=1440".into(),
                latencies: Vec::new(),
                bytes: 0,
            },
            Page {
                what: "a Kuper order",
                path: format!("/orders/kuper/C{}", settings.orders / 2),
                latencies: Vec::new(),
                bytes: 0,
            },
        ];
        for page in &mut pages {
            for _ in 0..settings.samples {
                let started = Instant::now();
                let (status, body) = request(&mut conn, &addr, "GET", &page.path, &headers, "")?;
                page.latencies.push(started.elapsed());
                if status != 200 {
                    return Err(format!("{}: {status}", page.path).into());
                }
                page.bytes = body.len();
            }
            page.latencies.sort();
        }
        Ok(pages)
    })();
    stop(console);
    result
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn run(root: &Path, settings: &Settings) -> Result {
    println!("bench console: building release binaries");
    let bin = release_binaries(root, &["kuper-listener", "kuper-sim", "merchant-console", "merchantctl"])?;
    let (sqlite, postgres) = on_each_backend(root, "console", &settings.database_url, |backend, url| {
        println!("bench console: {backend}: {} Kuper orders through kuper-sim", settings.orders);
        load_orders(root, &bin, url, settings)?;
        println!("bench console: {backend}: timing the pages");
        time_pages(root, &bin, url, settings)
    })?;
    let mut report = format!(
        "# bench: console\n\n`cargo xtask bench console --orders {} --samples {}`: {} Kuper orders (through kuper-sim and\nkuper-listener, over {STORES} stores) in the book; a signed-in admin asks for each page {} times, one\nrequest at a time, on the same machine (the time to the last byte: the server's). The queue shows\nthe newest 500 orders, what is due soon first.\n\n| backend | page | p50 ms | p99 ms | max ms | KiB |\n| --- | --- | ---: | ---: | ---: | ---: |\n",
        settings.orders, settings.samples, settings.orders, settings.samples
    );
    let (mut queue_p99, mut pick_p99): (f64, f64) = (0.0, 0.0);
    for (backend, pages) in [("SQLite", &sqlite), ("PostgreSQL", &postgres)] {
        for page in pages {
            let (p50, p99) = (ms(percentile(&page.latencies, 0.5)), ms(percentile(&page.latencies, 0.99)));
            let max = ms(page.latencies.last().copied().unwrap_or_default());
            if page.what == "queue" {
                queue_p99 = queue_p99.max(p99);
            }
            if page.what.starts_with("pick list") {
                pick_p99 = pick_p99.max(p99);
            }
            let _ = writeln!(
                report,
                "| {backend} | {} | {p50:.1} | {p99:.1} | {max:.1} | {} |",
                page.what,
                page.bytes / 1024
            );
        }
    }
    let verdict = |p99: f64| if p99 <= TARGET_MS { "met" } else { "NOT met" };
    let _ = writeln!(
        report,
        "\n- target: the queue with {} orders renders in ≤ {TARGET_MS:.0} ms: {} (worst p99 {queue_p99:.1} ms)",
        settings.orders,
        verdict(queue_p99)
    );
    let _ = writeln!(
        report,
        "- target: a store's pick list (its {} of the orders, all due) renders in ≤ {TARGET_MS:.0} ms: {} (worst p99 {pick_p99:.1} ms)",
        settings.orders / STORES,
        verdict(pick_p99)
    );
    write_section(root, "console", &report)?;
    println!("{report}");
    Ok(())
}
