//! Structured logs through `tracing`, to stderr; stdout is kept for the
//! one `listening on …` line that scripts read.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::{LogConfig, LogFormat};

/// Installs the global subscriber. Safe to call once per process; a second
/// call (as in tests) leaves the first in place.
pub fn init(log: &LogConfig) {
    let filter = EnvFilter::try_new(&log.level).unwrap_or_else(|_| EnvFilter::new("info"));
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
