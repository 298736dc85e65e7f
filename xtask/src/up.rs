//! `cargo xtask up`: both services on embedded SQLite, in the foreground,
//! with `kuper-sim` standing in for Kuper (unless `MERCHANT_KUPER_BASE_URL`
//! names a real one) and one Kuper order of each integration type sent all
//! the way round once everything is up.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::{Result, cargo};

const SERVICES: [&str; 4] = ["mcp-api", "kuper-listener", "merchant-console", "merchant-mcp"];
/// The demo staff account `xtask up` creates for the console.
const DEMO_STAFF: (&str, &str) = ("demo", "demo-console-password");
const CONSOLE_URL: &str = "http://127.0.0.1:8083";
const MCP_SERVER_URL: &str = "http://127.0.0.1:8084/mcp";
const DEFAULT_DATABASE: &str = "sqlite://var/merchant.db";
/// Only for local runs; production sets its own secrets.
const DEV_WEBHOOK_SECRET: &str = "dev-webhook-secret";
const DEV_OPERATOR_TOKEN: &str = "dev-operator-token";
const SIM_ADDR: &str = "127.0.0.1:8082";
const LISTENER_URL: &str = "http://127.0.0.1:8081";
/// The demo catalog's stores, one per integration type.
const SIM_STORES: [(&str, &str); 3] =
    [("kuper_delivery", "STORE-001"), ("pickup", "STORE-002"), ("merchant_delivery", "STORE-003")];
const STOP_GRACE: Duration = Duration::from_secs(15);
/// The demo's 1C exchange: its login, and its warehouse (STORE-001).
const DEMO_1C: (&str, &str) = ("1c-demo", "1c-demo-password");
const DEMO_1C_WAREHOUSE: &str = "wh-STORE-001";

enum Event {
    Interrupted,
    Exited(String),
}

/// How `xtask up` runs.
#[derive(Debug)]
pub struct Options {
    /// Instances of `mcp-api` and of `kuper-listener`; more than one stand
    /// behind HAProxy on the usual addresses, each on its own port.
    pub instances: usize,
    pub database: Option<String>,
}

/// The services that scale out, their usual (balanced) address, and the
/// first port of their instances.
const SCALED: [(&str, &str, &str, u16); 2] = [
    ("mcp-api", "MERCHANT_MCP_API_ADDR", "127.0.0.1:8080", 8090),
    ("kuper-listener", "MERCHANT_KUPER_LISTENER_ADDR", "127.0.0.1:8081", 8190),
];

