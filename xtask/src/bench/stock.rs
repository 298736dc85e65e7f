//! `cargo xtask bench stock`: the merchant's systems' side of the stock
//! model on PostgreSQL, through `mcp-api` over HTTP. One batch of 100,000
//! stock and price updates (`POST /merchant/stock`), timed from the request
//! to the answer that it committed; then, one offer at a time, a changed
//! price or a sold-out offer, timed from the update's request until
//! `/search` shows it.

use std::fmt::Write as _;
use std::io::BufReader;
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde_json::{Value, json};

use super::{ScratchSchema, connect, percentile, post, release_binaries, start_service, stop, write_section};
use crate::Result;

const SCHEMA: &str = "bench_stock";
const TOKEN: &str = "bench-stock-api-token";
/// How long one change may take to show before the sample counts as lost.
const GIVE_UP: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub struct Settings {
    pub offers: usize,
    pub samples: usize,
    pub database_url: String,
}

#[derive(QueryableByName, Clone)]
struct OfferRow {
    #[diesel(sql_type = Text)]
    sku: String,
    #[diesel(sql_type = Text)]
    store_id: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = BigInt)]
    price_minor: i64,
    #[diesel(sql_type = BigInt)]
    stock: i64,
}

/// Every offer, with its product's name to search it by.
const OFFERS_SQL: &str = "SELECT o.sku, o.store_id, p.name, o.price_minor, o.stock
     FROM offers o JOIN products p ON p.sku = o.sku ORDER BY o.store_id, o.sku";

/// The batch's size, as the target states it.
const BATCH: usize = 100_000;

fn price(minor: i64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let major = minor as f64 / 100.0;
    major
}

struct Batch {
    lines: usize,
    applied: u64,
    wall: Duration,
}

/// One change of one offer, and what `/search` must show once it applied.
#[derive(Clone, Copy)]
enum Change {
    Price(i64),
    SoldOut,
}

impl Change {
    fn line(self, offer: &OfferRow, as_of: &str) -> Value {
        match self {
            Change::Price(minor) => json!({"sku": offer.sku, "storeId": offer.store_id,
                "stock": offer.stock.max(0) + 3, "price": price(minor), "asOf": as_of}),
            Change::SoldOut => {
                json!({"sku": offer.sku, "storeId": offer.store_id, "stock": 0, "asOf": as_of})
            }
        }
    }

    fn shown_in(self, item: &Value) -> bool {
        match self {
            Change::Price(minor) => {
                item["price"]["amount"].as_f64().is_some_and(|a| (a - price(minor)).abs() < 0.001)
            }
            Change::SoldOut => item["stock"].as_f64() == Some(0.0),
        }
    }
}

pub fn run(root: &Path, settings: &Settings) -> Result {
    println!("bench stock: building release binaries");
    let bin = release_binaries(root, &["mcp-api", "merchantctl"])?;
    let schema = ScratchSchema::create(&settings.database_url, SCHEMA)?;
    let url = schema.url.clone();
    super::merchantctl(&bin, &url, &["migrate"])?;
    println!("bench stock: loading {} offers", settings.offers);
    super::merchantctl(&bin, &url, &["demo-data", "--offers", &settings.offers.to_string()])?;
    let offers: Vec<OfferRow> = diesel::sql_query(OFFERS_SQL).load(&mut PgConnection::establish(&url)?)?;
    diesel::sql_query("ANALYZE").execute(&mut PgConnection::establish(&url)?)?;

    let (service, addr) = start_service(
        root,
        &bin.join("mcp-api"),
        &[("MERCHANT_DATABASE_URL", &url), ("MERCHANT_STOCK_API_TOKEN", TOKEN)],
    )?;
    let outcome = measure(&addr, &offers, settings);
    stop(service);
    let (batch, visible, lost) = outcome?;

    let report = report(settings, &batch, &visible, lost);
    write_section(root, "stock", &report)?;
    println!("{report}");
    Ok(())
}

fn measure(addr: &str, offers: &[OfferRow], settings: &Settings) -> Result<(Batch, Vec<Duration>, usize)> {
    let mut conn = connect(addr)?;
    let batched = &offers[..offers.len().min(BATCH)];
    println!("bench stock: one batch of {} updates", batched.len());
    let batch = big_batch(&mut conn, addr, batched)?;
    // Offers the search finds by name in their store, each changed once.
    let mut visible = Vec::with_capacity(settings.samples);
    let mut lost = 0;
    let step = (offers.len() / (settings.samples * 4)).max(1);
    let mut candidates = offers.iter().step_by(step);
    println!("bench stock: {} changes, each until /search shows it", settings.samples);
    while visible.len() + lost < settings.samples {
        let offer = candidates.next().ok_or("ran out of offers the search finds")?;
        if find(&mut conn, addr, offer)?.is_none() {
            continue;
        }
        let n = i64::try_from(visible.len() + lost)?;
        let change = if n % 2 == 0 { Change::Price(offer.price_minor + 101 + n) } else { Change::SoldOut };
        match time_to_search(&mut conn, addr, offer, change, n)? {
            Some(took) => visible.push(took),
            None => lost += 1,
        }
    }
    visible.sort();
    Ok((batch, visible, lost))
}

