//! `merchantctl orders`: staff see orders and move MCP orders through the
//! state machine.

use std::process::ExitCode;

use app::Config;
use clap::Subcommand;
use domain::OrderId;
use orders::book::BookFilter;
use orders::{Action, Order, OrderStatus, Shipping};
use storage::{Database, DbOrderBook, DbOrderRepo};

#[derive(Debug, Subcommand)]
pub enum OrdersCommand {
    /// Newest orders of both channels first.
    List {
        /// Only orders in this status: an MCP one (new, paid, processing,
        /// delivering, ready_for_pickup, completed, cancelled) or a Kuper one
        /// (created, accepted, in_work, assembled, pickup_code_sent, ready,
        /// received, delivering, delivered, canceled).
        #[arg(long, value_parser = parse_status)]
        status: Option<String>,
        /// Only orders of this channel: mcp or kuper.
        #[arg(long, value_parser = ["mcp", "kuper"])]
        channel: Option<String>,
        /// Only orders of this store.
        #[arg(long)]
        store: Option<String>,
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..=10_000))]
        limit: i64,
    },
    /// One order: lines, totals, slot, history.
    Show { id: String },
    /// Move an order: process, deliver, ready_for_pickup, complete, cancel
    /// (pay comes from the payment, expire from the clock).
    Advance { id: String, action: Action },
}

fn parse_status(text: &str) -> Result<String, String> {
    let known =
        text.parse::<OrderStatus>().is_ok() || orders::kuper::flow::KuperStatus::parse(text).is_some();
    if known { Ok(text.to_owned()) } else { Err(format!("unknown order status {text:?}")) }
}

fn order_id(raw: &str) -> Result<OrderId, String> {
    OrderId::new(raw).map_err(|e| format!("order id {raw:?}: {e}"))
}

pub fn run(
    command: &OrdersCommand,
    db: &Database,
    config: &Config,
) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let ordering = app::wiring::ordering(db, config);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        match command {
            OrdersCommand::List { status, channel, store, limit } => {
                let filter = BookFilter {
                    channel: channel.clone(),
                    store: store.clone(),
                    status: status.clone(),
                    within: None,
                    due_by: None,
                };
                println!(
                    "{:<36}  {:<7}  {:<16}  {:<10}  {:<18}  {:<20}  created (UTC)",
                    "id", "channel", "status", "store", "fulfilment", "channel's id"
                );
                for entry in DbOrderBook::list(&mut *db.get()?, &filter, *limit)? {
                    println!(
                        "{:<36}  {:<7}  {:<16}  {:<10}  {:<18}  {:<20}  {}",
                        entry.id,
                        entry.channel,
                        entry.status,
                        entry.store,
                        entry.fulfilment,
                        entry.external_id.as_deref().unwrap_or("-"),
                        entry.created_at.format("%F %T")
                    );
                }
            }
            OrdersCommand::Show { id } => {
                let id = order_id(id)?;
                let order = match ordering.order_for(None, &id).await {
                    Ok(order) => order,
                    Err(orders::OrderError::NotFound) => {
                        eprintln!("no order {id}");
                        return Ok(ExitCode::FAILURE);
                    }
                    Err(e) => return Err(e.into()),
                };
                show(&order, &DbOrderRepo::events(&mut *db.get()?, &id)?);
            }
            OrdersCommand::Advance { id, action } => {
                if matches!(action, Action::Pay | Action::Expire) {
                    eprintln!("{action} is not a staff action: payment and expiry move orders themselves");
                    return Ok(ExitCode::FAILURE);
                }
                match ordering.advance(&order_id(id)?, *action).await {
                    Ok(order) => println!("{} is {}", order.id, order.status),
                    Err(e @ (orders::OrderError::Illegal(_) | orders::OrderError::NotFound)) => {
                        eprintln!("{e}");
                        return Ok(ExitCode::FAILURE);
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn show(o: &Order, events: &[orders::OrderEvent]) {
    println!("order:    {}", o.id);
    println!("status:   {} (updated {})", o.status, o.updated_at.format("%F %T UTC"));
    println!("user:     {}", o.user);
    println!("store:    {}", o.store);
    match &o.shipping {
        Shipping::Delivery { point, address } => {
            println!("delivery: {point} {}", address.as_deref().unwrap_or(""));
        }
        Shipping::Pickup => println!("pickup at the store"),
    }
    println!("slot:     {} .. {} UTC", o.slot.starts_at.format("%F %R"), o.slot.ends_at.format("%R"));
    for line in &o.lines {
        println!(
            "  {:<14} {:<40} {:>8} {:<3} × {:>10} = {:>10}",
            line.sku,
            line.name,
            line.quantity,
            line.unit,
            line.unit_price.to_string(),
            line.total.to_string()
        );
    }
    println!("items:    {}", o.items_total);
    println!("delivery: {}", o.delivery_price);
    println!("total:    {}", o.total);
    if let Some(expires) = o.expires_at {
        println!("unpaid; expires {}", expires.format("%F %T UTC"));
    }
    println!("history:");
    for e in events {
        println!(
            "  {}  {:<16} {} -> {}",
            e.at.format("%F %T"),
            e.action,
            e.from.as_deref().unwrap_or("-"),
            e.to
        );
    }
}
