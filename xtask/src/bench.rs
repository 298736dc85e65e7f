//! `cargo xtask bench search`: our `/search` over HTTP against PostgreSQL
//! full-text search (`to_tsvector('russian', …)`, GIN, `ts_rank`) on the
//! same data, the same queries, the same number of client connections.
//! Figures and ratios go to `bench/RESULTS.md`.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::{Double, Text};

use crate::{Result, cargo};

const SCHEMA: &str = "bench_search";
/// Red Square: a point several demo stores deliver to.
const POINT: (f64, f64) = (55.7558, 37.6173);
const TOP: usize = 10;

#[derive(Debug)]
pub struct Settings {
    pub offers: usize,
    pub seconds: u64,
    pub clients: usize,
    pub database_url: String,
}

struct Side {
    name: &'static str,
    requests: usize,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
    relevance: f64,
}

impl Side {
    #[allow(clippy::cast_precision_loss)]
    fn throughput(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

fn relevance_set(root: &Path) -> Result<Vec<(String, Vec<String>)>> {
    let text = std::fs::read_to_string(root.join("crates/search/tests/relevance.tsv"))?;
    Ok(text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
        .map(|(q, e)| (q.to_owned(), e.split('|').map(norm).collect()))
        .collect())
}

fn norm(s: &str) -> String {
    s.to_lowercase().replace('ё', "е")
}

fn schema_url(base: &str) -> String {
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}options=-csearch_path%3D{SCHEMA}")
}

pub fn search(root: &Path, settings: &Settings) -> Result {
    let queries = relevance_set(root)?;
    println!("bench search: building release binaries");
    let status = cargo()
        .current_dir(root)
        .args(["build", "--release", "--quiet", "--bin", "mcp-api", "--bin", "merchantctl"])
        .status()?;
    if !status.success() {
        return Err("release build failed".into());
    }
    let bin = crate::up::target_dir(root)?.join("release");

    let mut admin = PgConnection::establish(&settings.database_url)?;
    diesel::sql_query(format!("DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")).execute(&mut admin)?;
    diesel::sql_query(format!("CREATE SCHEMA {SCHEMA}")).execute(&mut admin)?;
    let url = schema_url(&settings.database_url);
    let ctl = |args: &[&str]| -> Result {
        let status =
            Command::new(bin.join("merchantctl")).args(args).env("MERCHANT_DATABASE_URL", &url).status()?;
        if status.success() { Ok(()) } else { Err(format!("merchantctl {args:?} failed").into()) }
    };
    ctl(&["migrate"])?;
    let started = Instant::now();
    ctl(&["demo-data", "--offers", &settings.offers.to_string()])?;
    println!("bench search: loaded {} offers in {:.0?}", settings.offers, started.elapsed());

    let mut pg = PgConnection::establish(&url)?;
    diesel::sql_query("CREATE INDEX products_fts ON products USING GIN (to_tsvector('russian', name))")
        .execute(&mut pg)?;
    diesel::sql_query("ANALYZE").execute(&mut pg)?;

    let (mut service, addr) = start_service(root, &bin, &url)?;
    let ours = run_http(&addr, &queries, settings)?;
    let rss_kib = rss_kib(service.id());
    let _ = Command::new("kill").args(["-TERM", &service.id().to_string()]).status();
    let _ = service.wait();
    let theirs = run_pg(&url, PgAnswer::WithOffer, &queries, settings)?;
    let names_only = run_pg(&url, PgAnswer::NamesOnly, &queries, settings)?;

    let report = report(settings, queries.len(), &ours, &theirs, &names_only, rss_kib);
    std::fs::create_dir_all(root.join("bench"))?;
    std::fs::write(root.join("bench/RESULTS.md"), &report)?;
    println!("{report}");
    diesel::sql_query(format!("DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")).execute(&mut admin)?;
    Ok(())
}

fn start_service(root: &Path, bin: &Path, url: &str) -> Result<(Child, String)> {
    std::fs::create_dir_all(root.join("bench/out"))?;
    let log = std::fs::File::create(root.join("bench/out/mcp-api.log"))?;
    let mut child = Command::new(bin.join("mcp-api"))
        .env("MERCHANT_DATABASE_URL", url)
        .env("MERCHANT_MCP_API_ADDR", "127.0.0.1:0")
        .env("MERCHANT_LOG_LEVEL", "warn")
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .ok_or_else(|| format!("unexpected: {line}"))?
        .to_owned();
    Ok((child, addr))
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// One keep-alive HTTP/1.1 POST; returns the body.
fn post(stream: &mut BufReader<TcpStream>, addr: &str, body: &str) -> Result<String> {
    let request = format!(
        "POST /search HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nrqUid: 1c6ec07e-3103-41bb-8753-6cea67521198\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.get_mut().write_all(request.as_bytes())?;
    let mut length = 0;
    let mut line = String::new();
    stream.read_line(&mut line)?;
    if !line.contains(" 200 ") {
        return Err(format!("search for {body} answered {line:?} (see bench/out/mcp-api.log)").into());
    }
    loop {
        line.clear();
        stream.read_line(&mut line)?;
        if line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse()?;
        }
    }
    let mut body = vec![0; length];
    stream.read_exact(&mut body)?;
    Ok(String::from_utf8(body)?)
}

fn search_body(query: &str, max: usize) -> String {
    serde_json::json!({"lat": POINT.0, "lon": POINT.1, "query": query, "maxResult": max}).to_string()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let i = ((sorted.len() as f64 * p).ceil() as usize).saturating_sub(1);
    sorted.get(i).copied().unwrap_or_default()
}

/// `clients` threads, each sending the queries in turn for `seconds`.
fn load<C>(
    settings: &Settings,
    queries: &[(String, Vec<String>)],
    connect: impl Fn() -> Result<C> + Sync,
    call: impl Fn(&mut C, &str) -> Result<usize> + Sync,
) -> Result<(usize, Duration, Vec<Duration>)> {
    let deadline = Instant::now() + Duration::from_secs(settings.seconds);
    let started = Instant::now();
    let results: Vec<Result<Vec<Duration>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..settings.clients)
            .map(|client| {
                let (connect, call) = (&connect, &call);
                scope.spawn(move || -> Result<Vec<Duration>> {
                    let mut conn = connect()?;
                    let mut latencies = Vec::new();
                    let mut i = client;
                    while Instant::now() < deadline {
                        let t = Instant::now();
                        call(&mut conn, &queries[i % queries.len()].0)?;
                        latencies.push(t.elapsed());
                        i += 1;
                    }
                    Ok(latencies)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("client panicked".into()))).collect()
    });
    let elapsed = started.elapsed();
    let mut all = Vec::new();
    for r in results {
        all.extend(r?);
    }
    all.sort();
    Ok((all.len(), elapsed, all))
}

fn relevance(
    queries: &[(String, Vec<String>)],
    mut top3: impl FnMut(&str) -> Result<Vec<String>>,
) -> Result<f64> {
    let mut passed = 0;
    for (query, expected) in queries {
        let names = top3(query)?;
        if names.iter().any(|n| expected.iter().all(|w| norm(n).contains(w.as_str()))) {
            passed += 1;
        }
    }
    #[allow(clippy::cast_precision_loss)]
    Ok(f64::from(passed) / queries.len() as f64)
}

fn run_http(addr: &str, queries: &[(String, Vec<String>)], settings: &Settings) -> Result<Side> {
    let connect = || -> Result<BufReader<TcpStream>> { Ok(BufReader::new(TcpStream::connect(addr)?)) };
    // Warm up: every query once.
    let mut warm = connect()?;
    for (q, _) in queries {
        post(&mut warm, addr, &search_body(q, TOP))?;
    }
    let (requests, elapsed, latencies) =
        load(settings, queries, connect, |c, q| post(c, addr, &search_body(q, TOP)).map(|b| b.len()))?;
    // A fresh connection: the warm-up one idled past the keep-alive timeout
    // during the load.
    let mut conn = connect()?;
    let relevance = relevance(queries, |q| {
        let body: serde_json::Value = serde_json::from_str(&post(&mut conn, addr, &search_body(q, 3))?)?;
        Ok(body["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["skuName"].as_str().map(str::to_owned))
            .collect())
    })?;
    Ok(Side {
        name: "mcp-api /search (tantivy)",
        requests,
        elapsed,
        p50: percentile(&latencies, 0.5),
        p99: percentile(&latencies, 0.99),
        relevance,
    })
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

/// What the PostgreSQL side answers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PgAnswer {
    /// What `/search` answers: each product with its best offer in a store
    /// that reaches the point (in stock, then deliverable, then nearest),
    /// by the same reach rule as `mcp-api`'s defaults.
    WithOffer,
    /// Product names that have some deliverable offer: less than `/search`
    /// answers, kept as the floor of what full-text search costs.
    NamesOnly,
}

/// `mcp-api`'s default pickup radius (`MERCHANT_CATALOG_PICKUP_RADIUS_M`).
const PICKUP_RADIUS_M: f64 = 5000.0;

const DISTANCE_SQL: &str = "2 * 6371008.8 * asin(sqrt(power(sin(radians(s.lat - $2) / 2), 2)
    + cos(radians($2)) * cos(radians(s.lat)) * power(sin(radians(s.lon - $3) / 2), 2)))";