/// Every offer's stock and price changed in one batch.
fn big_batch(conn: &mut BufReader<TcpStream>, addr: &str, offers: &[OfferRow]) -> Result<Batch> {
    let as_of = chrono::Utc::now().to_rfc3339();
    let updates: Vec<Value> = offers
        .iter()
        .map(|o| {
            json!({"sku": o.sku, "storeId": o.store_id, "stock": o.stock.max(0) + 3,
                        "price": price(o.price_minor + 10), "asOf": as_of})
        })
        .collect();
    let body = json!({"batchId": "bench-big", "updates": updates}).to_string();
    let started = Instant::now();
    let (status, answer) = stock_post(conn, addr, &body)?;
    let wall = started.elapsed();
    if status != 200 {
        return Err(format!("the batch answered {status}: {answer}").into());
    }
    let applied = answer["applied"].as_u64().unwrap_or(0);
    if applied != offers.len() as u64 {
        return Err(format!("the batch applied {applied} of {}: {answer}", offers.len()).into());
    }
    Ok(Batch { lines: offers.len(), applied, wall })
}

fn stock_post(conn: &mut BufReader<TcpStream>, addr: &str, body: &str) -> Result<(u16, Value)> {
    let bearer = format!("Bearer {TOKEN}");
    let (status, text) = post(conn, addr, "/merchant/stock", &[("authorization", &bearer)], body)?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// `offer` as `/search` shows it in its store, searched by its name.
fn find(conn: &mut BufReader<TcpStream>, addr: &str, offer: &OfferRow) -> Result<Option<Value>> {
    let body = json!({"lat": 55.7558, "lon": 37.6173, "query": offer.name, "storeId": offer.store_id,
                      "maxResult": 50});
    let rq = [("rqUid", "1c6ec07e-3103-41bb-8753-6cea67521198")];
    let (status, text) = post(conn, addr, "/search", &rq, &body.to_string())?;
    if status != 200 {
        return Err(format!("search answered {status}: {text}").into());
    }
    let answer: Value = serde_json::from_str(&text)?;
    Ok(answer["items"].as_array().and_then(|items| items.iter().find(|i| i["skuId"] == offer.sku).cloned()))
}

/// From the update's request until `/search` shows `change`; `None` when
/// it did not within [`GIVE_UP`].
fn time_to_search(
    conn: &mut BufReader<TcpStream>,
    addr: &str,
    offer: &OfferRow,
    change: Change,
    n: i64,
) -> Result<Option<Duration>> {
    // At no fixed phase of the service's refresh: a change sent right after
    // the previous one showed would always wait a whole interval.
    let phase = u64::try_from(n).unwrap_or(0).wrapping_mul(7_919) % 300;
    std::thread::sleep(Duration::from_millis(phase));
    let as_of = chrono::Utc::now().to_rfc3339();
    let body = json!({"batchId": format!("bench-{n}"), "updates": [change.line(offer, &as_of)]}).to_string();
    let started = Instant::now();
    let (status, answer) = stock_post(conn, addr, &body)?;
    if status != 200 || answer["applied"] != 1 {
        return Err(format!("update {n} answered {status}: {answer}").into());
    }
    while started.elapsed() < GIVE_UP {
        if find(conn, addr, offer)?.is_some_and(|item| change.shown_in(&item)) {
            return Ok(Some(started.elapsed()));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Ok(None)
}

fn report(settings: &Settings, batch: &Batch, visible: &[Duration], lost: usize) -> String {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut out = format!(
        "# bench: stock\n\n`cargo xtask bench stock --offers {} --samples {}`: on PostgreSQL, through `mcp-api` over\nHTTP (release build, default `catalog.index_refresh_ms`). One `POST /merchant/stock` batch changing\nthe stock and price of {} offers, timed from the request to its answer (parsed, checked, applied in one\ntransaction, committed). Then {} single changes, price and sold-out in turn, each timed from its\nupdate's request until `/search` shows it.\n\n",
        settings.offers, settings.samples, batch.lines, settings.samples
    );
    let _ = write!(
        out,
        "| what | figure | target |\n| --- | ---: | ---: |\n| {} updates in one batch | {:.2} s ({} applied) | ≤ 2 s |\n",
        batch.lines,
        batch.wall.as_secs_f64(),
        batch.applied
    );
    let _ = writeln!(
        out,
        "| change visible in /search, p50 | {:.0} ms | |\n| change visible in /search, p99 | {:.0} ms | ≤ 1000 ms |\n| change visible in /search, max | {:.0} ms | |\n| changes not visible within {} s | {} | 0 |",
        ms(percentile(visible, 0.5)),
        ms(percentile(visible, 0.99)),
        ms(visible.last().copied().unwrap_or_default()),
        GIVE_UP.as_secs(),
        lost
    );
    out
}
