//! `merchantctl kuper`: how stores work with Kuper, and staff actions on
//! Kuper orders (each queues its notification to Kuper).

use std::process::ExitCode;

use clap::Subcommand;
use orders::kuper::flow::{IntegrationType, StaffAction};
use storage::{ActError, Database, DbKuperInbox};

#[derive(Debug, Subcommand)]
pub enum KuperCommand {
    /// Set how a store works with Kuper.
    Store {
        store: String,
        /// kuper_delivery, pickup or merchant_delivery.
        #[arg(long, value_parser = parse_integration)]
        integration: IntegrationType,
        /// The store is a restaurant (orders are accepted first).
        #[arg(long)]
        restaurant: bool,
        /// Minutes to assemble an order (answered to Kuper as expectedAssemblyTime).
        #[arg(long)]
        assembly_minutes: Option<i32>,
    },
    /// Show a Kuper order (by Kuper's order id).
    Show { order: String },
    /// Take a staff action: accept, in_work, assembled, pickup_code_created,
    /// ready_for_delivery, estimated_delivery_time, delivering, delivered,
    /// canceled.
    Act {
        order: String,
        action: StaffAction,
        /// The notification's payload as JSON (the final composition for
        /// ready_for_delivery: {"order": {"positions": [...]}}; the code for
        /// pickup_code_created: {"code": "1234"}; a reason for canceled).
        #[arg(long, default_value = "{}")]
        payload: String,
    },
}

fn parse_integration(text: &str) -> Result<IntegrationType, String> {
    IntegrationType::parse(text)
        .ok_or_else(|| "expected kuper_delivery, pickup or merchant_delivery".to_owned())
}

pub fn run(command: &KuperCommand, db: &Database) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let mut conn = db.get()?;
    match command {
        KuperCommand::Store { store, integration, restaurant, assembly_minutes } => {
            if storage::DbCatalogRepo::store_ids(&mut conn)?.iter().all(|s| s.as_str() != store) {
                eprintln!("no store {store}");
                return Ok(ExitCode::FAILURE);
            }
            DbKuperInbox::set_store(&mut conn, store, *integration, *restaurant, *assembly_minutes)?;
            println!("{store}: {}{}", integration.as_str(), if *restaurant { ", restaurant" } else { "" });
        }
        KuperCommand::Show { order } => {
            let Some(view) = DbKuperInbox::order(&mut conn, order)? else {
                eprintln!("no Kuper order {order}");
                return Ok(ExitCode::FAILURE);
            };
            println!("kuper order: {}", view.original_order_id);
            println!("our number:  {}", view.order_id);
            println!("status:      {}{}", view.status, if view.paid { ", paid" } else { "" });
            for (sku, held) in &view.held {
                println!("  {sku:<16} {held} held");
            }
            println!("notifications queued: {}", view.outbox.join(", "));
        }
        KuperCommand::Act { order, action, payload } => {
            let payload: serde_json::Value =
                serde_json::from_str(payload).map_err(|e| format!("--payload is not JSON: {e}"))?;
            if let Err(e) = kuper_client::payload::check_staff_payload(action.notification(), &payload) {
                eprintln!("--payload: {e}");
                return Ok(ExitCode::FAILURE);
            }
            match DbKuperInbox::act(&mut conn, order, *action, &payload, chrono::Utc::now())? {
                Ok(status) => println!("{order} is {status}; {action} queued for Kuper"),
                Err(e @ (ActError::UnknownOrder | ActError::Illegal(_) | ActError::Composition(_))) => {
                    eprintln!("{e}");
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
