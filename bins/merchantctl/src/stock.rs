//! `merchantctl stock`: stock updates from a file, our moves for the
//! merchant's systems, and an offer's figures.

use std::process::ExitCode;

use catalog::stock::MoveCursor;
use clap::Subcommand;
use storage::{BatchError, Database, DbStockLedger};

#[derive(Debug, Subcommand)]
pub enum StockCommand {
    /// Apply a batch of stock and price updates from a JSON file, as
    /// `POST /merchant/stock` takes it (`{"batchId": …, "updates": […]}`).
    Apply { file: std::path::PathBuf },
    /// Our holds, releases and sales after a cursor, oldest first (TSV).
    Moves {
        /// The last cursor printed by the previous run; 0: from the start.
        #[arg(long, default_value = "0")]
        after: String,
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(i64).range(1..=100_000))]
        limit: i64,
    },
    /// A store's offers: shelf, as of, held, sold since the report, available.
    Show {
        store: String,
        #[arg(long)]
        sku: Option<String>,
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(i64).range(1..=100_000))]
        limit: i64,
    },
}

pub fn run(command: &StockCommand, db: &Database) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let mut conn = db.get()?;
    match command {
        StockCommand::Apply { file } => {
            let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
            let batch =
                catalog::stock::batch::read_batch(&bytes).map_err(|e| format!("{}: {e}", file.display()))?;
            eprintln!(
                "applying {} updates of batch {}",
                batch.updates.len() + batch.refused.len(),
                batch.batch_id
            );
            let report = match DbStockLedger::apply_batch_on(
                &mut conn,
                &batch.batch_id,
                &batch.digest,
                &batch.updates,
                batch.refused,
                chrono::Utc::now(),
            ) {
                Ok(report) => report,
                Err(BatchError::Conflict(id)) => {
                    eprintln!("batch {id} was applied before with other contents: use a new batchId");
                    return Ok(ExitCode::FAILURE);
                }
                Err(BatchError::Storage(e)) => return Err(e.into()),
            };
            println!(
                "batch {}: {} applied, {} refused",
                report.batch_id,
                report.applied,
                report.refused.len()
            );
            for r in &report.refused {
                println!("  line {}: {} in {}: {}", r.line, r.sku, r.store_id, r.reason);
            }
        }
        StockCommand::Moves { after, limit } => {
            let after: MoveCursor = after.parse()?;
            println!("cursor\tat\tchannel\torder\tkind\tsku\tstore\tquantity");
            for m in DbStockLedger::moves_since_on(&mut conn, after, *limit)? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    m.cursor,
                    m.at.to_rfc3339(),
                    m.channel,
                    m.order_id,
                    m.kind,
                    m.sku,
                    m.store_id,
                    m.quantity
                );
            }
        }
        StockCommand::Show { store, sku, limit } => {
            println!(
                "{:<16} {:>12} {:<25} {:>10} {:>10} {:>10}",
                "sku", "shelf", "as of", "held", "sold", "available"
            );
            for o in DbStockLedger::offers(&mut conn, store, sku.as_deref(), *limit)? {
                let as_of = o.as_of.map_or_else(|| "-".into(), |t| t.format("%Y-%m-%d %H:%M:%S").to_string());
                println!(
                    "{:<16} {:>12} {:<25} {:>10} {:>10} {:>10}",
                    o.sku, o.shelf, as_of, o.held, o.sold_after_report, o.available
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