/// The services' environment: what the caller set, plus local defaults.
struct Local {
    env: Vec<(&'static str, String)>,
    /// The 1C exchange's login, when it is the demo's.
    onec: Option<(String, String)>,
    webhook_secret: String,
    operator_token: String,
    /// Kuper is `kuper-sim`.
    simulated: bool,
}

fn local_environment(options: &Options) -> Local {
    let mut env: Vec<(&str, String)> = Vec::new();
    if let Some(database) = &options.database {
        env.push(("MERCHANT_DATABASE_URL", database.clone()));
    } else if std::env::var_os("MERCHANT_DATABASE_URL").is_none() {
        env.push(("MERCHANT_DATABASE_URL", DEFAULT_DATABASE.into()));
    }
    // Sign-in with the sandbox's documented test tokens (see README).
    for mode in ["MERCHANT_SBERID_MODE", "MERCHANT_TOKEN_INTROSPECTION_MODE"] {
        if std::env::var_os(mode).is_none() {
            env.push((mode, "sandbox".into()));
        }
    }
    // The demo shows every way to pay: SberPay at checkout, SBP, receipts.
    for setting in ["MERCHANT_PAYMENTS_SBERPAY", "MERCHANT_PAYMENTS_RECEIPTS"] {
        if std::env::var_os(setting).is_none() {
            env.push((setting, "true".into()));
        }
    }
    eprintln!(
        "xtask: MCP clients need a token: cargo run -q --bin merchantctl -- tokens create --client demo"
    );
    let webhook_secret = std::env::var("MERCHANT_KUPER_WEBHOOK_SECRET").unwrap_or_else(|_| {
        eprintln!(
            "xtask: kuper-listener accepts webhooks with the development secret {DEV_WEBHOOK_SECRET:?}"
        );
        env.push(("MERCHANT_KUPER_WEBHOOK_SECRET", DEV_WEBHOOK_SECRET.into()));
        DEV_WEBHOOK_SECRET.into()
    });
    let operator_token = std::env::var("MERCHANT_KUPER_LISTENER_OPERATOR_TOKEN").unwrap_or_else(|_| {
        eprintln!("xtask: the operator API takes the development token {DEV_OPERATOR_TOKEN:?}");
        env.push(("MERCHANT_KUPER_LISTENER_OPERATOR_TOKEN", DEV_OPERATOR_TOKEN.into()));
        DEV_OPERATOR_TOKEN.into()
    });
    let simulated = std::env::var_os("MERCHANT_KUPER_BASE_URL").is_none();
    if simulated {
        eprintln!(
            "xtask: Kuper is kuper-sim at http://{SIM_ADDR} (set MERCHANT_KUPER_BASE_URL for a real one)"
        );
        env.extend([
            ("MERCHANT_KUPER_BASE_URL", format!("http://{SIM_ADDR}")),
            ("MERCHANT_KUPER_CLIENT_ID", "merchant".into()),
            ("MERCHANT_KUPER_CLIENT_SECRET", "kuper-secret".into()),
        ]);
    }
    // 1C's exchange with a site, with a login of the demo's unless set.
    let onec = if std::env::var_os("MERCHANT_ONEC_USER").is_none() {
        env.push(("MERCHANT_ONEC_USER", DEMO_1C.0.into()));
        env.push(("MERCHANT_ONEC_PASSWORD", DEMO_1C.1.into()));
        Some((DEMO_1C.0.to_owned(), DEMO_1C.1.to_owned()))
    } else {
        None
    };
    Local { env, onec, webhook_secret, operator_token, simulated }
}

/// A fresh database gets its schema and a small demo catalog, so search
/// answers from the first request; with the simulator, the demo stores work
/// with Kuper, one per integration type (a merchant's own database without
/// them just has no scenario).
fn prepare_database(root: &Path, bin_dir: &Path, local: &Local) -> Result {
    let merchantctl = |args: &[&str]| {
        Command::new(bin_dir.join("merchantctl"))
            .current_dir(root)
            .envs(local.env.iter().map(|(k, v)| (*k, v)))
            .args(args)
            .stdout(Stdio::null())
            .status()
    };
    for args in [&["migrate"][..], &["demo-data", "--offers", "20000", "--if-empty"]] {
        if !merchantctl(args)?.success() {
            return Err(format!("merchantctl {} failed", args.join(" ")).into());
        }
    }
    if local.simulated {
        for (integration, store) in SIM_STORES {
            merchantctl(&["kuper", "store", store, "--integration", integration])?;
        }
    }
    if local.onec.is_some() {
        merchantctl(&["onec", "warehouse", DEMO_1C_WAREHOUSE, "STORE-001"])?;
    }
    demo_staff(root, bin_dir, local)?;
    demo_agent(bin_dir, local)
}

/// Once `mcp-api` answers, plays a 1C exchange against the demo (catalog,
/// prices, stock; orders back), so a merchant sees it work before
/// connecting theirs.
fn demo_onec((user, password): (String, String)) {
    thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_mins(2);
        while !answers("127.0.0.1:8080", "/health/ready") {
            if Instant::now() > deadline {
                return;
            }
            thread::sleep(Duration::from_millis(300));
        }
        match crate::bench::onec::demo("127.0.0.1:8080", &user, &password, DEMO_1C_WAREHOUSE) {
            Ok(lines) => {
                for line in lines {
                    eprintln!("[1c] {line}");
                }
                eprintln!(
                    "[1c] 1c exchange: done; point 1C's exchange with a site at http://127.0.0.1:8080/1c/exchange \
                     as {user} / {password}"
                );
            }
            Err(e) => eprintln!("[1c] the demo exchange failed: {e}"),
        }
    });
}

/// A fresh MCP client token for a local agent on every start (the last
/// one revoked): shown once, with how to connect.
fn demo_agent(bin_dir: &Path, local: &Local) -> Result {
    let merchantctl = |args: &[&str]| {
        Command::new(bin_dir.join("merchantctl"))
            .envs(local.env.iter().map(|(k, v)| (*k, v)))
            .args(args)
            .stderr(Stdio::null())
            .output()
    };
    let _ = merchantctl(&["tokens", "revoke", "demo-agent"])?;
    let created = merchantctl(&["tokens", "create", "--client", "demo-agent"])?;
    let token = String::from_utf8_lossy(&created.stdout).trim().to_owned();
    if !created.status.success() || token.is_empty() {
        return Err("merchantctl tokens create failed".into());
    }
    eprintln!(
        "xtask: merchant-mcp (MCP, Streamable HTTP) is at {MCP_SERVER_URL} with Authorization: Bearer {token}; \
         sign the shopper in with the sandbox token \"sandbox:demo:Демо:+79990000000:demo@example.ru\" \
         (tool sign_in, provider merchant_token; its phone and email get the receipts); \
         for stdio run {} --stdio",
        bin_dir.join("merchant-mcp").display()
    );
    Ok(())
}

