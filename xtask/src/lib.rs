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

/// The workspace root (the parent of this crate), of the clone `cargo
/// xtask` runs in: read at run time (`cargo run` sets it), because one
/// target dir shared by several clones keeps one xtask binary, whose
/// compile-time path names the clone that built it.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    Path::new(&manifest_dir).parent().expect("xtask lives inside the workspace").to_path_buf()
}

/// `cargo`, as the one running us (so toolchain overrides carry over).
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

pub type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;
