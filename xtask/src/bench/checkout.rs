//! `cargo xtask bench checkout`: checkouts per second and their latency on
//! each backend, through `mcp-api` over HTTP, each taking one unit of stock
//! in one transaction with its slot place.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::BufReader;
use std::net::TcpStream;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::prelude::*;
use diesel::sql_types::Text;
use serde_json::{Value, json};

use super::{
    Measured, connect, load, on_each_backend, post, release_binaries, start_service, stop, write_section,
};
use crate::Result;

/// Every unit on a pickup shelf (up to five per offer), one checkout's
/// worth each, spread over stores and products.
pub(super) const UNITS_SQL: &str =
    "WITH RECURSIVE n(unit) AS (SELECT 1 UNION ALL SELECT unit + 1 FROM n WHERE unit < 5)
     SELECT o.store_id, o.sku FROM offers o JOIN stores s ON s.id = o.store_id JOIN n ON n.unit <= o.stock
     WHERE s.pickup AND o.pickup ORDER BY n.unit, o.sku, o.store_id";

#[derive(Debug)]
pub struct Settings {
    pub offers: usize,
    pub seconds: u64,
    pub clients: usize,
    pub database_url: String,
}

#[derive(QueryableByName)]
pub(super) struct Unit {
    #[diesel(sql_type = Text)]
    pub store_id: String,
    #[diesel(sql_type = Text)]
    pub sku: String,
}

/// A signed-in shopper with the first pickup slot of every store that has
/// one: what a checkout needs besides its items.
pub(super) struct Shopper {
    pub credentials: Value,
    pub slots: HashMap<String, Value>,
}

impl Shopper {
    /// Signs in over `/auth/other` (sandbox) with the MCP client `token`
    /// (`Bearer …`) and asks each store of `units` for its slots once.
    pub fn sign_in(addr: &str, token: &str, units: &[Unit]) -> Result<Shopper> {
        let mut conn = connect(addr)?;
        let auth = [("authorization", token), ("rqUid", "00000000-0000-4000-8000-000000000000")];
        let (status, login) =
            call(&mut conn, addr, "/auth/other", &auth, &json!({"token": "sandbox:bench"}))?;
        if status != 200 {
            return Err(format!("sign-in answered {status}: {login}").into());
        }
        let credentials = json!({"authType": "oauth2", "oauth2": token, "accessToken": login["accessToken"]});
        let mut slots: HashMap<String, Value> = HashMap::new();
        for unit in units {
            if slots.contains_key(&unit.store_id) {
                continue;
            }
            let body = json!({"shipping": "pickup", "storeId": unit.store_id, "items": [{"skuId": unit.sku, "quantity": 1}]});
            let (status, options) = call(&mut conn, addr, "/delivery", &auth[1..], &body)?;
            if status == 200 && options["options"][0].is_object() {
                // The order price was this item's; each checkout buys another.
                let mut slot = options["options"][0].clone();
                slot.as_object_mut().map(|o| o.remove("orderPrice"));
                slots.insert(unit.store_id.clone(), slot);
            }
        }
        if slots.is_empty() {
            return Err("no store offers a pickup slot now".into());
        }
        Ok(Shopper { credentials, slots })
    }

    /// The `/checkout` body of one unit.
    pub fn checkout(&self, unit: &Unit) -> Value {
        json!({
            "items": [{"skuId": unit.sku, "quantity": 1}],
            "storeId": unit.store_id,
            "shipping": "pickup",
            "shippingOptions": self.slots[&unit.store_id],
            "credentials": self.credentials,
        })
    }
}

struct Backend {
    name: &'static str,
    measured: Measured,
    refused: usize,
}

pub(super) fn rq_uid(client: usize, i: usize) -> String {
    format!("00000000-0000-4000-8000-{client:04x}{i:08x}")
}

