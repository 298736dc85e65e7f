//! `mcp-api`: the MCP-Merchant Integration API service.

use std::process::ExitCode;

fn main() -> ExitCode {
    app::run_service(app::Service::McpApi, app::wiring::mcp_api)
}
