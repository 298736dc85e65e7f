//! `cargo xtask chaos`: two `mcp-api` and two `kuper-listener` on one
//! PostgreSQL of the run's own, behind HAProxy, with `kuper-sim` as Kuper.
//! While checkouts, searches and Kuper orders run, one instance of each
//! service is killed with SIGKILL and restarted, then PostgreSQL is stopped
//! and started. Afterwards it checks what the issue promises: every 2xx
//! checkout is an order with its holds, every webhook taken is one Kuper
//! order applied once, every notification reached Kuper once and in order
//! within its rate limit, nothing answered 500, and every refusal was a 503
//! with `Retry-After`. Figures go to `bench/RESULTS.md`; any broken promise
//! fails the run.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde_json::{Value, json};

use super::checkout::{Shopper, UNITS_SQL, Unit, rq_uid};
use super::cluster::{Cluster, free_port};
use super::{binaries, connect, exchange, merchantctl, request, start_named, stop, write_section};
use crate::{Result, balancer};

const SECRET: &str = "chaos-webhook-secret";
const RQ_UID: (&str, &str) = ("rqUid", "1c6ec07e-3103-41bb-8753-6cea67521198");
/// Kuper's limit, kept by kuper-sim and by both listeners together.
const KUPER_RATE: &str = "10";
/// Kuper orders a second the run sends (each makes at least one
/// notification; the rest of the limit is for retries).
const KUPER_ORDERS_PER_SECOND: u64 = 5;
const STORE: &str = "STORE-001";

#[derive(Debug)]
pub struct Settings {
    pub seconds: u64,
    pub clients: usize,
    /// Dev-profile binaries (what the tests built; CI's choice) instead
    /// of a release build.
    pub debug: bool,
}

/// One answer a client got, when.
struct Answer {
    at: Duration,
    what: &'static str,
    /// 0: no answer at all (the connection failed).
    status: u16,
    retry_after: bool,
}

/// What the clients saw, shared by their threads.
#[derive(Default)]
struct Seen {
    answers: Mutex<Vec<Answer>>,
    orders: Mutex<Vec<String>>,
    kuper_taken: Mutex<Vec<String>>,
    kuper_untaken: Mutex<Vec<String>>,
    /// Answers no rule allows: a 5xx that is not a 503 with Retry-After,
    /// a connection closed without an answer.
    dishonest: Mutex<Vec<String>>,
    /// A 4xx of each kind of request, to show what the rules refused.
    refused_by_rule: Mutex<Vec<String>>,
}

impl Seen {
    /// `POST path` on `addr`, its answer recorded; `None` when none came.
    #[allow(clippy::too_many_arguments)]
    fn call(
        &self,
        started: Instant,
        what: &'static str,
        conn: &mut std::io::BufReader<std::net::TcpStream>,
        addr: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Option<super::Response> {
        match exchange(conn, addr, "POST", path, headers, body) {
            Ok(answer) => {
                self.answer(started, what, answer.status, header(&answer, "retry-after"), &answer.body);
                Some(answer)
            }
            Err(e) => {
                self.answer(started, what, 0, false, &e.to_string());
                None
            }
        }
    }

    fn answer(&self, started: Instant, what: &'static str, status: u16, retry_after: bool, body: &str) {
        if (400..500).contains(&status) {
            let mut samples = self.refused_by_rule.lock().unwrap_or_else(PoisonError::into_inner);
            if samples.len() < 3 && !samples.iter().any(|s| s.starts_with(what)) {
                samples.push(format!("{what}: {status} {}", body.chars().take(160).collect::<String>()));
            }
        }
        // No answer at all is no honest refusal either.
        if status == 0 || (status >= 500 && !(status == 503 && retry_after)) {
            let mut bad = self.dishonest.lock().unwrap_or_else(PoisonError::into_inner);
            bad.push(format!(
                "{what}: {status} (Retry-After: {retry_after}) {}",
                body.chars().take(200).collect::<String>()
            ));
        }
        let at = started.elapsed();
        self.answers.lock().unwrap_or_else(PoisonError::into_inner).push(Answer {
            at,
            what,
            status,
            retry_after,
        });
    }
}

/// A service instance: how to start it again on the same address.
struct Instance {
    name: String,
    bin: std::path::PathBuf,
    env: Vec<(String, String)>,
    child: Option<Child>,
}

impl Instance {
    fn start(
        root: &Path,
        name: String,
        bin: std::path::PathBuf,
        env: Vec<(String, String)>,
    ) -> Result<Instance> {
        let mut instance = Instance { name, bin, env, child: None };
        instance.restart(root)?;
        Ok(instance)
    }

