//! `cargo xtask bench search`: our `/search` over HTTP against PostgreSQL
//! full-text search (`to_tsvector('russian', …)`, GIN, `ts_rank`) on the
//! same data, the same queries, the same number of client connections.
//! Figures and ratios go to `bench/RESULTS.md`.

use std::fmt::Write as _;
use std::io::BufReader;
use std::net::TcpStream;
use std::path::Path;
use std::time::Instant;

use diesel::prelude::*;
use diesel::sql_types::{Double, Text};

use super::background::{Achieved, Pace, Stream};
use super::{
    Measured, ScratchSchema, connect, load, post, release_binaries, rss_kib, start_service, stop,
    write_section,
};
use crate::Result;

const SCHEMA: &str = "bench_search";
/// Red Square: a point several demo stores deliver to.
const POINT: (f64, f64) = (55.7558, 37.6173);
const TOP: usize = 10;
const STOCK_TOKEN: &str = "bench-search-stock-token";
/// The busy rows' background: the merchant's systems and shoppers at work.
const BUSY: Pace = Pace { updates_per_s: 1_000, checkouts_per_s: 50 };

#[derive(Debug)]
pub struct Settings {
    pub offers: usize,
    pub seconds: u64,
    pub clients: usize,
    pub database_url: String,
}

struct Side {
    name: &'static str,
    measured: Measured,
    /// The share of each relevance set answered, in the order of [`SETS`].
    relevance: Vec<f64>,
}

/// The search crate's relevance sets over the demo catalog
/// (`crates/search/tests/it/<name>.tsv`), each reported on its own: the set
/// the ranking was tuned on and the sets of kinds it was not. (`chain.tsv`
/// is over a feed of its own, which this bench does not load.)
const SETS: &[&str] = &["relevance", "layout", "unseen"];

type Queries = Vec<(String, Vec<String>)>;

fn relevance_sets(root: &Path) -> Result<Vec<Queries>> {
    SETS.iter()
        .map(|set| {
            let path = root.join(format!("crates/search/tests/it/{set}.tsv"));
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(text
                .lines()
                .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                .filter_map(|l| l.split_once('\t'))
                .map(|(q, e)| (q.to_owned(), e.split('|').map(norm).collect()))
                .collect())
        })
        .collect()
}

fn norm(s: &str) -> String {
    s.to_lowercase().replace('ё', "е")
}

