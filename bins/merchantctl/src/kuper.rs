//! `merchantctl kuper`: how stores work with Kuper, Kuper orders as staff
//! see them, staff steps (each queues its notification to Kuper), and what
//! needs a person.

use std::fmt::Write as _;
use std::process::ExitCode;

use clap::Subcommand;
use orders::kuper::KuperOrderView;
use orders::kuper::flow::{IntegrationType, StaffAction};
use orders::kuper::intake::PositionIds;
use orders::kuper::method::Methods;
use storage::{Database, DbKuperInbox, KuperStoreSetup};

#[derive(Debug, Subcommand)]
pub enum KuperCommand {
    /// Set how a store works with Kuper.
    Store {
        store: String,
        /// The flow of an order that names no delivery method:
        /// kuper_delivery, pickup or merchant_delivery.
        #[arg(long, value_parser = parse_integration)]
        integration: IntegrationType,
        /// The integration types the store takes orders of, comma-separated
        /// (default: all three). Each order runs the flow of its own
        /// shipmentMethod; one of a type not listed is canceled with the
        /// reason.
        #[arg(long, value_parser = parse_methods)]
        methods: Option<Methods>,
        /// The store is a restaurant (orders are accepted first).
        #[arg(long)]
        restaurant: bool,
        /// Minutes to assemble an order (answered to Kuper as expectedAssemblyTime).
        #[arg(long)]
        assembly_minutes: Option<i32>,
        /// Kuper's id of this store, when it is not ours.
        #[arg(long)]
        kuper_id: Option<String>,
        /// What Kuper's position ids name: sku (our SKU) or barcode.
        #[arg(long, default_value = "sku", value_parser = parse_position_ids)]
        position_ids: PositionIds,
    },
    /// Show a Kuper order (by Kuper's order id): lines, customer, address,
    /// delivery window, courier, cancel reason, updates, notifications.
    Show { order: String },
    /// Take a staff step: accept, in_work, assembled, pickup_code_created,
    /// ready_for_delivery, estimated_delivery_time, delivering, delivered,
    /// canceled.
    Act {
        order: String,
        action: StaffAction,
        /// The notification's payload as JSON: the final composition for
        /// ready_for_delivery ({"order": {"positions": [{"id": "SKU-1",
        /// "quantity": 2}, {"id": "CHEESE", "weight": 734}, {"id": "MILK",
        /// "quantity": 0, "replacedByID": "KEFIR"}, {"id": "KEFIR",
        /// "quantity": 1}]}}); the code for pickup_code_created ({"code":
        /// "1234"}); a reason for canceled ({"reason": {"code": "no_stock"}}).
        #[arg(long, default_value = "{}")]
        payload: String,
    },
    /// What needs a person: updates we could not apply, dead letters,
    /// events whose order never came.
    Attention {
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(i64).range(1..=1000))]
        limit: i64,
    },
}

fn parse_integration(text: &str) -> Result<IntegrationType, String> {
    IntegrationType::parse(text)
        .ok_or_else(|| "expected kuper_delivery, pickup or merchant_delivery".to_owned())
}

fn parse_methods(text: &str) -> Result<Methods, String> {
    Methods::parse(text).ok_or_else(|| {
        "expected one or more of kuper_delivery, pickup, merchant_delivery, comma-separated".to_owned()
    })
}

fn parse_position_ids(text: &str) -> Result<PositionIds, String> {
    PositionIds::parse(text).ok_or_else(|| "expected sku or barcode".to_owned())
}