    fn restart(&mut self, root: &Path) -> Result {
        let env: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (child, _) = start_named(root, &self.name, &self.bin, &[], &env)?;
        self.child = Some(child);
        Ok(())
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill(); // SIGKILL
            let _ = child.wait();
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            stop(child);
        }
    }
}

fn pair(k: &str, v: impl Into<String>) -> (String, String) {
    (k.to_owned(), v.into())
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Kind {
    #[diesel(sql_type = Text)]
    kind: String,
}

fn count(conn: &mut PgConnection, sql: &str, id: &str) -> Result<i64> {
    Ok(diesel::sql_query(sql).bind::<Text, _>(id).get_result::<Count>(conn)?.n)
}

fn get_json(addr: &str, path: &str) -> Result<Value> {
    let (_, body) = request(&mut connect(addr)?, addr, "GET", path, &[], "")?;
    Ok(serde_json::from_str(&body)?)
}

/// Waits until `addr` answers `GET /health/ready` with 200.
fn wait_ready(addr: &str, within: Duration) -> Result {
    let deadline = Instant::now() + within;
    loop {
        if let Ok(mut c) = connect(addr)
            && let Ok((200, _)) = request(&mut c, addr, "GET", "/health/ready", &[], "")
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("{addr} is not ready after {within:?}").into());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A client's loop: `call` until `stop`, reconnecting after a failed
/// connection.
fn keep_calling(
    addr: &str,
    stop: &AtomicBool,
    mut call: impl FnMut(&mut std::io::BufReader<std::net::TcpStream>, usize) -> Result<bool>,
) {
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        let Ok(mut conn) = connect(addr) else {
            std::thread::sleep(Duration::from_millis(100));
            continue;
        };
        while !stop.load(Ordering::Relaxed) {
            i += 1;
            match call(&mut conn, i) {
                Ok(true) => {}
                // The connection is closed (a 503 says Connection: close).
                Ok(false) | Err(_) => break,
            }
        }
    }
}

fn header(answer: &super::Response, name: &str) -> bool {
    answer.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
}

/// Whether the server keeps the connection open after `answer`.
fn keeps_alive(answer: &super::Response) -> bool {
    !answer
        .headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("connection") && v.eq_ignore_ascii_case("close"))
}

