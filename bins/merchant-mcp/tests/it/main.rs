//! merchant-mcp end to end, one test binary: a real MCP client buying
//! (`agent`), and sessions bound to their clients (`sessions`).

mod agent;
mod sessions;
