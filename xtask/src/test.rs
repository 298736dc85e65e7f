//! `cargo xtask test`: the one test command of README and CI.

use std::path::Path;

use crate::{Result, cargo};

pub fn run(root: &Path, extra: &[String]) -> Result {
    let nextest = cargo().args(["nextest", "--version"]).output().is_ok_and(|o| o.status.success());
    let mut command = cargo();
    command.current_dir(root);
    if nextest {
        command.args(["nextest", "run", "--workspace"]);
        if std::env::var_os("CI").is_some() {
            command.args(["--profile", "ci"]);
        }
    } else {
        eprintln!("xtask: cargo-nextest not found, using cargo test");
        command.args(["test", "--workspace"]);
    }
    let status = command.args(extra).status()?;
    if status.success() { Ok(()) } else { Err(format!("tests failed ({status})").into()) }
}