#[allow(clippy::too_many_lines)]
pub fn run(root: &Path, settings: &Settings) -> Result {
    println!("chaos: building the binaries");
    let bin = binaries(root, &["mcp-api", "kuper-listener", "kuper-sim", "merchantctl"], !settings.debug)?;
    println!("chaos: a PostgreSQL cluster of our own (initdb)");
    let pg = Cluster::create()?;
    let url = pg.url();
    let ctl = |args: &[&str]| merchantctl(&bin, &url, args);
    ctl(&["migrate"])?;
    ctl(&["demo-data", "--offers", "2000"])?;
    ctl(&["kuper", "store", STORE, "--integration", "kuper_delivery"])?;
    let bearer = format!("Bearer {}", ctl(&["tokens", "create", "--client", "chaos"])?.trim());

    let [sim_port, api_front, listener_front] = [free_port()?, free_port()?, free_port()?];
    let sim = format!("127.0.0.1:{sim_port}");
    let (api, listener) = (format!("127.0.0.1:{api_front}"), format!("127.0.0.1:{listener_front}"));
    let (sim_process, _) = start_named(
        root,
        "chaos-kuper-sim",
        &bin.join("kuper-sim"),
        &[
            "serve",
            "--addr",
            &sim,
            "--listener",
            &format!("http://{listener}"),
            "--listener-token",
            SECRET,
            "--rate-limit",
            KUPER_RATE,
            "--token-ttl-secs",
            "600",
        ],
        &[("RUST_LOG", "warn")],
    )?;
    let _sim = Guard(Some(sim_process));

    let mut instances = Vec::new();
    let mut api_servers = Vec::new();
    let mut listener_servers = Vec::new();
    for n in 1..=2 {
        let addr = format!("127.0.0.1:{}", free_port()?);
        instances.push(Instance::start(
            root,
            format!("chaos-mcp-api-{n}"),
            bin.join("mcp-api"),
            vec![
                pair("MERCHANT_DATABASE_URL", &url),
                pair("MERCHANT_MCP_API_ADDR", &addr),
                pair("MERCHANT_TOKEN_INTROSPECTION_MODE", "sandbox"),
                pair("MERCHANT_PICKUP_CAPACITY", "100000"),
                // One bench shopper stands for the platform's many: the
                // per-shopper caps would refuse it after five orders.
                pair("MERCHANT_ORDERS_MAX_UNPAID_PER_SHOPPER", "10000"),
                pair("MERCHANT_ORDERS_MAX_HELD_UNITS_PER_SHOPPER", "1000000"),
                pair("MERCHANT_HTTP_TRUSTED_PROXIES", "127.0.0.1"),
            ],
        )?);
        api_servers.push(addr);
        let addr = format!("127.0.0.1:{}", free_port()?);
        instances.push(Instance::start(
            root,
            format!("chaos-kuper-listener-{n}"),
            bin.join("kuper-listener"),
            vec![
                pair("MERCHANT_DATABASE_URL", &url),
                pair("MERCHANT_KUPER_LISTENER_ADDR", &addr),
                pair("MERCHANT_KUPER_WEBHOOK_SECRET", SECRET),
                pair("MERCHANT_KUPER_BASE_URL", format!("http://{sim}")),
                pair("MERCHANT_KUPER_CLIENT_ID", "merchant"),
                pair("MERCHANT_KUPER_CLIENT_SECRET", "kuper-secret"),
                pair("MERCHANT_KUPER_RATE_PER_SECOND", KUPER_RATE),
                pair("MERCHANT_KUPER_DISPATCH_INTERVAL_MS", "100"),
            ],
        )?);
        listener_servers.push(addr);
    }
    let scratch = root.join("bench/out");
    let config = balancer::write_config(
        &scratch,
        &[
            balancer::Pool::mcp_api(&api, &api_servers),
            balancer::Pool::kuper_listener(&listener, &listener_servers),
        ],
    )?;
    let log = std::fs::File::create(scratch.join("chaos-haproxy.log"))?;
    let haproxy =
        balancer::command(&config)?.stdin(Stdio::null()).stdout(log.try_clone()?).stderr(log).spawn()?;
    let _haproxy = Guard(Some(haproxy));
    wait_ready(&api, Duration::from_secs(30))?;
    wait_ready(&listener, Duration::from_secs(30))?;

    let units: Vec<Unit> = diesel::sql_query(UNITS_SQL).load(&mut PgConnection::establish(&url)?)?;
    let shopper = Shopper::sign_in(&api, &bearer, &units)?;
    let units: Vec<&Unit> = units.iter().filter(|u| shopper.slots.contains_key(&u.store_id)).collect();
    if units.is_empty() {
        return Err("no store offers a pickup slot now".into());
    }

    let seen = Seen::default();
    let stop_load = AtomicBool::new(false);
    let started = Instant::now();
    let total = Duration::from_secs(settings.seconds.max(20));
    let mut timeline: Vec<(Duration, String)> = Vec::new();
    let run_id = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();

    std::thread::scope(|scope| -> Result {
        for client in 0..settings.clients.max(1) {
            let (seen, stop_load, units, shopper, api) = (&seen, &stop_load, &units, &shopper, &api);
            scope.spawn(move || {
                keep_calling(api, stop_load, |conn, i| {
                    let unit = units[(client * 7919 + i) % units.len()];
                    let rq = rq_uid(client, i);
                    let body = shopper.checkout(unit).to_string();
                    let headers = [("rqUid", rq.as_str())];
                    let Some(answer) =
                        seen.call(started, "checkout", conn, api, "/checkout", &headers, &body)
                    else {
                        return Ok(false);
                    };
                    if answer.status == 200 {
                        let reply: Value = serde_json::from_str(&answer.body).unwrap_or(Value::Null);
                        if let Some(id) = reply["orderId"].as_str() {
                            seen.orders.lock().unwrap_or_else(PoisonError::into_inner).push(id.into());
                        }
                    }
                    Ok(keeps_alive(&answer))
                });
            });
        }
        {
            let (seen, stop_load, api, bearer) = (&seen, &stop_load, &api, &bearer);
            scope.spawn(move || {
                let body =
                    json!({"lat": 55.7558, "lon": 37.6173, "query": "молоко", "maxResult": 10}).to_string();
                keep_calling(api, stop_load, |conn, _| {
                    let headers = [RQ_UID, ("Authorization", bearer.as_str())];
                    let Some(answer) = seen.call(started, "search", conn, api, "/search", &headers, &body)
                    else {
                        return Ok(false);
                    };
                    std::thread::sleep(Duration::from_millis(5));
                    Ok(keeps_alive(&answer))
                });
            });
        }
        {
            let (seen, stop_load, sim) = (&seen, &stop_load, &sim);
            scope.spawn(move || kuper_orders(sim, run_id, started, seen, stop_load));
        }

        let at = |share: f64| started + total.mul_f64(share);
        let faults = (|| -> Result {
            sleep_until(at(0.2));
            for instance in &mut instances[..2] {
                instance.kill();
                mark(&mut timeline, started, format!("SIGKILL {}", instance.name));
            }
            std::thread::sleep(Duration::from_secs(3));
            for instance in &mut instances[..2] {
                instance.restart(root)?;
                mark(&mut timeline, started, format!("{} restarted", instance.name));
            }
            sleep_until(at(0.5));
            mark(&mut timeline, started, "PostgreSQL stopping".into());
            pg.stop()?;
            mark(&mut timeline, started, "PostgreSQL stopped".into());
            std::thread::sleep(Duration::from_secs(5));
            pg.start()?;
            mark(&mut timeline, started, POSTGRES_BACK.into());
            sleep_until(at(1.0));
            Ok(())
        })();
        // The clients stop whatever happened, or the scope never ends.
        stop_load.store(true, Ordering::Relaxed);
        mark(&mut timeline, started, "load stopped".into());
        faults
    })?;

    println!("chaos: waiting for the outbox to drain");
    let mut db = PgConnection::establish(&url)?;
    let drained_by = Instant::now() + Duration::from_mins(2);
    loop {
        let left = count(&mut db, "SELECT count(*) AS n FROM kuper_outbox WHERE state <> $1", "sent")?;
        if left == 0 {
            break;
        }
        if Instant::now() > drained_by {
            seen.dishonest
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(format!("{left} notifications still unsent two minutes after the load"));
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let drained = started.elapsed();

    let verdict = verify(&mut db, &sim, &seen)?;
    let report = report(settings, &seen, &timeline, drained, &verdict);
    write_section(root, "chaos", &report)?;
    println!("{report}");
    drop(instances);
    // Checkouts come back with the database: a run where none succeeds
    // afterwards (every one refused by a rule, say) proves nothing.
    let recovered = recovery(&seen.answers.lock().unwrap_or_else(PoisonError::into_inner), &timeline);
    if recovered.is_none() {
        return Err("chaos: no checkout succeeded after PostgreSQL came back".into());
    }
    if verdict.broken().next().is_none() { Ok(()) } else { Err("chaos: promises broken (see above)".into()) }
}

const POSTGRES_BACK: &str = "PostgreSQL started";

fn mark(timeline: &mut Vec<(Duration, String)>, started: Instant, what: String) {
    println!("chaos: {:>5.1} s: {what}", started.elapsed().as_secs_f64());
    timeline.push((started.elapsed(), what));
}

fn sleep_until(when: Instant) {
    std::thread::sleep(when.saturating_duration_since(Instant::now()));
}

/// Kills a child when dropped.
struct Guard(Option<Child>);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(child) = self.0.take() {
            stop(child);
        }
    }
}

