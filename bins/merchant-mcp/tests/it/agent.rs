//! `merchant-mcp` driven by a real MCP client no code of ours wrote: the
//! official Python SDK (`mcp` from PyPI, in the venv `.ci/run` installs),
//! running `agent.py` — a whole purchase, tools' schemas and tool errors —
//! over Streamable HTTP and over stdio, on SQLite and PostgreSQL. The order
//! it places is then read back by `mcp-api`'s `/order/{id}/status` and by
//! `merchantctl orders show`: one order book.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use app::testing::RunningService;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use storage::testing::TestDatabase;
use storage::{CatalogBatch, DbCatalogRepo};

const BIN: &str = env!("CARGO_BIN_EXE_merchant-mcp");
const SHOPPER: &str = "sandbox:agent-shopper";

/// The venv's Python with the `mcp` SDK: `TEST_MCP_PYTHON`, or where
/// `.ci/run` puts it.
fn python() -> Option<PathBuf> {
    // The probe is the interpreter itself.
    app::testing::ci_tool("TEST_MCP_PYTHON", ".cache/merchant-hub/mcp-venv/bin/python", "")
}

fn agent(python: &Path, args: &[&str], env: &[(&str, &str)]) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/agent.py");
    let mut command = Command::new(python);
    command.arg(script).args(args);
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("MERCHANT_")) {
        command.env_remove(key);
    }
    let out = command.envs(env.iter().copied()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "agent.py {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The SDK ends its session with DELETE and complains of any answer but
    // 200 or 204.
    assert!(!stderr.contains("Session termination failed"), "agent.py: {stderr}");
    serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("the agent's result line")
}

/// The demo catalog, open around the clock, and an MCP client's token.
fn setup(t: &TestDatabase) -> String {
    let mut catalog = catalog::demo::generate(3_000);
    for store in &mut catalog.stores {
        store.opening_hours = "24/7".into();
    }
    DbCatalogRepo::write(&mut t.db.get().unwrap(), &CatalogBatch::from(catalog)).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let authenticator = t.authenticator(Arc::new(domain::SystemClock));
    let (_, token) = runtime.block_on(authenticator.create_client("agent")).unwrap();
    token.expose_secret().to_owned()
}

/// The order as `mcp-api` tells its shopper (signed in there as the agent
/// signed in here).
fn mcp_api_status(t: &TestDatabase, dir: &Path, client: &str, order: &str) -> Value {
    let service = RunningService::start(
        &app::testing::sibling_binary(BIN, "mcp-api"),
        dir,
        &[
            ("MERCHANT_DATABASE_URL", &t.raw_url),
            ("MERCHANT_MCP_API_ADDR", "127.0.0.1:0"),
            ("MERCHANT_TOKEN_INTROSPECTION_MODE", "sandbox"),
        ],
    );
    let http = reqwest::blocking::Client::new();
    let bearer = format!("Bearer {client}");
    let login: Value = http
        .post(service.url("/auth/other"))
        .header("rqUid", "0123456789abcdef0123456789abcdef")
        .header("authorization", &bearer)
        .json(&json!({"token": SHOPPER}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let status = http
        .get(service.url(&format!("/order/{order}/status")))
        .header("authorization", &bearer)
        .header("X-Access-Token", login["accessToken"].as_str().unwrap())
        .send()
        .unwrap();
    assert_eq!(status.status(), 200);
    status.json().unwrap()
}

fn merchantctl_show(t: &TestDatabase, order: &str) -> String {
    let out = Command::new(app::testing::sibling_binary(BIN, "merchantctl"))
        .args(["orders", "show", order])
        .env("MERCHANT_DATABASE_URL", &t.raw_url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn an_agent_buys_over_streamable_http_and_the_order_is_in_the_one_book() {
    let Some(python) = python() else { return };
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        let client = setup(&t);
        let dir = tempfile::tempdir().unwrap();
        let server = RunningService::start(
            Path::new(BIN),
            dir.path(),
            &[
                ("MERCHANT_DATABASE_URL", &t.raw_url),
                ("MERCHANT_MCP_SERVER_ADDR", "127.0.0.1:0"),
                ("MERCHANT_TOKEN_INTROSPECTION_MODE", "sandbox"),
            ],
        );
        let bought = agent(&python, &["http", &server.url("/mcp"), &client], &[]);
        let order = bought["order_id"].as_str().unwrap();
        let status = mcp_api_status(&t, dir.path(), &client, order);
        assert_eq!(status["status"], "paid", "{backend}: {status}");
        assert!(merchantctl_show(&t, order).contains("paid"), "{backend}");
        assert!(!server.output().contains(&client), "{backend}: the client token stays out of the logs");
    }
}

#[test]
fn an_agent_buys_over_stdio() {
    let Some(python) = python() else { return };
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        setup(&t);
        let bought = agent(
            &python,
            &["stdio", BIN, "--stdio"],
            &[
                ("MERCHANT_DATABASE_URL", &t.raw_url),
                ("MERCHANT_MCP_SERVER_ADDR", "127.0.0.1:0"),
                ("MERCHANT_TOKEN_INTROSPECTION_MODE", "sandbox"),
                ("MERCHANT_LOG_LEVEL", "warn"),
            ],
        );
        let order = bought["order_id"].as_str().unwrap();
        assert!(merchantctl_show(&t, order).contains("paid"), "{backend}");
    }
}

#[test]
fn without_a_client_token_the_endpoint_answers_401_and_a_foreign_origin_403() {
    let t = TestDatabase::sqlite();
    t.migrate();
    let client = setup(&t);
    let dir = tempfile::tempdir().unwrap();
    let server = RunningService::start(
        Path::new(BIN),
        dir.path(),
        &[("MERCHANT_DATABASE_URL", &t.raw_url), ("MERCHANT_MCP_SERVER_ADDR", "127.0.0.1:0")],
    );
    let http = reqwest::blocking::Client::new();
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "curl", "version": "1"}}});
    let post = |token: Option<&str>, origin: Option<&str>| {
        let mut request = http
            .post(server.url("/mcp"))
            .header("accept", "application/json, text/event-stream")
            .json(&initialize);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send().unwrap()
    };
    let missing = post(None, None);
    assert_eq!(missing.status(), 401);
    assert!(missing.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    assert_eq!(post(Some("mct_0000000000000000_wrong"), None).status(), 401);
    assert_eq!(post(Some(&client), Some("https://evil.example")).status(), 403, "a foreign browser origin");
    assert_eq!(post(Some(&client), None).status(), 200);
    assert!(!server.output().contains(&client));
}
