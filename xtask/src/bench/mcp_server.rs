//! `cargo xtask bench mcp-server`: `search_products` calls per second over
//! Streamable HTTP (`merchant-mcp`, one MCP session per client) beside
//! `POST /search` (`mcp-api`) on the same data, the same queries, the same
//! number of client connections. The ratio is the figure: what speaking
//! MCP costs over the plain API.

use std::fmt::Write as _;
use std::io::BufReader;
use std::net::TcpStream;
use std::path::Path;

use serde_json::{Value, json};

use super::{Measured, connect, exchange, load, post, release_binaries, start_service, stop, write_section};
use crate::Result;

const POINT: (f64, f64) = (55.7558, 37.6173);
const QUERIES: [&str; 10] = [
    "молоко",
    "сыр",
    "хлеб",
    "кефир 1%",
    "яблоки",
    "шоколад",
    "чай",
    "кофе молотый",
    "масло сливочное",
    "сок",
];
const TARGET_RATIO: f64 = 0.5;
const RQ_UID: (&str, &str) = ("rqUid", "1c6ec07e-3103-41bb-8753-6cea67521198");

#[derive(Debug)]
pub struct Settings {
    pub offers: usize,
    pub seconds: u64,
    pub clients: usize,
}

/// An MCP session over one keep-alive connection.
struct Session {
    conn: BufReader<TcpStream>,
    id: String,
    version: String,
}

/// The JSON-RPC message of an answer: plain JSON, or the `data:` of an
/// event stream.
fn message(body: &str) -> Result<Value> {
    let text =
        body.lines().filter_map(|l| l.strip_prefix("data:")).map(str::trim).find(|d| d.starts_with('{'));
    Ok(serde_json::from_str(text.unwrap_or(body))?)
}

fn open_session(addr: &str, bearer: &str) -> Result<Session> {
    let mut conn = connect(addr)?;
    let headers = [("Authorization", bearer), ("Accept", "application/json, text/event-stream")];
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}});
    let answer = exchange(&mut conn, addr, "POST", "/mcp", &headers, &init.to_string())?;
    let id = answer
        .headers
        .iter()
        .find(|(name, _)| name == "mcp-session-id")
        .map(|(_, v)| v.clone())
        .ok_or_else(|| format!("initialize: {} {}", answer.status, answer.body))?;
    let version =
        message(&answer.body)?["result"]["protocolVersion"].as_str().unwrap_or("2025-06-18").to_owned();
    let mut session = Session { conn, id, version };
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    session.send(addr, bearer, &initialized.to_string())?;
    Ok(session)
}

impl Session {
    fn send(&mut self, addr: &str, bearer: &str, body: &str) -> Result<super::Response> {
        let headers = [
            ("Authorization", bearer),
            ("Accept", "application/json, text/event-stream"),
            ("Mcp-Session-Id", self.id.as_str()),
            ("MCP-Protocol-Version", self.version.as_str()),
        ];
        exchange(&mut self.conn, addr, "POST", "/mcp", &headers, body)
    }

    /// One `search_products` call. The client does as little as the
    /// `/search` side does (the body is made beforehand, the answer is
    /// checked, not parsed), so the bench measures the servers, not its
    /// own JSON parser.
    fn search(&mut self, addr: &str, bearer: &str, arguments: &str, n: usize) -> Result {
        let call = format!(
            r#"{{"jsonrpc":"2.0","id":{},"method":"tools/call","params":{{"name":"search_products","arguments":{arguments}}}}}"#,
            n + 1
        );
        let answer = self.send(addr, bearer, &call)?;
        if answer.status != 200 || !answer.body.contains(r#""isError":false"#) {
            return Err(format!("search_products {arguments}: {} {}", answer.status, answer.body).into());
        }
        Ok(())
    }
}

/// The same query as `search_products` arguments and as a `/search` body.
struct Query {
    tool: String,
    api: String,
}

fn queries() -> Vec<Query> {
    QUERIES
        .iter()
        .map(|q| Query {
            tool: json!({"query": q, "latitude": POINT.0, "longitude": POINT.1, "limit": 10}).to_string(),
            api: json!({"lat": POINT.0, "lon": POINT.1, "query": q, "maxResult": 10}).to_string(),
        })
        .collect()
}

