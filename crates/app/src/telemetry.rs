//! Structured logs through `tracing`, to stderr; stdout is kept for the
//! one `listening on …` line that scripts read.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::{LogConfig, LogFormat};

/// rmcp logs every new MCP session with its id at `info`, and a session id
/// is a bearer secret: rmcp speaks at `warn` and above unless the level
/// names it.
fn with_quiet_dependencies(level: &str) -> String {
    if level.contains("rmcp") { level.to_owned() } else { format!("{level},rmcp=warn") }
}

/// Installs the global subscriber. Safe to call once per process; a second
/// call (as in tests) leaves the first in place.
pub fn init(log: &LogConfig) {
    let filter =
        EnvFilter::try_new(with_quiet_dependencies(&log.level)).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(true)
        // Colours only for a person at a terminal, never into files or pipes.
        .with_ansi(std::io::stderr().is_terminal());
    let installed = match log.format {
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(false).try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
    // Err means a subscriber is already installed: keep it.
    drop(installed);
}

#[cfg(test)]
mod tests {
    use super::with_quiet_dependencies;

    #[test]
    fn rmcp_is_quiet_unless_named() {
        assert_eq!(with_quiet_dependencies("info"), "info,rmcp=warn");
        assert_eq!(with_quiet_dependencies("trace"), "trace,rmcp=warn");
        assert_eq!(with_quiet_dependencies("info,rmcp=debug"), "info,rmcp=debug");
    }
}
