//! `kuper-sim`: a fake Kuper for tests, demos and local development.
//!
//! - `serve`: Kuper's `/auth/token` (tokens that expire quickly) and
//!   `/ofm/api/v1/notifications` (checked against each integration type's
//!   flow: 405/422 where Kuper would refuse, 202 for a resend), faults on
//!   demand (`POST /sim/faults`), and webhooks to the listener on demand
//!   (`POST /sim/orders`, `POST /sim/orders/{id}/events`); Kuper's courier
//!   finishes Kuper-delivery orders by itself.
//! - `send`: one webhook through a running simulator.
//! - `scenario`: an order of each integration type all the way round.

mod rules;
mod scenario;
mod server;
mod sim;
mod webhooks;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

use clap::{Parser, Subcommand};
use serde_json::{Value, json};

use crate::rules::Integration;

#[derive(Debug, Parser)]
#[command(name = "kuper-sim", about = "A fake Kuper: tokens, notifications, webhooks, faults.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve Kuper's API and the simulator's controls.
    Serve {
        #[arg(long, env = "KUPER_SIM_ADDR", default_value = "127.0.0.1:8082")]
        addr: String,
        #[arg(long, env = "KUPER_SIM_CLIENT_ID", default_value = "merchant")]
        client_id: String,
        #[arg(long, env = "KUPER_SIM_CLIENT_SECRET", default_value = "kuper-secret")]
        client_secret: String,
        /// Lifetime of an issued token.
        #[arg(long, env = "KUPER_SIM_TOKEN_TTL_SECS", default_value_t = 60)]
        token_ttl_secs: u64,
        /// Requests a second, as Kuper's limit; 0: none.
        #[arg(long, env = "KUPER_SIM_RATE_LIMIT", default_value_t = 10)]
        rate_limit: u32,
        /// How long a `slow` fault holds each answer.
        #[arg(long, default_value_t = 10_000)]
        slow_ms: u64,
        /// The listener's base URL (also settable with `PUT /sim/listener`).
        #[arg(long, env = "KUPER_SIM_LISTENER", default_value = "")]
        listener: String,
        /// The token Kuper presents to the listener.
        #[arg(long, env = "KUPER_SIM_LISTENER_TOKEN", default_value = "")]
        listener_token: String,
        /// Pause between the courier's steps; 0: no courier.
        #[arg(long, default_value_t = 300)]
        courier_ms: u64,
        /// How notifications authenticate: token (Bearer from /auth/token)
        /// or basic (the client id and secret).
        #[arg(long, env = "KUPER_SIM_AUTH", value_enum, default_value = "token")]
        auth: sim::SimAuth,
        /// Say `Retry-After` on a 429 as an HTTP date, not in seconds.
        #[arg(long)]
        retry_after_date: bool,
    },
    /// Send one webhook through a running simulator.
    Send {
        /// `order.created`, `order.paid`, `order.canceled`, `courier.assigned`, …
        event_type: String,
        #[arg(long, default_value = "http://127.0.0.1:8082")]
        sim: String,
        /// Kuper's order id (for order.created: optional, the simulator picks one).
        #[arg(long)]
        order: Option<String>,
        /// order.created: the store as Kuper names it.
        #[arg(long, default_value = "STORE-001")]
        store: String,
        /// order.created: kuper_delivery, pickup or merchant_delivery.
        #[arg(long, default_value = "kuper_delivery", value_parser = parse_integration)]
        integration: Integration,
        /// order.created: SKU:QUANTITY, repeatable.
        #[arg(long = "sku", default_value = "SKU-000001:2")]
        skus: Vec<String>,
        /// Other events: fields to add to the payload, as a JSON object.
        #[arg(long, default_value = "{}")]
        payload: String,
    },
    /// An order of each integration type all the way round, checked.
    Scenario {
        #[arg(long, default_value = "http://127.0.0.1:8082")]
        sim: String,
        /// The listener (operator API).
        #[arg(long, default_value = "http://127.0.0.1:8081")]
        operator: String,
        #[arg(long, env = "KUPER_SIM_OPERATOR_TOKEN")]
        operator_token: String,
        /// INTEGRATION=STORE, repeatable; each makes one order.
        #[arg(long = "store", required = true, value_parser = parse_store)]
        stores: Vec<(Integration, String)>,
        #[arg(long, default_value = "SKU-000001")]
        sku: String,
        /// A grocery order instead: SKU sold by weight (ordered 700 g,
        /// picked 734 g), SKU ordered and replaced, and its replacement;
        /// `--sku` is ordered 3 and picked 2.
        #[arg(long, num_args = 3, value_names = ["WEIGHED", "REPLACED", "REPLACEMENT"])]
        grocery: Option<Vec<String>>,
        #[arg(long, default_value_t = 60)]
        timeout_secs: u64,
    },
}