fn search(conn: &mut BufReader<TcpStream>, addr: &str, bearer: &str, body: &str) -> Result {
    match post(conn, addr, "/search", &[RQ_UID, ("Authorization", bearer)], body)? {
        (200, _) => Ok(()),
        (status, answer) => Err(format!("/search {body}: {status} {answer}").into()),
    }
}

pub fn run(root: &Path, settings: &Settings) -> Result {
    println!("bench mcp-server: building release binaries");
    let bin = release_binaries(root, &["mcp-api", "merchant-mcp", "merchantctl"])?;
    let scratch = root.join("bench/out/mcp-server");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)?;
    let url = format!("sqlite://{}", scratch.join("bench.db").display());
    let ctl = |args: &[&str]| super::merchantctl(&bin, &url, args);
    ctl(&["migrate"])?;
    ctl(&["demo-data", "--offers", &settings.offers.to_string()])?;
    let bearer = format!("Bearer {}", ctl(&["tokens", "create", "--client", "bench"])?.trim());
    let env = [("MERCHANT_DATABASE_URL", url.as_str()), ("MERCHANT_MCP_SERVER_ADDR", "127.0.0.1:0")];
    let (api, api_addr) = start_service(root, &bin.join("mcp-api"), &env)?;
    let (mcp, mcp_addr) = start_service(root, &bin.join("merchant-mcp"), &env)?;
    let queries = queries();
    let measure = || -> Result<(Measured, Measured)> {
        // Warm up both: every query once.
        let mut warm = connect(&api_addr)?;
        let mut session = open_session(&mcp_addr, &bearer)?;
        for (i, q) in queries.iter().enumerate() {
            search(&mut warm, &api_addr, &bearer, &q.api)?;
            session.search(&mcp_addr, &bearer, &q.tool, i)?;
        }
        println!("bench mcp-server: /search for {} s", settings.seconds);
        let plain = load(
            settings.clients,
            settings.seconds,
            || connect(&api_addr),
            |c, client, i| search(c, &api_addr, &bearer, &queries[(client + i) % queries.len()].api),
        )?;
        println!("bench mcp-server: search_products for {} s", settings.seconds);
        let over_mcp = load(
            settings.clients,
            settings.seconds,
            || open_session(&mcp_addr, &bearer),
            |s, client, i| s.search(&mcp_addr, &bearer, &queries[(client + i) % queries.len()].tool, i),
        )?;
        Ok((plain, over_mcp))
    };
    let measured = measure();
    stop(mcp);
    stop(api);
    let (plain, over_mcp) = measured?;
    let ratio = over_mcp.throughput() / plain.throughput();
    let mut report = format!(
        "# bench: mcp-server\n\n`cargo xtask bench mcp-server --offers {} --seconds {} --clients {}`: the same {} Russian queries\nin turn, top 10 near one point, from {} client connection(s) per side, on the same SQLite data: `POST /search`\nto `mcp-api`, and `tools/call search_products` to `merchant-mcp` over Streamable HTTP (one MCP session\nper client; each answer an event stream). Both search the same projections with the same use case. The\nclient (xtask, built optimized) makes each request body beforehand and checks each answer without\nparsing it, the same on both sides, so the figures are the services', not the client's.\n\n| side | calls/s | p50 ms | p99 ms |\n| --- | ---: | ---: | ---: |\n",
        settings.offers,
        settings.seconds,
        settings.clients,
        QUERIES.len(),
        settings.clients
    );
    let _ = writeln!(report, "| mcp-api `POST /search` | {} |", plain.cells());
    let _ = writeln!(report, "| merchant-mcp `search_products` | {} |", over_mcp.cells());
    let verdict = if ratio >= TARGET_RATIO { "met" } else { "NOT met" };
    let _ = writeln!(
        report,
        "\n- ratio search_products / `/search`: {ratio:.2} (target ≥ {TARGET_RATIO}: {verdict})"
    );
    write_section(root, "mcp-server", &report)?;
    println!("{report}");
    Ok(())
}
