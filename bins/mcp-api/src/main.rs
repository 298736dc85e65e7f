//! `mcp-api`: the MCP-Merchant Integration API service.

use std::process::ExitCode;

/// A search allocates and frees many small strings on two worker threads;
/// mimalloc's thread-local heaps do that markedly cheaper than glibc's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    app::run_service(app::Service::McpApi, app::wiring::mcp_api)
}
