//! Chores as plain Rust, one module per verb; `main.rs` only parses the
//! command line.

pub mod balancer;
pub mod bench;
pub mod deps;
pub mod openapi;
pub mod test;
pub mod up;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives inside the workspace").to_path_buf()
}

/// `cargo`, as the one running us (so toolchain overrides carry over).
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

pub type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;