/// New Kuper orders through kuper-sim at a steady pace; one the listener
/// did not take is sent again a second later, as Kuper would, until it is
/// taken (for up to half a minute after the load stops).
fn kuper_orders(sim: &str, run_id: u64, started: Instant, seen: &Seen, stop_load: &AtomicBool) {
    let mut pending: Vec<String> = Vec::new();
    let mut n = 0;
    let mut give_up: Option<Instant> = None;
    let send = |id: &str| -> bool {
        let body = json!({"integration": "kuper_delivery", "store": STORE, "originalOrderId": id,
            "positions": [{"id": "SKU-000001", "quantity": 1}]})
        .to_string();
        let Ok(mut conn) = connect(sim) else { return false };
        match request(&mut conn, sim, "POST", "/sim/orders", &[], &body) {
            Ok((200, answer)) => {
                let reply: Value = serde_json::from_str(&answer).unwrap_or(Value::Null);
                let status = reply["status"].as_u64().unwrap_or(0);
                // The listener's last answer; its refusals before it are in
                // kuper-sim's view of the order.
                seen.answer(started, "webhook", u16::try_from(status).unwrap_or(0), false, "");
                status < 300
            }
            _ => false,
        }
    };
    // Sent and taken, or kept for the next second.
    let offer = |id: String, pending: &mut Vec<String>| {
        if send(&id) {
            seen.kuper_taken.lock().unwrap_or_else(PoisonError::into_inner).push(id);
        } else {
            pending.push(id);
        }
    };
    loop {
        let stopping = stop_load.load(Ordering::Relaxed);
        if stopping && give_up.is_none() {
            give_up = Some(Instant::now() + Duration::from_secs(30));
        }
        if give_up.is_some_and(|t| Instant::now() > t) || (stopping && pending.is_empty()) {
            break;
        }
        let tick = Instant::now();
        for id in std::mem::take(&mut pending) {
            offer(id, &mut pending);
        }
        if !stopping {
            for _ in 0..KUPER_ORDERS_PER_SECOND {
                n += 1;
                offer(format!("CHAOS-{run_id}-{n}"), &mut pending);
            }
        }
        sleep_until(tick + Duration::from_secs(1));
    }
    seen.kuper_untaken.lock().unwrap_or_else(PoisonError::into_inner).extend(pending);
}