/// An admin account for the console, made once; its sign-in is printed.
fn demo_staff(root: &Path, bin_dir: &Path, local: &Local) -> Result {
    use std::io::Write;
    let (login, password) = DEMO_STAFF;
    let mut create = Command::new(bin_dir.join("merchantctl"))
        .current_dir(root)
        .envs(local.env.iter().map(|(k, v)| (*k, v)))
        .args(["staff", "create", login, "--role", "admin", "--name", "Демо"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    create.stdin.take().expect("piped").write_all(format!("{password}\n").as_bytes())?;
    // An existing account (a second `up`) is kept as it is.
    create.wait()?;
    eprintln!("xtask: the staff console is at {CONSOLE_URL}; sign in as {login} / {password}");
    Ok(())
}

/// Starts `command` with its output prefixed by `name`; says on `events`
/// when it exits.
fn spawn(name: &str, command: &mut Command, events: &mpsc::Sender<Event>) -> Result<Child> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {name}: {e}"))?;
    prefix_lines(name, child.stderr.take().expect("piped"), None);
    prefix_lines(name, child.stdout.take().expect("piped"), Some(events.clone()));
    Ok(child)
}

pub fn run(root: &Path, options: &Options) -> Result {
    let mut build = cargo();
    build.current_dir(root).args(["build", "--quiet"]);
    for service in SERVICES {
        build.args(["--bin", service]);
    }
    build.args(["--bin", "merchantctl", "--bin", "kuper-sim"]);
    if !build.status()?.success() {
        return Err("build failed".into());
    }
    let bin_dir = target_dir(root)?.join("debug");
    std::fs::create_dir_all(root.join("var"))?;
    let local = local_environment(options);
    let database = local
        .env
        .iter()
        .find(|(k, _)| *k == "MERCHANT_DATABASE_URL")
        .map(|(_, v)| v.clone())
        .or_else(|| std::env::var("MERCHANT_DATABASE_URL").ok())
        .unwrap_or_default();
    if options.instances > 1 && !database.starts_with("postgres") {
        return Err(
            "--instances above 1 needs PostgreSQL (--database postgres://…): SQLite is one process's".into(),
        );
    }
    prepare_database(root, &bin_dir, &local)?;

    let (events, inbox) = mpsc::channel();
    let on_signal = events.clone();
    ctrlc::set_handler(move || {
        let _ = on_signal.send(Event::Interrupted);
    })?;

    let mut children = Vec::new();
    for service in SERVICES {
        for (name, address) in instances(service, options.instances) {
            let mut command = Command::new(bin_dir.join(service));
            command.current_dir(root).envs(local.env.iter().map(|(k, v)| (*k, v)));
            if let Some((variable, address)) = address {
                // Behind HAProxy: the client is the one it forwards for.
                command.env(variable, address).env("MERCHANT_HTTP_TRUSTED_PROXIES", "127.0.0.1");
            }
            children.push((name.clone(), spawn(&name, &mut command, &events)?));
        }
    }
    if options.instances > 1 {
        children.push(("haproxy".into(), balance(root, options.instances, &events)?));
    }
    if let Some(onec) = local.onec.clone() {
        demo_onec(onec);
    }
    if local.simulated {
        let mut command = Command::new(bin_dir.join("kuper-sim"));
        command.current_dir(root).args(["serve", "--addr", SIM_ADDR, "--listener", LISTENER_URL]);
        command.args(["--listener-token", &local.webhook_secret]);
        children.push(("kuper-sim".into(), spawn("kuper-sim", &mut command, &events)?));
        demo_scenario(bin_dir.join("kuper-sim"), local.operator_token.clone());
    }

    let outcome = match inbox.recv() {
        Ok(Event::Exited(service)) => Err(format!("{service} exited; stopping the others").into()),
        Ok(Event::Interrupted) | Err(_) => Ok(()),
    };
    stop_all(&mut children);
    outcome
}

/// The instances of `service` to start: their names and the address each
/// is given (none: the service's usual one).
fn instances(service: &str, count: usize) -> Vec<(String, Option<(&'static str, String)>)> {
    match SCALED.iter().find(|(name, ..)| *name == service) {
        Some((_, variable, _, first_port)) if count > 1 => (1..=count)
            .map(|n| {
                let port = *first_port + u16::try_from(n).unwrap_or(u16::MAX);
                (format!("{service}-{n}"), Some((*variable, format!("127.0.0.1:{port}"))))
            })
            .collect(),
        _ => vec![(service.to_owned(), None)],
    }
}

/// HAProxy on the scaled services' usual addresses, in front of their
/// instances; its configuration is `var/haproxy.cfg`, for a merchant to
/// copy.
fn balance(root: &Path, count: usize, events: &mpsc::Sender<Event>) -> Result<Child> {
    let servers: Vec<Vec<String>> = SCALED
        .iter()
        .map(|(service, ..)| {
            instances(service, count).into_iter().filter_map(|(_, a)| a.map(|(_, a)| a)).collect()
        })
        .collect();
    let [(_, _, api, _), (_, _, listener, _)] = SCALED;
    let pools = [
        crate::balancer::Pool::mcp_api(api, &servers[0]),
        crate::balancer::Pool::kuper_listener(listener, &servers[1]),
    ];
    let config = crate::balancer::write_config(&root.join("var"), &pools)?;
    eprintln!(
        "xtask: HAProxy ({}) balances {count} mcp-api on 127.0.0.1:8080 and {count} kuper-listener on 127.0.0.1:8081",
        config.display()
    );
    spawn("haproxy", &mut crate::balancer::command(&config)?, events)
}

/// Once the listener and the simulator answer, sends one Kuper order of each
/// integration type all the way round, so a new user sees the whole flow.
fn demo_scenario(sim: PathBuf, operator_token: String) {
    thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_mins(2);
        while !(answers("127.0.0.1:8081", "/health/ready") && answers(SIM_ADDR, "/health/live")) {
            if Instant::now() > deadline {
                return;
            }
            thread::sleep(Duration::from_millis(300));
        }
        let mut scenario = Command::new(sim);
        scenario.args(["scenario", "--sim", &format!("http://{SIM_ADDR}"), "--operator", LISTENER_URL]);
        scenario.args(["--operator-token", &operator_token]);
        for (integration, store) in SIM_STORES {
            scenario.args(["--store", &format!("{integration}={store}")]);
        }
        match scenario.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn() {
            Ok(mut child) => {
                prefix_lines("scenario", child.stderr.take().expect("piped"), None);
                prefix_lines("scenario", child.stdout.take().expect("piped"), None);
                let _ = child.wait();
            }
            Err(e) => eprintln!("xtask: cannot run the Kuper scenario: {e}"),
        }
    });
}

