//! Shared by the end-to-end tests of the `mcp-api` binary.
#![allow(dead_code)]

use std::path::Path;

use app::testing::RunningService;

pub const BIN: &str = env!("CARGO_BIN_EXE_mcp-api");

/// `mcp-api` on `db_url` and a free port, with `extra` settings, running in
/// `dir`.
pub fn start(db_url: &str, dir: &Path, extra: &[(&str, &str)]) -> RunningService {
    let mut env = vec![("MERCHANT_DATABASE_URL", db_url), ("MERCHANT_MCP_API_ADDR", "127.0.0.1:0")];
    env.extend_from_slice(extra);
    RunningService::start(Path::new(BIN), dir, &env)
}

/// `POST path` with the `rqUid` header and `headers`; the status and the
/// JSON answer (`null` when there is none).
pub fn call(
    service: &RunningService,
    path: &str,
    rq_uid: &str,
    headers: &[(&str, &str)],
    body: &serde_json::Value,
) -> (u16, serde_json::Value) {
    let mut request =
        reqwest::blocking::Client::new().post(service.url(path)).header("rqUid", rq_uid).json(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().unwrap();
    (response.status().as_u16(), response.json().unwrap_or(serde_json::Value::Null))
}
