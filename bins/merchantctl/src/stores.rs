//! `merchantctl stores slots`: a store's own delivery or pickup slot grid.

use std::process::ExitCode;

use app::Config;
use chrono::{Duration, NaiveTime};
use clap::Args;
use domain::StoreId;
use orders::ShippingMethod;
use orders::schedule::SlotSettings;
use storage::{Database, DbOrderRepo};

/// Flags not given keep the configured grid's value
/// (`MERCHANT_DELIVERY_*` / `MERCHANT_PICKUP_*`).
#[derive(Debug, Args)]
pub struct SlotsArgs {
    store: String,
    /// delivery or pickup.
    #[arg(long)]
    shipping: ShippingMethod,
    #[arg(long)]
    slot_minutes: Option<i64>,
    #[arg(long)]
    lead_minutes: Option<i64>,
    /// HH:MM in the store's time zone, or `none`.
    #[arg(long)]
    cutoff: Option<String>,
    #[arg(long)]
    days: Option<u32>,
    #[arg(long)]
    capacity: Option<u32>,
    /// Drop the store's own grid: back to the configured one.
    #[arg(long, conflicts_with_all = ["slot_minutes", "lead_minutes", "cutoff", "days", "capacity"])]
    clear: bool,
}

pub fn slots(
    args: &SlotsArgs,
    db: &Database,
    config: &Config,
) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let store = StoreId::new(args.store.as_str()).map_err(|e| format!("store {:?}: {e}", args.store))?;
    let mut conn = db.get()?;
    if storage::DbCatalogRepo::store_ids(&mut conn)?.iter().all(|s| s != &store) {
        eprintln!("no store {store}");
        return Ok(ExitCode::FAILURE);
    }
    if args.clear {
        DbOrderRepo::set_slot_settings(&mut conn, &store, args.shipping, None)?;
        println!("{store}: {} slots follow the configuration", args.shipping);
        return Ok(ExitCode::SUCCESS);
    }
    let base = match args.shipping {
        ShippingMethod::Delivery => &config.orders.settings.delivery,
        ShippingMethod::Pickup => &config.orders.settings.pickup,
    };
    let cutoff = match args.cutoff.as_deref() {
        None => base.cutoff,
        Some("none") => None,
        Some(text) => Some(
            NaiveTime::parse_from_str(text, "%H:%M")
                .map_err(|_| format!("--cutoff {text:?}: expected HH:MM or none"))?,
        ),
    };
    let settings = SlotSettings {
        length: args.slot_minutes.map_or(base.length, Duration::minutes),
        lead: args.lead_minutes.map_or(base.lead, Duration::minutes),
        cutoff,
        days: args.days.unwrap_or(base.days),
        capacity: args.capacity.unwrap_or(base.capacity),
    };
    if settings.length < Duration::minutes(15)
        || settings.lead < Duration::zero()
        || !(1..=14).contains(&settings.days)
        || settings.capacity == 0
    {
        eprintln!(
            "slots must be 15 minutes or longer, lead time not negative, 1 to 14 days, capacity at least 1"
        );
        return Ok(ExitCode::FAILURE);
    }
    DbOrderRepo::set_slot_settings(&mut conn, &store, args.shipping, Some(&settings))?;
    println!(
        "{store}: {} slots of {} min from {} min ahead, {} day(s), {} order(s) each, cut-off {}",
        args.shipping,
        settings.length.num_minutes(),
        settings.lead.num_minutes(),
        settings.days,
        settings.capacity,
        settings.cutoff.map_or_else(|| "none".to_owned(), |t| t.format("%H:%M").to_string())
    );
    Ok(ExitCode::SUCCESS)
}