pub fn run(root: &Path, settings: &Settings) -> Result {
    let sets = relevance_sets(root)?;
    let queries: Queries = sets.iter().flatten().cloned().collect();
    println!("bench search: building release binaries");
    let bin = release_binaries(root, &["mcp-api", "merchantctl"])?;

    let schema = ScratchSchema::create(&settings.database_url, SCHEMA)?;
    let url = schema.url.clone();
    let ctl = |args: &[&str]| super::merchantctl(&bin, &url, args);
    ctl(&["migrate"])?;
    let started = Instant::now();
    ctl(&["demo-data", "--offers", &settings.offers.to_string()])?;
    println!("bench search: loaded {} offers in {:.0?}", settings.offers, started.elapsed());

    let mut pg = PgConnection::establish(&url)?;
    diesel::sql_query("CREATE INDEX products_fts ON products USING GIN (to_tsvector('russian', name))")
        .execute(&mut pg)?;
    diesel::sql_query("ANALYZE").execute(&mut pg)?;

    let client = format!("Bearer {}", ctl(&["tokens", "create", "--client", "bench"])?.trim());
    let (service, addr) = start_service(
        root,
        &bin.join("mcp-api"),
        &[
            ("MERCHANT_DATABASE_URL", &url),
            ("MERCHANT_STOCK_API_TOKEN", STOCK_TOKEN),
            ("MERCHANT_TOKEN_INTROSPECTION_MODE", "sandbox"),
            ("MERCHANT_PICKUP_CAPACITY", "100000"),
            // The background's one shopper places 50 unpaid orders a second:
            // the per-shopper caps would refuse all but the first few.
            ("MERCHANT_ORDERS_MAX_UNPAID_PER_SHOPPER", "10000"),
            ("MERCHANT_ORDERS_MAX_HELD_UNITS_PER_SHOPPER", "1000000"),
        ],
    )?;
    let measured = (|| -> Result<_> {
        println!("bench search: quiet");
        let ours = run_http(&addr, &queries, &sets, settings)?;
        println!(
            "bench search: busy ({} stock updates/s, {} checkouts/s)",
            BUSY.updates_per_s, BUSY.checkouts_per_s
        );
        let stream = Stream::start(&addr, &url, &client, STOCK_TOKEN, BUSY)?;
        let ours_busy = run_http(&addr, &queries, &sets, settings);
        let theirs_busy = run_pg(&url, PgAnswer::WithOffer, &queries, &sets, settings);
        let achieved = stream.stop()?;
        Ok((ours, ours_busy?, theirs_busy?, achieved))
    })();
    let rss_kib = rss_kib(service.id());
    stop(service);
    let (ours, ours_busy, theirs_busy, achieved) = measured?;
    let theirs = run_pg(&url, PgAnswer::WithOffer, &queries, &sets, settings)?;
    let names_only = run_pg(&url, PgAnswer::NamesOnly, &queries, &sets, settings)?;

    let quiet = [&ours, &theirs, &names_only];
    let busy = Busy { ours: &ours_busy, theirs: &theirs_busy, achieved };
    let report = report(settings, queries.len(), quiet, &busy, rss_kib);
    write_section(root, "search", &report)?;
    println!("{report}");
    Ok(())
}

fn search_body(query: &str, max: usize) -> String {
    serde_json::json!({"lat": POINT.0, "lon": POINT.1, "query": query, "maxResult": max}).to_string()
}

/// The share of each set's queries whose top 3 holds a name with every
/// expected word.
fn relevance(sets: &[Queries], mut top3: impl FnMut(&str) -> Result<Vec<String>>) -> Result<Vec<f64>> {
    sets.iter()
        .map(|queries| {
            let mut passed = 0;
            for (query, expected) in queries {
                let names = top3(query)?;
                if names.iter().any(|n| expected.iter().all(|w| norm(n).contains(w.as_str()))) {
                    passed += 1;
                }
            }
            #[allow(clippy::cast_precision_loss)]
            Ok(f64::from(passed) / queries.len().max(1) as f64)
        })
        .collect()
}

const RQ_UID: (&str, &str) = ("rqUid", "1c6ec07e-3103-41bb-8753-6cea67521198");

/// `/search` for `query`; the body of a 200, an error otherwise.
fn search(conn: &mut BufReader<TcpStream>, addr: &str, query: &str, max: usize) -> Result<String> {
    match post(conn, addr, "/search", &[RQ_UID], &search_body(query, max))? {
        (200, body) => Ok(body),
        (status, body) => Err(format!("search for {query:?} answered {status}: {body}").into()),
    }
}