/// The PostgreSQL way: full-text match on the product name, best rank first.
fn pg_search(conn: &mut PgConnection, answer: PgAnswer, query: &str, limit: i64) -> QueryResult<Vec<Name>> {
    let sql = match answer {
        PgAnswer::WithOffer => format!(
            "WITH reach AS (
               SELECT s.id, {DISTANCE_SQL} AS distance, s.delivery_radius_m, s.pickup FROM stores s
             ), reachable AS (
               SELECT id, distance FROM reach
               WHERE distance <= delivery_radius_m OR (pickup AND distance <= {PICKUP_RADIUS_M})
             ), matched AS (
               SELECT p.sku, p.name, ts_rank(to_tsvector('russian', p.name), q) AS rank
               FROM products p, plainto_tsquery('russian', $1) q
               WHERE to_tsvector('russian', p.name) @@ q
             )
             SELECT m.name, o.price_minor, o.stock, o.store_id FROM matched m
             JOIN LATERAL (
               SELECT o.price_minor, o.stock, o.store_id FROM offers o JOIN reachable r ON r.id = o.store_id
               WHERE o.sku = m.sku
               ORDER BY o.stock > 0 DESC, o.delivery DESC, r.distance LIMIT 1
             ) o ON true
             ORDER BY m.rank * CASE WHEN o.stock > 0 THEN 1 ELSE 0.5 END DESC
             LIMIT $4"
        ),
        PgAnswer::NamesOnly => format!(
            "SELECT p.name FROM products p
             WHERE to_tsvector('russian', p.name) @@ plainto_tsquery('russian', $1)
               AND EXISTS (SELECT 1 FROM offers o JOIN stores s ON s.id = o.store_id
                           WHERE o.sku = p.sku AND s.delivery_radius_m IS NOT NULL
                             AND {DISTANCE_SQL} <= s.delivery_radius_m)
             ORDER BY ts_rank(to_tsvector('russian', p.name), plainto_tsquery('russian', $1)) DESC
             LIMIT $4"
        ),
    };
    diesel::sql_query(sql)
        .bind::<Text, _>(query)
        .bind::<Double, _>(POINT.0)
        .bind::<Double, _>(POINT.1)
        .bind::<diesel::sql_types::BigInt, _>(limit)
        .load(conn)
}

