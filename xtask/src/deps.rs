//! `cargo xtask check-deps`: dependencies point inward.
//!
//! - Domain crates (value types, use cases, ports) must not reach a web
//!   framework, an ORM, an HTTP client or one of our adapter crates, directly
//!   or through anything they depend on.
//! - An HTTP adapter (a surface: the MCP API, the MCP server, Kuper's
//!   listener, the console, 1C's exchange) must not reach another: what two
//!   share lives below both (`http-edge`, a domain crate).
//! - An HTTP adapter does not reach storage: it asks use cases, which work
//!   over ports; `app` wires storage in behind them.
//! - `merchantctl` names no HTTP adapter among its dependencies (it reaches
//!   them only through `app`'s wiring).
//!
//! Dev-dependencies are not checked: tests may use real adapters.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::path::Path;

use serde_json::Value;

use crate::{Result, cargo};

/// Workspace crates that hold the domain.
pub const DOMAIN_CRATES: &[&str] = &["domain", "catalog", "orders", "payments", "identity", "staff-desk"];

/// The database adapter: HTTP adapters reach it only through use cases.
const STORAGE: &str = "storage";

/// Our adapter and wiring crates: the domain never depends on them.
const ADAPTER_CRATES: &[&str] = &[
    "storage",
    "search",
    "kuper-client",
    "identity-providers",
    "payment-gateways",
    "mcp-api-http",
    "kuper-http",
    "merchant-http",
    "mcp-server",
    "console",
    "app",
];

/// Our HTTP surfaces: none depends on another.
const HTTP_ADAPTERS: &[&str] = &["mcp-api-http", "kuper-http", "merchant-http", "mcp-server", "console"];

/// The command line: no HTTP adapter among its direct dependencies.
const CLI: &str = "merchantctl";

fn is_forbidden(name: &str) -> bool {
    name.starts_with("actix")
        || name.starts_with("diesel")
        || name == "reqwest"
        || ADAPTER_CRATES.contains(&name)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The chain from the domain crate to the forbidden one.
    pub path: Vec<String>,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let first = self.path.first().map_or("?", String::as_str);
        let last = self.path.last().map_or("?", String::as_str);
        write!(f, "{first} depends on {last} ({})", self.path.join(" -> "))
    }
}

pub fn run(root: &Path) -> Result {
    let violations = check(root)?;
    if violations.is_empty() {
        println!(
            "check-deps: domain crates depend on no framework, ORM, HTTP client or adapter; no HTTP adapter on another or on storage; merchantctl on none"
        );
        return Ok(());
    }
    for v in &violations {
        eprintln!("check-deps: {v}");
    }
    Err(format!("{} forbidden dependency path(s)", violations.len()).into())
}

/// Every shortest path from a domain crate of the workspace at `root` to a
/// forbidden crate.
pub fn check(root: &Path) -> Result<Vec<Violation>> {
    let output = cargo()
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(root.join("Cargo.toml"))
        .output()?;
    if !output.status.success() {
        return Err(format!("cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr)).into());
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)?;
    check_metadata(&metadata)
}

fn check_metadata(metadata: &Value) -> Result<Vec<Violation>> {
    let names: BTreeMap<&str, &str> = array(&metadata["packages"])?
        .iter()
        .filter_map(|p| Some((p["id"].as_str()?, p["name"].as_str()?)))
        .collect();
    // Normal and build edges only, from the resolved graph.
    let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for node in array(&metadata["resolve"]["nodes"])? {
        let id = node["id"].as_str().ok_or("resolve node without id")?;
        let deps = array(&node["deps"])?
            .iter()
            .filter(|d| {
                d["dep_kinds"]
                    .as_array()
                    .is_some_and(|kinds| kinds.iter().any(|k| k["kind"].as_str() != Some("dev")))
            })
            .filter_map(|d| d["pkg"].as_str())
            .collect();
        edges.insert(id, deps);
    }
    let mut violations = Vec::new();
    for member in array(&metadata["workspace_members"])?.iter().filter_map(Value::as_str) {
        let crate_name = names.get(member).copied().unwrap_or_default();
        if DOMAIN_CRATES.contains(&crate_name) {
            violations.extend(forbidden_paths(member, &edges, &names, is_forbidden));
        }
        if HTTP_ADAPTERS.contains(&crate_name) {
            let other_adapter_or_storage =
                |name: &str| name == STORAGE || (name != crate_name && HTTP_ADAPTERS.contains(&name));
            violations.extend(forbidden_paths(member, &edges, &names, other_adapter_or_storage));
        }
        if crate_name == CLI {
            for &dep in edges.get(member).into_iter().flatten() {
                let dep_name = names.get(dep).copied().unwrap_or(dep);
                if HTTP_ADAPTERS.contains(&dep_name) {
                    violations.push(Violation { path: vec![CLI.to_owned(), dep_name.to_owned()] });
                }
            }
        }
    }
    Ok(violations)
}

/// Breadth-first from `start`, so each forbidden crate is reported once, by
/// its shortest path.
fn forbidden_paths(
    start: &str,
    edges: &BTreeMap<&str, Vec<&str>>,
    names: &BTreeMap<&str, &str>,
    forbidden: impl Fn(&str) -> bool,
) -> Vec<Violation> {
    let name = |id: &str| names.get(id).copied().unwrap_or(id).to_owned();
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    let mut found = Vec::new();
    while let Some(id) = queue.pop_front() {
        for &dep in edges.get(id).into_iter().flatten() {
            if dep == start || parent.contains_key(dep) {
                continue;
            }
            parent.insert(dep, id);
            if forbidden(&name(dep)) {
                let mut path = vec![name(dep)];
                let mut at = dep;
                while let Some(&up) = parent.get(at) {
                    path.push(name(up));
                    at = up;
                }
                path.reverse();
                found.push(Violation { path });
            } else {
                queue.push_back(dep);
            }
        }
    }
    found
}

fn array(value: &Value) -> Result<&Vec<Value>> {
    value.as_array().ok_or_else(|| "unexpected cargo metadata format".into())
}