fn run_http(addr: &str, queries: &Queries, sets: &[Queries], settings: &Settings) -> Result<Side> {
    // Warm up: every query once.
    let mut warm = connect(addr)?;
    for (q, _) in queries {
        search(&mut warm, addr, q, TOP)?;
    }
    let measured = load(
        settings.clients,
        settings.seconds,
        || connect(addr),
        |c, client, i| search(c, addr, &queries[(client + i) % queries.len()].0, TOP).map(drop),
    )?;
    // A fresh connection: the warm-up one idled past the keep-alive timeout
    // during the load.
    let mut conn = connect(addr)?;
    let relevance = relevance(sets, |q| {
        let body: serde_json::Value = serde_json::from_str(&search(&mut conn, addr, q, 3)?)?;
        Ok(body["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["skuName"].as_str().map(str::to_owned))
            .collect())
    })?;
    Ok(Side { name: "mcp-api /search (tantivy)", measured, relevance })
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
    queries: &Queries,
    sets: &[Queries],
    settings: &Settings,
) -> Result<Side> {
    let connect = || -> Result<PgConnection> { Ok(PgConnection::establish(url)?) };
    let mut warm = connect()?;
    for (q, _) in queries {
        pg_search(&mut warm, answer, q, 10)?;
    }
    let measured = load(settings.clients, settings.seconds, connect, |c, client, i| {
        pg_search(c, answer, &queries[(client + i) % queries.len()].0, 10).map(drop).map_err(Into::into)
    })?;
    let relevance =
        relevance(sets, |q| Ok(pg_search(&mut warm, answer, q, 3)?.into_iter().map(|n| n.name).collect()))?;
    Ok(Side {
        name: match answer {
            PgAnswer::WithOffer => "PostgreSQL full-text search + best offer (what /search answers)",
            PgAnswer::NamesOnly => "PostgreSQL full-text search, names only (reference)",
        },
        measured,
        relevance,
    })
}

/// The busy rows: both sides measured while the background stream runs.
struct Busy<'a> {
    ours: &'a Side,
    theirs: &'a Side,
    achieved: Achieved,
}

fn ratio(ours: &Side, theirs: &Side) -> f64 {
    ours.measured.throughput() / theirs.measured.throughput().max(f64::MIN_POSITIVE)
}

fn report(settings: &Settings, queries: usize, quiet: [&Side; 3], busy: &Busy<'_>, rss_kib: u64) -> String {
    let mut out = format!(
        "# bench: search\n\n`cargo xtask bench search --offers {} --seconds {} --clients {}`: the {} relevance queries\nin turn, top {TOP}, from {} client connection(s) per side, on the same PostgreSQL data. `/search` answers\neach product with its best offer in a store that reaches the point, price and stock from memory (the\noffer book, which follows every stock move); PostgreSQL is asked for the same answer in one query, and\nfor names only. Busy rows: measured while {} stock updates/s (`POST /merchant/stock`, batches of\n{} every 100 ms) and {} checkouts/s go to the same `mcp-api` and database.\n\nRelevance: the share of each set's queries with a right name in the top 3 (`crates/search/tests/it/<set>.tsv`).\n\n| load | side | requests/s | p50 ms | p99 ms |",
        settings.offers,
        settings.seconds,
        settings.clients,
        queries,
        settings.clients,
        BUSY.updates_per_s,
        BUSY.updates_per_s / 10,
        BUSY.checkouts_per_s
    );
    for set in SETS {
        let _ = write!(out, " {set} |");
    }
    out.push_str("\n| --- | --- | ---: | ---: | ---: |");
    out.push_str(&" ---: |".repeat(SETS.len()));
    out.push('\n');
    let rows = quiet.iter().map(|s| ("quiet", *s)).chain([("busy", busy.ours), ("busy", busy.theirs)]);
    for (load, side) in rows {
        let _ = write!(out, "| {load} | {} | {} |", side.name, side.measured.cells());
        for share in &side.relevance {
            let _ = write!(out, " {:.1} % |", share * 100.0);
        }
        out.push('\n');
    }
    let [ours, theirs, names_only] = quiet;
    let _ = write!(
        out,
        "\n- throughput ratio, ours / PostgreSQL answering the same: quiet {:.1}×, busy {:.1}× (target ≥ 10×); quiet against names only: {:.1}×\n- our p99: quiet {:.2} ms, busy {:.2} ms (target ≤ 5 ms)\n- the background achieved {:.0} stock updates/s and {:.1} checkouts/s\n- mcp-api RSS after the load: {} MiB\n",
        ratio(ours, theirs),
        ratio(busy.ours, busy.theirs),
        ratio(ours, names_only),
        ours.measured.ms(0.99),
        busy.ours.measured.ms(0.99),
        busy.achieved.updates_per_s,
        busy.achieved.checkouts_per_s,
        rss_kib / 1024
    );
    out
}