fn parse_integration(text: &str) -> Result<Integration, String> {
    Integration::parse(text).ok_or_else(|| "expected kuper_delivery, pickup or merchant_delivery".to_owned())
}

fn parse_store(text: &str) -> Result<(Integration, String), String> {
    let (integration, store) = text.split_once('=').ok_or("expected INTEGRATION=STORE")?;
    Ok((parse_integration(integration)?, store.to_owned()))
}

fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .compact()
        .init();
    let cli = Cli::parse();
    let runtime = actix_web::rt::System::new();
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Serve {
                addr,
                client_id,
                client_secret,
                token_ttl_secs,
                rate_limit,
                slow_ms,
                listener,
                listener_token,
                courier_ms,
                auth,
                retry_after_date,
            } => {
                let settings = sim::Settings {
                    client_id,
                    client_secret,
                    token_ttl: Duration::from_secs(token_ttl_secs),
                    rate_limit,
                    slow: Duration::from_millis(slow_ms),
                    auth,
                    retry_after_date,
                };
                let courier = (courier_ms > 0).then(|| Duration::from_millis(courier_ms));
                serve(&addr, settings, webhooks::Listener { url: listener, token: listener_token }, courier)
                    .await
            }
            Command::Send { event_type, sim, order, store, integration, skus, payload } => {
                send(&sim, &event_type, order, &store, integration, &skus, &payload).await
            }
            Command::Scenario { sim, operator, operator_token, stores, sku, grocery, timeout_secs } => {
                let grocery = grocery.map(|skus| scenario::Grocery {
                    weighed: skus[0].clone(),
                    replaced: skus[1].clone(),
                    replacement: skus[2].clone(),
                });
                let scenario = scenario::Scenario {
                    sim,
                    operator,
                    operator_token,
                    stores,
                    sku,
                    grocery,
                    timeout: Duration::from_secs(timeout_secs),
                };
                scenario::run(&scenario).await.map(|orders| println!("all round: {}", orders.join(", ")))
            }
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kuper-sim: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(
    addr: &str,
    settings: sim::Settings,
    listener: webhooks::Listener,
    courier: Option<Duration>,
) -> Result<(), String> {
    let http =
        reqwest::Client::builder().timeout(Duration::from_secs(10)).build().map_err(|e| e.to_string())?;
    let shared = actix_web::web::Data::new(server::Shared {
        sim: Mutex::new(sim::Sim::new(settings)),
        listener: Mutex::new(listener),
        http,
        courier,
    });
    let server = actix_web::HttpServer::new(move || {
        actix_web::App::new().app_data(shared.clone()).configure(server::routes)
    })
    .workers(2)
    .bind(addr)
    .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    for bound in server.addrs() {
        // The one line scripts and tests read.
        println!("listening on http://{bound}");
    }
    server.run().await.map_err(|e| e.to_string())
}

async fn send(
    sim: &str,
    event_type: &str,
    order: Option<String>,
    store: &str,
    integration: Integration,
    skus: &[String],
    payload: &str,
) -> Result<(), String> {
    let sim = sim.trim_end_matches('/');
    let http = reqwest::Client::new();
    let request = if event_type == "order.created" {
        let positions = skus
            .iter()
            .map(|s| {
                let (id, quantity) = s.split_once(':').unwrap_or((s, "1"));
                let quantity: u32 =
                    quantity.parse().map_err(|_| format!("--sku {s}: quantity is not a whole number"))?;
                Ok(json!({"id": id, "quantity": quantity}))
            })
            .collect::<Result<Vec<Value>, String>>()?;
        let body = json!({"integration": integration, "store": store, "positions": positions, "originalOrderId": order});
        http.post(format!("{sim}/sim/orders")).json(&body)
    } else {
        let order = order.ok_or("--order is required for this event")?;
        let payload: Value = serde_json::from_str(payload).map_err(|e| format!("--payload: {e}"))?;
        http.post(format!("{sim}/sim/orders/{order}/events"))
            .json(&json!({"event_type": event_type, "payload": payload}))
    };
    let response = request.send().await.map_err(|e| format!("{sim}: {e}"))?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    println!("{body}");
    if status.is_success() { Ok(()) } else { Err(format!("{status}")) }
}
