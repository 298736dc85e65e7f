//! `merchantctl outbox`: the notifications to Kuper, and the dead letter.

use std::process::ExitCode;

use clap::Subcommand;
use storage::{Database, DbKuperOutbox};

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Notifications, oldest first.
    List {
        /// pending, sent, dead or discarded.
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Send a dead notification again.
    Retry { id: i64 },
    /// Give up a dead notification for good.
    Discard { id: i64 },
}

pub fn run(command: &OutboxCommand, db: &Database) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let mut conn = db.get()?;
    match command {
        OutboxCommand::List { state, limit } => {
            println!(
                "{:>8}  {:<36}  {:<32}  {:<9}  {:>8}  last error",
                "id", "order", "notification", "state", "attempts"
            );
            for row in DbKuperOutbox::list(&mut conn, state.as_deref(), *limit)? {
                println!(
                    "{:>8}  {:<36}  {:<32}  {:<9}  {:>8}  {}",
                    row.id,
                    row.order_id,
                    row.kind,
                    row.state,
                    row.attempts,
                    row.last_error.unwrap_or_default()
                );
            }
        }
        OutboxCommand::Retry { id } | OutboxCommand::Discard { id } => {
            let done = if matches!(command, OutboxCommand::Retry { .. }) {
                DbKuperOutbox::revive(&mut conn, *id)?
            } else {
                DbKuperOutbox::discard(&mut conn, *id)?
            };
            if !done {
                eprintln!("no dead notification {id}");
                return Ok(ExitCode::FAILURE);
            }
            println!(
                "{id}: {}",
                if matches!(command, OutboxCommand::Retry { .. }) { "queued again" } else { "discarded" }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
