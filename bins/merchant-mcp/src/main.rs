//! `merchant-mcp`: the merchant's own MCP server. Streamable HTTP at `/mcp`
//! on `MERCHANT_MCP_SERVER_ADDR`; with `--stdio`, also one MCP session on
//! stdin/stdout for a local agent (the process ends with it; logs and the
//! `listening on` line go to stderr).

use std::process::ExitCode;
use std::sync::Arc;

/// As `mcp-api`: a search allocates and frees many small strings, which
/// mimalloc's thread-local heaps do markedly cheaper than glibc's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stdio = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => false,
        ["--stdio"] => true,
        _ => {
            eprintln!("usage: merchant-mcp [--stdio]");
            return ExitCode::from(64);
        }
    };
    let run = app::wiring::McpServerRun {
        public_url: Arc::default(),
        stdio: stdio.then(|| Arc::new(tokio::sync::Notify::new())),
    };
    let options = app::RunOptions {
        announce_on_stderr: stdio,
        stop: run.stdio.clone(),
        bound: Some(Arc::clone(&run.public_url)),
    };
    app::run_service_with(app::Service::McpServer, options, move |db, config| {
        app::wiring::merchant_mcp(db, config, &run)
    })
}
