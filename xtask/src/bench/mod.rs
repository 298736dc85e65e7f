//! Benchmarks: each loads its data, drives a release build over HTTP from a
//! few client threads, and writes its section of `bench/RESULTS.md`.

mod background;
pub mod chaos;
pub mod checkout;
mod cluster;
pub mod console;
pub mod mcp_server;
pub mod onec;
pub mod outbox;
pub mod search;
pub mod stock;
pub mod webhooks;

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{Result, cargo};

/// Builds the release binaries; returns their directory.
fn release_binaries(root: &Path, bins: &[&str]) -> Result<PathBuf> {
    binaries(root, bins, true)
}

/// Builds `bins` (release or dev profile) and returns where they are.
fn binaries(root: &Path, bins: &[&str], release: bool) -> Result<PathBuf> {
    let mut args = vec!["build", "--quiet"];
    if release {
        args.push("--release");
    }
    for bin in bins {
        args.extend(["--bin", bin]);
    }
    if !cargo().current_dir(root).args(&args).status()?.success() {
        return Err("build failed".into());
    }
    Ok(crate::up::target_dir(root)?.join(if release { "release" } else { "debug" }))
}

/// Starts a service binary with `env` on a free port; returns it and its
/// address. Its log goes to `bench/out/NAME.log`.
fn start_service(root: &Path, bin: &Path, env: &[(&str, &str)]) -> Result<(Child, String)> {
    start_process(root, bin, &[], env)
}