pub(super) fn call(
    conn: &mut BufReader<TcpStream>,
    addr: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> Result<(u16, Value)> {
    let (status, text) = post(conn, addr, path, headers, &body.to_string())?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// Loads the demo catalog through `merchantctl` at `url`, issues a client
/// token, and returns it.
fn prepare(bin: &Path, url: &str, offers: usize) -> Result<String> {
    let ctl = |args: &[&str]| super::merchantctl(bin, url, args);
    ctl(&["migrate"])?;
    ctl(&["demo-data", "--offers", &offers.to_string()])?;
    Ok(ctl(&["tokens", "create", "--client", "bench"])?.trim().to_owned())
}

fn run_backend(
    root: &Path,
    bin: &Path,
    name: &'static str,
    url: &str,
    settings: &Settings,
) -> Result<Backend> {
    println!("bench checkout: {name}: loading {} offers", settings.offers);
    let token = format!("Bearer {}", prepare(bin, url, settings.offers)?);
    let units: Vec<Unit> = match url.strip_prefix("sqlite://") {
        Some(path) => diesel::sql_query(UNITS_SQL).load(&mut SqliteConnection::establish(path)?)?,
        None => diesel::sql_query(UNITS_SQL).load(&mut PgConnection::establish(url)?)?,
    };
    let (service, addr) = start_service(
        root,
        &bin.join("mcp-api"),
        &[
            ("MERCHANT_DATABASE_URL", url),
            ("MERCHANT_TOKEN_INTROSPECTION_MODE", "sandbox"),
            ("MERCHANT_PICKUP_CAPACITY", "100000"),
            // One bench shopper stands for the platform's many: the
            // per-shopper caps would refuse it after five orders.
            ("MERCHANT_ORDERS_MAX_UNPAID_PER_SHOPPER", "10000"),
            ("MERCHANT_ORDERS_MAX_HELD_UNITS_PER_SHOPPER", "1000000"),
        ],
    )?;
    let shopper = match Shopper::sign_in(&addr, &token, &units) {
        Ok(shopper) => shopper,
        Err(e) => {
            stop(service);
            return Err(e);
        }
    };
    let units: Vec<&Unit> = units.iter().filter(|u| shopper.slots.contains_key(&u.store_id)).collect();
    if units.is_empty() {
        stop(service);
        return Err("no store offers a pickup slot now".into());
    }
    let refused = AtomicUsize::new(0);
    let clients = settings.clients;
    let measured = load(
        clients,
        settings.seconds,
        || connect(&addr),
        |c, client, i| {
            let unit = units[(client + i * clients) % units.len()];
            let rq = rq_uid(client, i);
            let (status, answer) =
                call(c, &addr, "/checkout", &[("rqUid", rq.as_str())], &shopper.checkout(unit))?;
            if status != 200 && refused.fetch_add(1, Ordering::Relaxed) == 0 {
                eprintln!("bench checkout: {name}: first refusal: {status} {answer}");
            }
            Ok(())
        },
    )?;
    stop(service);
    Ok(Backend { name, measured, refused: refused.into_inner() })
}

pub fn run(root: &Path, settings: &Settings) -> Result {
    println!("bench checkout: building release binaries");
    let bin = release_binaries(root, &["mcp-api", "merchantctl"])?;
    let (sqlite_side, pg_side) =
        on_each_backend(root, "checkout", &settings.database_url, |backend, url| {
            run_backend(root, &bin, backend, url, settings)
        })?;

    let mut report = format!(
        "# bench: checkout\n\n`cargo xtask bench checkout --offers {} --seconds {} --clients {}`: pickup checkouts of one\nunit each over HTTP (sign-in once, one slot per store asked once), every one reserving stock and a slot\nplace in one transaction, from {} client connection(s).\n\n| backend | checkouts/s | p50 ms | p99 ms | refused |\n| --- | ---: | ---: | ---: | ---: |\n",
        settings.offers, settings.seconds, settings.clients, settings.clients
    );
    for side in [&sqlite_side, &pg_side] {
        let _ = writeln!(report, "| {} | {} | {} |", side.name, side.measured.cells(), side.refused);
    }
    write_section(root, "checkout", &report)?;
    println!("{report}");
    Ok(())
}
