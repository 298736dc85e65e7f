//! `cargo xtask up`: both services on embedded SQLite, in the foreground.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::{Result, cargo};

const SERVICES: [&str; 2] = ["mcp-api", "kuper-listener"];
const DEFAULT_DATABASE: &str = "sqlite://var/merchant.db";
/// Only for local runs; production sets its own secret.
const DEV_WEBHOOK_SECRET: &str = "dev-webhook-secret";
const STOP_GRACE: Duration = Duration::from_secs(15);

enum Event {
    Interrupted,
    Exited(&'static str),
}

pub fn run(root: &Path) -> Result {
    let mut build = cargo();
    build.current_dir(root).args(["build", "--quiet"]);
    for service in SERVICES {
        build.args(["--bin", service]);
    }
    build.args(["--bin", "merchantctl"]);
    if !build.status()?.success() {
        return Err("build failed".into());
    }
    let bin_dir = target_dir(root)?.join("debug");
    std::fs::create_dir_all(root.join("var"))?;

    let mut env: Vec<(&str, String)> = Vec::new();
    if std::env::var_os("MERCHANT_DATABASE_URL").is_none() {
        env.push(("MERCHANT_DATABASE_URL", DEFAULT_DATABASE.into()));
    }
    // Sign-in with the sandbox's documented test tokens (see README).
    for mode in ["MERCHANT_SBERID_MODE", "MERCHANT_TOKEN_INTROSPECTION_MODE"] {
        if std::env::var_os(mode).is_none() {
            env.push((mode, "sandbox".into()));
        }
    }
    eprintln!(
        "xtask: MCP clients need a token: cargo run -q --bin merchantctl -- tokens create --client demo"
    );
    if std::env::var_os("MERCHANT_KUPER_WEBHOOK_SECRET").is_none() {
        eprintln!(
            "xtask: kuper-listener accepts webhooks with the development secret {DEV_WEBHOOK_SECRET:?}"
        );
        env.push(("MERCHANT_KUPER_WEBHOOK_SECRET", DEV_WEBHOOK_SECRET.into()));
    }

    // A fresh database gets its schema and a small demo catalog, so search
    // answers from the first request.
    for args in [&["migrate"][..], &["demo-data", "--offers", "20000", "--if-empty"]] {
        let status = Command::new(bin_dir.join("merchantctl"))
            .current_dir(root)
            .envs(env.iter().map(|(k, v)| (*k, v)))
            .args(args)
            .status()?;
        if !status.success() {
            return Err(format!("merchantctl {} failed", args.join(" ")).into());
        }
    }

    let (events, inbox) = mpsc::channel();
    let on_signal = events.clone();
    ctrlc::set_handler(move || {
        let _ = on_signal.send(Event::Interrupted);
    })?;

    let mut children = Vec::new();
    for service in SERVICES {
        let mut child = Command::new(bin_dir.join(service))
            .current_dir(root)
            .envs(env.iter().map(|(k, v)| (*k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {service}: {e}"))?;
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        prefix_lines(service, stderr, None);
        prefix_lines(service, stdout, Some(events.clone()));
        children.push((service, child));
    }

    let outcome = match inbox.recv() {
        Ok(Event::Exited(service)) => Err(format!("{service} exited; stopping the others").into()),
        Ok(Event::Interrupted) | Err(_) => Ok(()),
    };
    stop_all(&mut children);
    outcome
}

/// Copies a child's output to ours with a `[service]` prefix; when the
/// stream ends (the child exited), says so on `exited`.
fn prefix_lines(
    service: &'static str,
    stream: impl Read + Send + 'static,
    exited: Option<mpsc::Sender<Event>>,
) {
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
fn stop_all(children: &mut [(&'static str, Child)]) {
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