/// What the database and Kuper hold after the run, against what the
/// clients were told: each broken promise, by promise.
#[derive(Default)]
struct Verdict {
    /// A 2xx checkout whose order or holds are missing.
    book: Vec<String>,
    /// A Kuper order taken but not one order, applied.
    inbox: Vec<String>,
    /// A refusal by a listener that was not a 503 with Retry-After.
    refusals: Vec<String>,
    /// A notification lost, sent twice, out of order or over the limit.
    notifications: Vec<String>,
    /// An answer no rule allows (a 500, a 503 without Retry-After).
    dishonest: Vec<String>,
    acknowledged: usize,
    listener_refusals: usize,
}

impl Verdict {
    fn broken(&self) -> impl Iterator<Item = &String> {
        self.book
            .iter()
            .chain(&self.inbox)
            .chain(&self.refusals)
            .chain(&self.notifications)
            .chain(&self.dishonest)
    }
}

fn held(broken: &[String]) -> &'static str {
    if broken.is_empty() { "yes" } else { "NO" }
}

fn verify(db: &mut PgConnection, sim: &str, seen: &Seen) -> Result<Verdict> {
    let mut verdict = Verdict {
        dishonest: seen.dishonest.lock().unwrap_or_else(PoisonError::into_inner).clone(),
        ..Verdict::default()
    };
    for id in seen.orders.lock().unwrap_or_else(PoisonError::into_inner).iter() {
        if count(db, "SELECT count(*) AS n FROM orders WHERE id = $1", id)? != 1 {
            verdict.book.push(format!("checkout answered 200 with order {id}, which is not in the book"));
        }
        if count(db, "SELECT count(*) AS n FROM stock_moves WHERE order_id = $1 AND kind = 'hold'", id)? < 1 {
            verdict.book.push(format!("order {id} holds no stock"));
        }
    }
    for id in seen.kuper_taken.lock().unwrap_or_else(PoisonError::into_inner).iter() {
        if count(db, "SELECT count(*) AS n FROM kuper_orders WHERE original_order_id = $1", id)? != 1 {
            verdict.inbox.push(format!("Kuper order {id} was taken but is not one order"));
        }
        let applied = "SELECT count(*) AS n FROM kuper_inbox WHERE original_order_id = $1 \
                       AND event_type = 'order.created' AND applied_at IS NOT NULL";
        if count(db, applied, id)? < 1 {
            verdict.inbox.push(format!("Kuper order {id}: its order.created is not applied"));
        }
        let view = get_json(sim, &format!("/sim/orders/{id}"))?;
        let reached: Vec<&str> =
            view["accepted"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        let sent = "SELECT o.kind FROM kuper_outbox o JOIN kuper_orders k ON k.order_id = o.order_id \
                    WHERE k.original_order_id = $1 ORDER BY o.id";
        let sent: Vec<Kind> = diesel::sql_query(sent).bind::<Text, _>(id).load(db)?;
        let sent: Vec<&str> = sent.iter().map(|k| k.kind.as_str()).collect();
        if reached != sent {
            verdict.notifications.push(format!("Kuper order {id}: sent {sent:?}, Kuper took {reached:?}"));
        }
        for refusal in view["listenerRefusals"].as_array().into_iter().flatten() {
            verdict.listener_refusals += 1;
            if refusal["status"] != json!(503) || refusal["retryAfter"].is_null() {
                verdict.refusals.push(format!("Kuper order {id}: the listener refused with {refusal}"));
            }
        }
    }
    let untaken = seen.kuper_untaken.lock().unwrap_or_else(PoisonError::into_inner).len();
    if untaken > 0 {
        verdict.inbox.push(format!("{untaken} Kuper orders were never taken"));
    }
    for entry in get_json(sim, "/sim/log")?.as_array().into_iter().flatten() {
        match entry["status"].as_u64() {
            Some(200) => verdict.acknowledged += 1,
            // A token expired: the dispatcher renews it and sends again.
            Some(401) => {}
            Some(202) => verdict.notifications.push(format!("Kuper got a notification twice: {entry}")),
            Some(429) => verdict.notifications.push(format!("Kuper's rate limit was exceeded: {entry}")),
            _ => verdict.notifications.push(format!("Kuper refused a notification: {entry}")),
        }
    }
    Ok(verdict)
}

/// How long after PostgreSQL came back the first checkout succeeded;
/// `None` when none did.
fn recovery(answers: &[Answer], timeline: &[(Duration, String)]) -> Option<Duration> {
    let back = timeline.iter().find(|(_, w)| w == POSTGRES_BACK).map(|(t, _)| *t)?;
    answers
        .iter()
        .filter(|a| a.what == "checkout" && a.status == 200 && a.at >= back)
        .map(|a| a.at.saturating_sub(back))
        .min()
}

fn report(
    settings: &Settings,
    seen: &Seen,
    timeline: &[(Duration, String)],
    drained: Duration,
    verdict: &Verdict,
) -> String {
    let answers = seen.answers.lock().unwrap_or_else(PoisonError::into_inner);
    let mut by_kind: BTreeMap<&str, [usize; 5]> = BTreeMap::new();
    for a in answers.iter() {
        let column = match a.status {
            0 => 4,
            200..=299 => 0,
            400..=499 => 1,
            503 if a.retry_after => 2,
            _ => 3,
        };
        by_kind.entry(a.what).or_default()[column] += 1;
    }
    let recovered = recovery(&answers, timeline);
    let mut out = format!(
        "# bench: chaos\n\n`cargo xtask chaos --seconds {seconds} --clients {clients}{debug}`: two mcp-api and two kuper-listener on one\n\
         PostgreSQL of the run's own (initdb), behind HAProxy (health checks on /health/ready), kuper-sim as\n\
         Kuper (limit {KUPER_RATE}/s). {clients} checkout client(s), one search client, {KUPER_ORDERS_PER_SECOND} Kuper orders/s (one not\n\
         taken is sent again a second later, as Kuper does). One instance of each service is killed with\n\
         SIGKILL and restarted, then PostgreSQL is stopped for 5 s.\n\n| time | event |\n| ---: | --- |\n",
        seconds = settings.seconds,
        clients = settings.clients,
        debug = if settings.debug { " --debug" } else { "" },
    );
    for (t, what) in timeline {
        let _ = writeln!(out, "| {:.1} s | {what} |", t.as_secs_f64());
    }
    let _ = writeln!(out, "| {:.1} s | outbox drained |", drained.as_secs_f64());
    out.push_str(
        "\n| requests | 2xx | 4xx | 503 + Retry-After | other 5xx | no answer |\n| --- | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for (what, row) in &by_kind {
        let _ = writeln!(out, "| {what} | {} | {} | {} | {} | {} |", row[0], row[1], row[2], row[3], row[4]);
    }
    let _ = writeln!(
        out,
        "\n- 2xx checkouts: {}; each an order in the book with its holds: {}\n\
         - Kuper orders taken: {}; each one order, applied: {}\n\
         - the listeners' refusals Kuper saw: {}; each a 503 with Retry-After: {}\n\
         - notifications Kuper acknowledged: {}; none lost, twice, out of order or over the limit: {}\n\
         - no 500, every refusal a 503 with Retry-After: {}\n\
         - first 2xx checkout after PostgreSQL came back: {}",
        seen.orders.lock().map_or(0, |o| o.len()),
        held(&verdict.book),
        seen.kuper_taken.lock().map_or(0, |o| o.len()),
        held(&verdict.inbox),
        verdict.listener_refusals,
        held(&verdict.refusals),
        verdict.acknowledged,
        held(&verdict.notifications),
        held(&verdict.dishonest),
        recovered.map_or_else(|| "none".to_owned(), |d| format!("{:.1} s", d.as_secs_f64())),
    );
    for sample in seen.refused_by_rule.lock().unwrap_or_else(PoisonError::into_inner).iter() {
        let _ = writeln!(out, "- a 4xx (what the rules refused): {sample}");
    }
    for broken in verdict.broken().take(20) {
        let _ = writeln!(out, "  - {broken}");
    }
    out
}