/// Whether `GET path` on `addr` answers 200.
fn answers(addr: &str, path: &str) -> bool {
    use std::io::Write;
    let Ok(mut stream) = std::net::TcpStream::connect(addr) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut status = String::new();
    BufReader::new(stream).read_line(&mut status).is_ok() && status.split_whitespace().nth(1) == Some("200")
}

/// Copies a child's output to ours with a `[service]` prefix; when the
/// stream ends (the child exited), says so on `exited`.
fn prefix_lines(service: &str, stream: impl Read + Send + 'static, exited: Option<mpsc::Sender<Event>>) {
    let service = service.to_owned();
    thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(std::io::Result::ok) {
            eprintln!("[{service}] {line}");
        }
        if let Some(exited) = exited {
            let _ = exited.send(Event::Exited(service));
        }
    });
}

/// SIGTERM to each child, then wait; SIGKILL whoever outlives the grace.
fn stop_all(children: &mut [(String, Child)]) {
    for (_, child) in children.iter() {
        // `kill` keeps this crate free of unsafe signal calls.
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    }
    let deadline = Instant::now() + STOP_GRACE;
    for (service, child) in children.iter_mut() {
        loop {
            match child.try_wait() {
                Ok(Some(status)) => {
                    eprintln!("xtask: {service} stopped ({status})");
                    break;
                }
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(100)),
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    eprintln!("xtask: {service} killed after {STOP_GRACE:?}");
                    break;
                }
            }
        }
    }
}

pub(crate) fn target_dir(root: &Path) -> Result<PathBuf> {
    let output =
        cargo().current_dir(root).args(["metadata", "--no-deps", "--format-version", "1"]).output()?;
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata gave no target directory".into())
}
