//! Wiring shared by the binaries: configuration, telemetry, metrics and the
//! HTTP server shell every service runs in. A binary's `main` is one call to
//! [`run_service`] with the routes it adds.

pub mod config;
pub mod dispatcher;
pub mod metrics;
pub mod openapi;
mod ops;
mod retention;
mod server;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
pub mod wiring;

use std::fmt;

pub use config::{Config, ConfigError};
pub use server::{RunOptions, StartError, run_service, run_service_with, serve};

/// Re-exported so binaries add routes without naming actix themselves.
pub use actix_web::web;

/// The long-running services of the product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    McpApi,
    KuperListener,
    /// The staff console (server-rendered pages).
    Console,
    /// The merchant's own MCP server (Streamable HTTP; stdio beside it).
    McpServer,
}

impl Service {
    pub const fn name(self) -> &'static str {
        match self {
            Service::McpApi => "mcp-api",
            Service::KuperListener => "kuper-listener",
            Service::Console => "console",
            Service::McpServer => "merchant-mcp",
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
