//! A real load balancer in front of several instances: HAProxy from
//! Debian's package, configured here so a merchant can copy the file it
//! writes. Each pool checks its instances' `/health/ready` twice a second
//! and sends nothing to one that fails twice; a request whose instance
//! refuses the connection or dies before answering is tried on the other. What HAProxy answers itself
//! (no instance ready, an instance gone mid-request) is a 503 with
//! `Retry-After`, like the services' own refusals, so a client or Kuper
//! retries instead of giving up.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Result;

/// One service's instances behind one address.
#[derive(Debug)]
pub struct Pool<'a> {
    pub name: &'a str,
    /// Where clients connect: `127.0.0.1:PORT`.
    pub front: &'a str,
    /// The instances' addresses.
    pub servers: &'a [String],
    /// The JSON body of HAProxy's own 503, in the service's error shape.
    pub refusal: &'a str,
}

impl<'a> Pool<'a> {
    /// `mcp-api`'s instances: HAProxy's own refusal is the seed's `Error`,
    /// as the service's own 503 is.
    pub fn mcp_api(front: &'a str, servers: &'a [String]) -> Pool<'a> {
        let refusal = r#"{"code":"503","message":"the service is unavailable for a moment; try again"}"#;
        Pool { name: "mcp-api", front, servers, refusal }
    }

    /// `kuper-listener`'s instances: HAProxy's own refusal is Kuper's error
    /// body.
    pub fn kuper_listener(front: &'a str, servers: &'a [String]) -> Pool<'a> {
        let refusal = r#"{"errors":[{"type":"unavailable","field":"","message":"try again"}]}"#;
        Pool { name: "kuper-listener", front, servers, refusal }
    }
}

/// Writes `haproxy.cfg` (and one error page per pool) into `dir`.
pub fn write_config(dir: &Path, pools: &[Pool<'_>]) -> Result<PathBuf> {
    let mut config = String::from(
        "# Written by `cargo xtask`: the services' instances behind one address each.\n\
         global\n    maxconn 4096\n\n\
         defaults\n    mode http\n    option http-keep-alive\n\
         \x20   # The instances count failed sign-ins per client: tell them who it is\n\
         \x20   # (they trust it with MERCHANT_HTTP_TRUSTED_PROXIES=127.0.0.1).\n\
         \x20   option forwardfor\n\
         \x20   timeout connect 2s\n    timeout client 60s\n    timeout server 30s\n\
         \x20   timeout http-keep-alive 30s\n\
         \x20   # A request an instance refused to connect, or died before\n\
         \x20   # answering, is tried on another: safe, as every POST the services\n\
         \x20   # take is idempotent (a checkout by its rqUid, a webhook by its\n\
         \x20   # event, a payment by its order).\n\
         \x20   retries 2\n    option redispatch 1\n    retry-on conn-failure empty-response\n",
    );
    for pool in pools {
        let page = dir.join(format!("{}-503.http", pool.name));
        std::fs::write(
            &page,
            format!(
                "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n\
                 Connection: close\r\nCache-Control: no-store\r\nContent-Length: {}\r\n\r\n{}",
                pool.refusal.len(),
                pool.refusal
            ),
        )?;
        let _ = write!(
            config,
            "\nfrontend {name}\n    bind {front}\n    default_backend {name}\n\n\
             backend {name}\n    balance roundrobin\n\
             \x20   option httpchk GET /health/ready\n    http-check expect status 200\n\
             \x20   default-server inter 500ms fall 2 rise 1\n\
             \x20   errorfile 502 {page}\n    errorfile 503 {page}\n    errorfile 504 {page}\n",
            name = pool.name,
            front = pool.front,
            page = page.display(),
        );
        for (i, server) in pool.servers.iter().enumerate() {
            let _ = writeln!(config, "    server {}-{} {server} check", pool.name, i + 1);
        }
    }
    let path = dir.join("haproxy.cfg");
    std::fs::write(&path, config)?;
    Ok(path)
}

/// HAProxy in the foreground on `config`, once it has checked it.
pub fn command(config: &Path) -> Result<Command> {
    let haproxy = which_haproxy()?;
    let check = Command::new(&haproxy).args(["-c", "-q", "-f"]).arg(config).output()?;
    if !check.status.success() {
        return Err(format!(
            "haproxy refuses {}: {}",
            config.display(),
            String::from_utf8_lossy(&check.stderr)
        )
        .into());
    }
    let mut command = Command::new(haproxy);
    command.args(["-db", "-f"]).arg(config);
    Ok(command)
}

fn which_haproxy() -> Result<PathBuf> {
    ["/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .ok_or_else(|| "haproxy is not installed (apt-get install haproxy)".into())
}