/// [`start_service`] with command-line arguments.
fn start_process(root: &Path, bin: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<(Child, String)> {
    let name = bin.file_name().and_then(|n| n.to_str()).unwrap_or("service");
    start_named(root, name, bin, args, env)
}

/// [`start_process`] logging to `bench/out/NAME.log`; `env` may set the
/// service's address (else a free port).
fn start_named(
    root: &Path,
    name: &str,
    bin: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> Result<(Child, String)> {
    std::fs::create_dir_all(root.join("bench/out"))?;
    let log = std::fs::File::create(root.join(format!("bench/out/{name}.log")))?;
    let mut child = Command::new(bin)
        .args(args)
        .env("MERCHANT_MCP_API_ADDR", "127.0.0.1:0")
        .env("MERCHANT_KUPER_LISTENER_ADDR", "127.0.0.1:0")
        .env("MERCHANT_CONSOLE_ADDR", "127.0.0.1:0")
        .env("MERCHANT_LOG_LEVEL", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .ok_or_else(|| format!("{name} did not start: {line:?} (see bench/out/{name}.log)"))?
        .to_owned();
    Ok((child, addr))
}

/// Runs the release `merchantctl` on the database at `url`; returns its
/// output. Its progress and errors go to the terminal as it runs.
fn merchantctl(bin: &Path, url: &str, args: &[&str]) -> Result<String> {
    let out = Command::new(bin.join("merchantctl"))
        .args(args)
        .env("MERCHANT_DATABASE_URL", url)
        .stderr(Stdio::inherit())
        .output()?;
    if !out.status.success() {
        return Err(format!("merchantctl {args:?} failed (its error is above)").into());
    }
    Ok(String::from_utf8(out.stdout)?)
}

fn stop(mut service: Child) {
    let _ = Command::new("kill").args(["-TERM", &service.id().to_string()]).status();
    let _ = service.wait();
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// One keep-alive HTTP/1.1 POST; returns the status and the body.
pub(crate) fn post(
    stream: &mut BufReader<TcpStream>,
    addr: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<(u16, String)> {
    request(stream, addr, "POST", path, headers, body)
}

/// One keep-alive HTTP/1.1 request; returns the status and the body.
fn request(
    stream: &mut BufReader<TcpStream>,
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<(u16, String)> {
    let response = exchange(stream, addr, method, path, headers, body)?;
    Ok((response.status, response.body))
}

/// An HTTP answer with its headers (names in lower case).
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

/// One keep-alive HTTP/1.1 request, JSON unless `headers` name another
/// `Content-Type`.
fn exchange(
    stream: &mut BufReader<TcpStream>,
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<Response> {
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\n");
    if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("content-type")) {
        request.push_str("Content-Type: application/json\r\n");
    }
    for (name, value) in headers {
        let _ = write!(request, "{name}: {value}\r\n");
    }
    let _ = write!(request, "Content-Length: {}\r\n\r\n{body}", body.len());
    stream.get_mut().write_all(request.as_bytes())?;
    let mut line = String::new();
    stream.read_line(&mut line)?;
    let status: u16 = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or("no HTTP status")?;
    let mut length = 0;
    let mut chunked = false;
    let mut received = Vec::new();
    loop {
        line.clear();
        stream.read_line(&mut line)?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            let (name, value) = (name.trim().to_ascii_lowercase(), value.trim().to_owned());
            if name == "content-length" {
                length = value.parse()?;
            }
            if name == "transfer-encoding" && value.eq_ignore_ascii_case("chunked") {
                chunked = true;
            }
            received.push((name, value));
        }
    }
    let body = if chunked { read_chunks(stream)? } else { read_exactly(stream, length)? };
    Ok(Response { status, headers: received, body: String::from_utf8(body)? })
}

fn read_exactly(stream: &mut BufReader<TcpStream>, length: usize) -> Result<Vec<u8>> {
    let mut body = vec![0; length];
    stream.read_exact(&mut body)?;
    Ok(body)
}

/// A chunked body (an event stream that ends with its answer) to its end.
fn read_chunks(stream: &mut BufReader<TcpStream>) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        stream.read_line(&mut line)?;
        let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or_default(), 16)?;
        let mut chunk = read_exactly(stream, size + 2)?;
        if size == 0 {
            return Ok(body);
        }
        chunk.truncate(size);
        body.extend(chunk);
    }
}

/// Runs `bench` on a scratch SQLite file and then on a scratch schema
/// `bench_NAME` of the PostgreSQL at `database_url` (dropped afterwards),
/// with each one's URL.
fn on_each_backend<T>(
    root: &Path,
    name: &str,
    database_url: &str,
    mut bench: impl FnMut(&'static str, &str) -> Result<T>,
) -> Result<(T, T)> {
    let scratch = root.join("bench/out").join(name);
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)?;
    let sqlite = bench("SQLite", &format!("sqlite://{}", scratch.join("bench.db").display()))?;
    let schema = ScratchSchema::create(database_url, &format!("bench_{name}"))?;
    let postgres = bench("PostgreSQL", &schema.url)?;
    Ok((sqlite, postgres))
}

/// An empty PostgreSQL schema of its own for a benchmark, dropped with it
/// (on an error too).
struct ScratchSchema {
    admin: diesel::PgConnection,
    name: String,
    /// The database's URL with every connection's `search_path` set to it.
    url: String,
}

impl ScratchSchema {
    fn create(database_url: &str, name: &str) -> Result<ScratchSchema> {
        use diesel::prelude::*;
        let mut admin = PgConnection::establish(database_url)?;
        diesel::sql_query(format!("DROP SCHEMA IF EXISTS {name} CASCADE")).execute(&mut admin)?;
        diesel::sql_query(format!("CREATE SCHEMA {name}")).execute(&mut admin)?;
        let separator = if database_url.contains('?') { '&' } else { '?' };
        let url = format!("{database_url}{separator}options=-csearch_path%3D{name}");
        Ok(ScratchSchema { admin, name: name.to_owned(), url })
    }
}

impl Drop for ScratchSchema {
    fn drop(&mut self) {
        use diesel::prelude::*;
        let drop = format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name);
        if let Err(e) = diesel::sql_query(drop).execute(&mut self.admin) {
            eprintln!("bench: schema {} was not dropped: {e}", self.name);
        }
    }
}

pub(crate) fn connect(addr: &str) -> Result<BufReader<TcpStream>> {
    Ok(BufReader::new(TcpStream::connect(addr)?))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let i = ((sorted.len() as f64 * p).ceil() as usize).saturating_sub(1);
    sorted.get(i).copied().unwrap_or_default()
}

/// What a load run measured.
struct Measured {
    requests: usize,
    elapsed: Duration,
    /// Sorted.
    latencies: Vec<Duration>,
}

impl Measured {
    #[allow(clippy::cast_precision_loss)]
    fn throughput(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    fn ms(&self, p: f64) -> f64 {
        percentile(&self.latencies, p).as_secs_f64() * 1000.0
    }

    /// `requests/s | p50 ms | p99 ms`, the cells every report row starts with.
    fn cells(&self) -> String {
        format!("{:.0} | {:.2} | {:.2}", self.throughput(), self.ms(0.5), self.ms(0.99))
    }
}

/// `clients` threads for `seconds`, each calling `call(connection, client,
/// i)` with its own running count `i`.
fn load<C>(
    clients: usize,
    seconds: u64,
    connect: impl Fn() -> Result<C> + Sync,
    call: impl Fn(&mut C, usize, usize) -> Result + Sync,
) -> Result<Measured> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let results: Vec<Result<Vec<Duration>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..clients)
            .map(|client| {
                let (connect, call) = (&connect, &call);
                scope.spawn(move || -> Result<Vec<Duration>> {
                    let mut conn = connect()?;
                    let mut latencies = Vec::new();
                    let mut i = 0;
                    while Instant::now() < deadline {
                        let t = Instant::now();
                        call(&mut conn, client, i)?;
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
    let mut latencies = Vec::new();
    for r in results {
        latencies.extend(r?);
    }
    latencies.sort();
    Ok(Measured { requests: latencies.len(), elapsed, latencies })
}

/// Replaces the `# bench: NAME` section of `bench/RESULTS.md` (up to the
/// next such heading), or appends it, so each benchmark keeps its figures.
fn write_section(root: &Path, name: &str, section: &str) -> Result {
    let path = root.join("bench/RESULTS.md");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let heading = format!("# bench: {name}\n");
    let mut sections: Vec<String> = Vec::new();
    for part in old.split("# bench: ").filter(|p| !p.trim().is_empty()) {
        sections.push(format!("# bench: {part}"));
    }
    match sections.iter_mut().find(|s| s.starts_with(&heading)) {
        Some(existing) => section.clone_into(existing),
        None => sections.push(section.to_owned()),
    }
    let text: Vec<String> = sections.iter().map(|s| s.trim_end().to_owned() + "\n").collect();
    std::fs::create_dir_all(root.join("bench"))?;
    std::fs::write(path, text.join("\n"))?;
    Ok(())
}