fn run_pg(
    url: &str,
    answer: PgAnswer,
    queries: &[(String, Vec<String>)],
    settings: &Settings,
) -> Result<Side> {
    let connect = || -> Result<PgConnection> { Ok(PgConnection::establish(url)?) };
    let mut warm = connect()?;
    for (q, _) in queries {
        pg_search(&mut warm, answer, q, 10)?;
    }
    let (requests, elapsed, latencies) =
        load(settings, queries, connect, |c, q| Ok(pg_search(c, answer, q, 10)?.len()))?;
    let relevance = relevance(queries, |q| {
        Ok(pg_search(&mut warm, answer, q, 3)?.into_iter().map(|n| n.name).collect())
    })?;
    Ok(Side {
        name: match answer {
            PgAnswer::WithOffer => "PostgreSQL full-text search + best offer (what /search answers)",
            PgAnswer::NamesOnly => "PostgreSQL full-text search, names only (reference)",
        },
        requests,
        elapsed,
        p50: percentile(&latencies, 0.5),
        p99: percentile(&latencies, 0.99),
        relevance,
    })
}

fn report(
    settings: &Settings,
    queries: usize,
    ours: &Side,
    theirs: &Side,
    names_only: &Side,
    rss_kib: u64,
) -> String {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut out = format!(
        "# bench: search\n\n`cargo xtask bench search --offers {} --seconds {} --clients {}`: the {} relevance queries\nin turn, top {TOP}, from {} client connection(s) per side, on the same PostgreSQL data. `/search` answers\neach product with its best offer in a store that reaches the point, price and stock read from PostgreSQL\nper request; the second row asks PostgreSQL for the same answer in one query, the third for names only.\n\n| side | requests/s | p50 ms | p99 ms | relevance (top 3) |\n| --- | ---: | ---: | ---: | ---: |\n",
        settings.offers, settings.seconds, settings.clients, queries, settings.clients
    );
    for side in [ours, theirs, names_only] {
        let _ = writeln!(
            out,
            "| {} | {:.0} | {:.2} | {:.2} | {:.1} % |",
            side.name,
            side.throughput(),
            ms(side.p50),
            ms(side.p99),
            side.relevance * 100.0
        );
    }
    let _ = write!(
        out,
        "\n- throughput ratio (ours / PostgreSQL answering the same): {:.1}× (target ≥ 3×); against names only: {:.1}×\n- our p99: {:.2} ms (target ≤ 20 ms)\n- mcp-api RSS after the load: {} MiB\n",
        ours.throughput() / theirs.throughput().max(f64::MIN_POSITIVE),
        ours.throughput() / names_only.throughput().max(f64::MIN_POSITIVE),
        ms(ours.p99),
        rss_kib / 1024
    );
    out
}
