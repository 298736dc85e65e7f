use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(about = "Chores for the merchant integration hub", disable_version_flag = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build and run mcp-api and kuper-listener on embedded SQLite under var/,
    /// in the foreground; Ctrl-C stops both.
    Up,
    /// Fail when a domain crate depends (even transitively) on actix, diesel,
    /// reqwest or an adapter crate.
    CheckDeps,
    /// Run the whole test suite (cargo nextest when installed, else cargo test).
    Test {
        /// Extra arguments for the test runner.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = xtask::workspace_root();
    let result = match cli.command {
        Command::Up => xtask::up::run(&root),
        Command::CheckDeps => xtask::deps::run(&root),
        Command::Test { args } => xtask::test::run(&root, &args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
