//! Shared by the end-to-end tests of the `mcp-api` binary.

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
