//! `merchantctl outbox`: the notifications to Kuper, and the dead letter.

use std::process::ExitCode;

use clap::Subcommand;
use orders::kuper::states::OutboxState;
use storage::{Database, DbKuperOutbox};

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Notifications, oldest first.
    List {
        /// pending, sent, dead or discarded.
        #[arg(long, value_parser = outbox_state)]
        state: Option<OutboxState>,
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Send a dead notification again.
    Retry { id: i64 },
    /// Give up a dead notification for good.
    Discard { id: i64 },
}

fn outbox_state(text: &str) -> Result<OutboxState, String> {
    OutboxState::parse(text).ok_or_else(|| format!("no state {text:?}: pending, sent, dead or discarded"))
}

pub fn run(command: &OutboxCommand, db: &Database) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let mut conn = db.get()?;
    match command {
        OutboxCommand::List { state, limit } => {
            println!(
                "{:>8}  {:<36}  {:<32}  {:<9}  {:>8}  last error",
                "id", "order", "notification", "state", "attempts"
            );
            for row in DbKuperOutbox::list(&mut conn, *state, *limit)? {
                println!(
                    "{:>8}  {:<36}  {:<32}  {:<9}  {:>8}  {}",
                    row.id,
                    row.order_id,
                    row.kind,
                    row.state.as_str(),
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
