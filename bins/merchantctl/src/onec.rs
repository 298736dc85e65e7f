//! `merchantctl onec`: which of our stores each 1C warehouse is. An offer's
//! stock in a warehouse not mapped here is reported by the exchange, never
//! guessed.

use std::process::ExitCode;

use clap::Subcommand;
use storage::{Database, DbOneC};

#[derive(Debug, Subcommand)]
pub enum OneCCommand {
    /// Map 1C's warehouse (Склад Ид) to one of our stores.
    Warehouse { warehouse: String, store: String },
    /// The warehouses mapped so far.
    Warehouses,
}

pub fn run(command: &OneCCommand, db: &Database) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let mut conn = db.get()?;
    match command {
        OneCCommand::Warehouse { warehouse, store } => {
            if storage::DbCatalogRepo::store_ids(&mut conn)?.iter().all(|s| s.as_str() != store) {
                eprintln!("no store {store}");
                return Ok(ExitCode::FAILURE);
            }
            DbOneC::map_warehouse(&mut conn, warehouse.trim(), store)?;
            println!("1C warehouse {warehouse} is {store}");
        }
        OneCCommand::Warehouses => {
            let mut map: Vec<(String, String)> = DbOneC::warehouses(&mut conn)?.into_iter().collect();
            map.sort();
            if map.is_empty() {
                println!("no 1C warehouse is mapped: merchantctl onec warehouse WAREHOUSE-ID STORE-ID");
            }
            for (warehouse, store) in map {
                println!("{warehouse:<40} {store}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