fn print_order(view: &KuperOrderView) {
    let kuper = view.kuper_status.map_or("nothing yet", |s| s.as_str());
    println!("kuper order: {}", view.original_order_id);
    println!("our number:  {}", view.order_id);
    println!("store:       {} ({})", view.store_id, view.integration.as_str());
    println!("status:      {}{} (Kuper has: {kuper})", view.status, if view.paid { ", paid" } else { "" });
    let d = &view.details;
    if let Some(customer) = &d.customer {
        let name = customer.name.as_deref().unwrap_or("?");
        println!("customer:    {name} {}", customer.phone.as_deref().unwrap_or(""));
    }
    if let Some(address) = &d.address {
        let mut text = address.full_address.clone().unwrap_or_default();
        for (label, part) in
            [("entrance", &address.entrance), ("floor", &address.floor), ("apt", &address.apartment)]
        {
            if let Some(part) = part {
                let _ = write!(text, ", {label} {part}");
            }
        }
        if let (Some(lat), Some(lon)) = (address.lat, address.lon) {
            let _ = write!(text, " ({lat}, {lon})");
        }
        println!("address:     {text}");
    }
    if let Some(window) = &d.delivery {
        let (from, to) =
            (window.expected_from.as_deref().unwrap_or("?"), window.expected_to.as_deref().unwrap_or("?"));
        println!("delivery:    {from} – {to}");
    }
    if let Some(comment) = &d.comment {
        println!("comment:     {comment}");
    }
    if let Some(policy) = &d.replacement_policy {
        println!("replacing:   {policy}");
    }
    if !d.payment_methods.is_empty() {
        println!("payment:     {}", d.payment_methods.join(", "));
    }
    if let Some(total) = &d.total {
        let (full, discounted) = (
            total.total_price.as_deref().unwrap_or("?"),
            total.discount_total_price.as_deref().unwrap_or("?"),
        );
        println!("total:       {full} (with discounts {discounted})");
    }
    for news in &d.courier {
        println!("courier:     {} at {} {}", news.event, news.at, news.payload);
    }
    if let Some(cancel) = &d.cancel {
        let why =
            [cancel.code.as_deref(), cancel.comment.as_deref()].into_iter().flatten().collect::<Vec<_>>();
        println!("canceled by: {} ({})", cancel.by, why.join(": "));
    }
    for update in &d.updates {
        let note = update.note.as_deref().map(|n| format!(": {n}")).unwrap_or_default();
        println!(
            "update:      {} {} {}{note}",
            update.at,
            update.kind.as_deref().unwrap_or("-"),
            update.outcome
        );
    }
    println!("lines:");
    for line in &view.lines {
        let unit = if line.weighted { "kg" } else { "pcs" };
        let picked = line.picked.map(|p| format!(", picked {p}")).unwrap_or_default();
        let replaces = line.replaces.as_deref().map(|r| format!(", replaces {r}")).unwrap_or_default();
        let sku = line.sku.as_deref().unwrap_or("(not ours)");
        println!(
            "  {:<16} {sku:<16} ordered {} {unit}, held {}{picked}{replaces}",
            line.position_id, line.ordered, line.held
        );
    }
    println!("notifications:");
    for n in &view.notifications {
        let error = n.last_error.as_deref().map(|e| format!(" — {e}")).unwrap_or_default();
        println!("  #{:<6} {:<32} {:<9} {} attempts{error}", n.id, n.kind, n.state, n.attempts);
    }
    println!("history:");
    for h in &view.history {
        let arrow = if h.direction == "in" { "<-" } else { "->" };
        let note = h.note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
        println!("  {} {arrow} {:<32} {}{note}", h.at.format("%F %T"), h.kind, h.outcome);
    }
}

pub fn run(command: &KuperCommand, db: &Database) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let mut conn = db.get()?;
    match command {
        KuperCommand::Store {
            store,
            integration,
            methods,
            restaurant,
            assembly_minutes,
            kuper_id,
            position_ids,
        } => {
            if storage::DbCatalogRepo::store_ids(&mut conn)?.iter().all(|s| s.as_str() != store) {
                eprintln!("no store {store}");
                return Ok(ExitCode::FAILURE);
            }
            let methods = methods.unwrap_or_default();
            if !methods.takes(*integration) {
                eprintln!(
                    "--integration {} is not among --methods {}: an order naming no method would be refused",
                    integration.as_str(),
                    methods.to_text()
                );
                return Ok(ExitCode::FAILURE);
            }
            let setup = KuperStoreSetup {
                integration: *integration,
                methods,
                restaurant: *restaurant,
                assembly_minutes: *assembly_minutes,
                kuper_store_id: kuper_id.clone(),
                position_ids: *position_ids,
            };
            DbKuperInbox::configure_store(&mut conn, store, &setup)?;
            let taken: Vec<&str> = methods.iter().map(IntegrationType::as_str).collect();
            println!(
                "{store}: takes {} orders ({} when an order names no method){}",
                taken.join(", "),
                integration.as_str(),
                if *restaurant { ", restaurant" } else { "" }
            );
        }
        KuperCommand::Show { order } => {
            let Some(view) = DbKuperInbox::order(&mut conn, order)? else {
                eprintln!("no Kuper order {order}");
                return Ok(ExitCode::FAILURE);
            };
            print_order(&view);
        }
        KuperCommand::Act { order, action, payload } => {
            let payload: serde_json::Value =
                serde_json::from_str(payload).map_err(|e| format!("--payload is not JSON: {e}"))?;
            let request = match kuper_client::payload::staff_request(*action, &payload) {
                Ok(request) => request,
                Err(e) => {
                    eprintln!("--payload: {e}");
                    return Ok(ExitCode::FAILURE);
                }
            };
            match DbKuperInbox::act(&mut conn, order, &request, chrono::Utc::now())? {
                Ok(status) => println!("{order} is {status}; {action} queued for Kuper"),
                Err(e) => {
                    eprintln!("{e}");
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
        KuperCommand::Attention { limit } => {
            let items = DbKuperInbox::attention(&mut conn, *limit)?;
            if items.is_empty() {
                println!("nothing needs attention");
            }
            for item in items {
                println!(
                    "{} {:<12} {:<16} {}",
                    item.at.to_rfc3339(),
                    item.kind,
                    item.original_order_id,
                    item.note
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
