//! `merchantctl`: the operator's command line. Reads the same configuration
//! as the services (`MERCHANT_*`, `merchant.toml`).

mod kuper;
mod onec;
mod orders;
mod outbox;
mod staff;
mod stock;
mod stores;

use std::process::ExitCode;

use app::Config;
use clap::{Parser, Subcommand};
use storage::{CatalogBatch, Database, DbCatalogRepo, DbConn, meta, migrations};

#[derive(Debug, Parser)]
#[command(version, about = "Operate the merchant integration hub")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Delete what is old enough to go: notifications Kuper acknowledged or
    /// staff discarded, checkout idempotency keys, expired access tokens;
    /// and erase the personal data of orders closed longer ago than the
    /// retention time (names, phones, emails, addresses, comments).
    Purge {
        /// Keep everything younger than this.
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3650))]
        older_than_days: u32,
        /// Erase personal data of orders closed this many days ago or more
        /// (default: MERCHANT_RETENTION_PERSONAL_DATA_DAYS).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
        personal_data_days: Option<u32>,
    },
    /// Print a service's OpenAPI document (no database needed).
    Openapi {
        /// mcp-api, kuper-listener or merchant-mcp.
        #[arg(value_parser = ["mcp-api", "kuper-listener", "merchant-mcp"])]
        service: String,
        /// 3.1 (as served) or 3.0 (for generators that do not read 3.1).
        #[arg(long, default_value = "3.1", value_parser = ["3.1", "3.0"])]
        version: String,
    },
    /// Apply pending migrations (or revert them).
    Migrate {
        /// Revert the newest applied migration instead.
        #[arg(long)]
        revert: bool,
        /// With --revert: revert every applied migration.
        #[arg(long, requires = "revert")]
        all: bool,
    },
    /// Database commands.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Import the stores file or a product feed (see README, Catalog feeds).
    Import {
        #[command(subcommand)]
        what: ImportCommand,
    },
    /// Write the deterministic demo grocery catalog (stores, products, offers).
    DemoData {
        /// About how many offers (store × product) to write.
        #[arg(long, default_value_t = 20_000)]
        offers: usize,
        /// Do nothing when the catalog already has products.
        #[arg(long)]
        if_empty: bool,
    },
    /// MCP-client tokens: what an MCP server presents as `credentials.oauth2`.
    Tokens {
        #[command(subcommand)]
        command: TokensCommand,
    },
    /// A store's own delivery or pickup slot grid.
    Stores {
        #[command(subcommand)]
        command: StoresCommand,
    },
    /// Kuper: store integration types and staff actions on Kuper orders.
    Kuper {
        #[command(subcommand)]
        command: kuper::KuperCommand,
    },
    /// 1C's exchange with a site: which store each 1C warehouse is.
    Onec {
        #[command(subcommand)]
        command: onec::OneCCommand,
    },
    /// Staff accounts of the console: create, list, disable, enable, password.
    Staff {
        #[command(subcommand)]
        command: staff::StaffCommand,
    },
    /// Stock: updates from the merchant's systems, our moves, an offer's figures.
    Stock {
        #[command(subcommand)]
        command: stock::StockCommand,
    },
    /// Notifications to Kuper: list them, send a dead one again or give it up.
    Outbox {
        #[command(subcommand)]
        command: outbox::OutboxCommand,
    },
    /// Orders: list, show, and move them through their statuses.
    Orders {
        #[command(subcommand)]
        command: orders::OrdersCommand,
    },
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// Stores (CSV): added or updated by id.
    Stores { file: std::path::PathBuf },
    /// A YML feed (Yandex Market format).
    Yml {
        file: std::path::PathBuf,
        /// The feed is a part of the assortment: keep offers it does not carry.
        #[arg(long)]
        partial: bool,
    },
    /// A CSV offer feed.
    Csv {
        file: std::path::PathBuf,
        /// The feed is a part of the assortment: keep offers it does not carry.
        #[arg(long)]
        partial: bool,
    },
}

#[derive(Debug, Subcommand)]
enum TokensCommand {
    /// Issue a token for an MCP client; it is shown once and stored hashed.
    Create {
        /// A name for the client (letters, digits, '.', '_', '-').
        #[arg(long)]
        client: String,
    },
    /// List client tokens (never their secrets).
    List,
    /// Revoke the active token with this id or client name.
    Revoke { id_or_name: String },
}

#[derive(Debug, Subcommand)]
enum StoresCommand {
    /// Set (or --clear) the store's slot grid for one shipping method.
    Slots(stores::SlotsArgs),
}

#[derive(Debug, Subcommand)]
enum DbCommand {
    /// Connect and report backend, version, migrations and settings; fails
    /// when the database is unreachable or its schema is behind.
    Check,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Openapi { service, version } = &cli.command {
        let service = match service.as_str() {
            "mcp-api" => app::Service::McpApi,
            "merchant-mcp" => app::Service::McpServer,
            _ => app::Service::KuperListener,
        };
        if version == "3.0" {
            print!("{}", app::openapi::json_3_0(service));
        } else {
            print!("{}", app::openapi::json(service));
        }
        return ExitCode::SUCCESS;
    }
    let config = match Config::load() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("merchantctl: invalid configuration: {e}");
            return ExitCode::from(78);
        }
    };
    match run(&cli.command, &config) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("merchantctl: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: &Command, config: &Config) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let db = Database::connect(&config.database.url, &config.database.pool)?;
    match command {
        Command::Tokens { command } => return tokens(command, &db, config),
        Command::Orders { command } => return orders::run(command, &db, config),
        Command::Kuper { command } => return kuper::run(command, &db),
        Command::Onec { command } => return onec::run(command, &db),
        Command::Outbox { command } => return outbox::run(command, &db),
        Command::Stock { command } => return stock::run(command, &db),
        Command::Staff { command } => return staff::run(command, &db),
        Command::Stores { command: StoresCommand::Slots(args) } => return stores::slots(args, &db, config),
        _ => {}
    }
    let mut conn = db.get()?;
    match command {
        Command::Migrate { revert: false, .. } => {
            let applied = migrations::run_pending(&mut conn)?;
            if applied.is_empty() {
                println!("{}: schema is up to date", db.url());
            }
            for version in applied {
                println!("applied {version}");
            }
        }
        Command::Migrate { revert: true, all: false } => match migrations::revert_last(&mut conn)? {
            Some(version) => println!("reverted {version}"),
            None => println!("nothing to revert"),
        },
        Command::Migrate { revert: true, all: true } => {
            for version in migrations::revert_all(&mut conn)? {
                println!("reverted {version}");
            }
        }
        Command::Openapi { .. }
        | Command::Tokens { .. }
        | Command::Orders { .. }
        | Command::Stores { .. }
        | Command::Kuper { .. }
        | Command::Onec { .. }
        | Command::Outbox { .. }
        | Command::Stock { .. }
        | Command::Staff { .. } => {
            unreachable!("handled above")
        }
        Command::Import { what } => return import(&mut conn, what),
        Command::Purge { older_than_days, personal_data_days } => {
            let before = chrono::Utc::now() - chrono::Duration::days(i64::from(*older_than_days));
            let purged = storage::retention::purge(&mut conn, before)?;
            println!(
                "purged before {}: {} notifications, {} idempotency keys, {} access tokens, {} staff sessions, {} sign-in failure windows",
                before.format("%Y-%m-%d %H:%M UTC"),
                purged.notifications,
                purged.idempotency_keys,
                purged.access_tokens,
                purged.staff_sessions,
                purged.failure_windows
            );
            let days = personal_data_days.unwrap_or(config.retention.personal_data_days);
            let now = chrono::Utc::now();
            let closed_before = ::orders::retention::closed_before(now, days);
            let erased = storage::retention::erase_personal_data(&mut conn, closed_before, now)?;
            println!(
                "erased personal data of orders closed before {}: {} MCP orders, {} Kuper orders, {} shoppers",
                closed_before.format("%Y-%m-%d %H:%M UTC"),
                erased.mcp_orders,
                erased.kuper_orders,
                erased.shoppers
            );
        }
        Command::DemoData { offers, if_empty } => {
            if *if_empty && DbCatalogRepo::product_count(&mut conn)? > 0 {
                println!("catalog is not empty; demo data not written");
            } else {
                demo_data(&mut conn, *offers)?;
            }
        }
        Command::Db { command: DbCommand::Check } => {
            let status = migrations::status(&mut conn)?;
            println!("database:   {}", db.url());
            println!("backend:    {}", db.backend());
            println!("server:     {}", meta::server_version(&mut conn)?);
            println!("migrations: {} applied, {} pending", status.applied.len(), status.pending.len());
            for pragma in meta::sqlite_pragmas(&mut conn)? {
                println!("pragma:     {pragma}");
            }
            if status.pending.is_empty() {
                let id = meta::get(&mut conn, meta::INSTALLATION_ID)?;
                println!("installation: {}", id.as_deref().unwrap_or("(not yet started)"));
                println!("ok");
            } else {
                println!("pending:    {}", status.pending.join(", "));
                println!("schema is behind: run `merchantctl migrate`");
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn tokens(
    command: &TokensCommand,
    db: &Database,
    config: &Config,
) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let auth = app::wiring::authenticator(db, config)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        match command {
            TokensCommand::Create { client } => {
                let (id, token) = auth.create_client(client).await?;
                eprintln!("token {id} for client {client:?}; it is shown once, store it now:");
                println!("{}", secrecy::ExposeSecret::expose_secret(&token));
            }
            TokensCommand::List => {
                println!("{:<16}  {:<24}  {:<20}  status", "id", "client", "created (UTC)");
                for c in auth.list_clients().await? {
                    let status = c
                        .revoked_at
                        .map_or_else(|| "active".to_owned(), |t| format!("revoked {}", t.format("%F %T")));
                    println!(
                        "{:<16}  {:<24}  {:<20}  {status}",
                        c.id,
                        c.name,
                        c.created_at.format("%F %T").to_string()
                    );
                }
            }
            TokensCommand::Revoke { id_or_name } => {
                if auth.revoke_client(id_or_name).await? {
                    println!("revoked {id_or_name}");
                } else {
                    eprintln!("no active token with id or client name {id_or_name:?}");
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Writes the demo catalog in transactions of a few thousand offers, with
/// progress on stderr.
fn demo_data(conn: &mut DbConn, offers: usize) -> Result<(), storage::StorageError> {
    let demo = catalog::demo::generate(offers);
    let total = demo.offers.len();
    DbCatalogRepo::write(conn, &CatalogBatch { stores: demo.stores.clone(), ..CatalogBatch::default() })?;
    let per_product = demo.stores.len().max(1);
    let products_per_batch = (10_000 / per_product).max(1);
    let mut written = 0;
    let mut last_shown = 0;
    for (i, products) in demo.products.chunks(products_per_batch).enumerate() {
        let start = i * products_per_batch * per_product;
        let offers = demo.offers[start..(start + products.len() * per_product).min(total)].to_vec();
        written += offers.len();
        DbCatalogRepo::write(
            conn,
            &CatalogBatch { products: products.to_vec(), offers, ..CatalogBatch::default() },
        )?;
        let percent = written * 100 / total.max(1);
        if percent >= last_shown + 10 || written == total {
            eprintln!("demo-data: {percent:>3}% ({written}/{total} offers)");
            last_shown = percent;
        }
    }
    println!("wrote {} stores, {} products, {total} offers", demo.stores.len(), demo.products.len());
    Ok(())
}

/// Rejected rows shown in full; the rest are counted.
const SHOWN_REJECTS: usize = 50;

/// Keeps what an import did for staff (the console's catalog page).
fn record_import(
    conn: &mut DbConn,
    what: &ImportCommand,
    outcome: &str,
    report: serde_json::Value,
) -> Result<(), storage::StorageError> {
    let (kind, file) = match what {
        ImportCommand::Stores { file } => ("stores", file),
        ImportCommand::Yml { file, .. } => ("yml", file),
        ImportCommand::Csv { file, .. } => ("csv", file),
    };
    let record = catalog::reports::ImportRecord {
        at: chrono::Utc::now(),
        source: file.display().to_string(),
        kind: kind.into(),
        outcome: outcome.into(),
        report,
    };
    storage::DbCatalogImports::record(conn, &record)
}

fn import(conn: &mut DbConn, what: &ImportCommand) -> Result<ExitCode, Box<dyn std::error::Error>> {
    use catalog::import::{read_csv, read_stores_csv, read_yml};
    let open =
        |path: &std::path::Path| -> Result<std::io::BufReader<std::fs::File>, Box<dyn std::error::Error>> {
            Ok(std::io::BufReader::new(
                std::fs::File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?,
            ))
        };
    let report = match what {
        ImportCommand::Stores { file } => {
            let (stores, rejected) =
                read_stores_csv(open(file)?).map_err(|e| format!("{}: {e}", file.display()))?;
            let batch = CatalogBatch { stores, ..CatalogBatch::default() };
            let counts = DbCatalogRepo::import(conn, [Ok::<_, std::convert::Infallible>(batch)], false)
                .map_err(|e| e.to_string())?;
            storage::ImportReport { counts, rejected, units: std::collections::BTreeMap::new() }
        }
        ImportCommand::Yml { file, partial } | ImportCommand::Csv { file, partial } => {
            let mut written = 0_usize;
            let mut progress = |n: usize| {
                written += n;
                eprint!("\rimport: {written} offers written");
            };
            let input = open(file)?;
            let result = if matches!(what, ImportCommand::Yml { .. }) {
                DbCatalogRepo::import_feed(conn, read_yml(input), !partial, &mut progress)
            } else {
                DbCatalogRepo::import_feed(conn, read_csv(input), !partial, &mut progress)
            };
            eprintln!();
            match result {
                Ok(report) => report,
                Err(storage::ImportError::Feed(e)) => {
                    eprintln!("import: {}: {e}; nothing was changed", file.display());
                    let error = serde_json::json!({"error": e.to_string()});
                    record_import(conn, what, "refused", error)?;
                    return Ok(ExitCode::FAILURE);
                }
                Err(storage::ImportError::Storage(e)) => return Err(e.into()),
            }
        }
    };
    record_import(conn, what, "applied", report.summary())?;
    let c = report.counts;
    println!("stores:   {} added, {} updated", c.stores_added, c.stores_updated);
    println!("products: {} added, {} updated", c.products_added, c.products_updated);
    println!(
        "offers:   {} added, {} updated, {} removed",
        c.offers_added, c.offers_updated, c.offers_removed
    );
    if !report.units.is_empty() {
        let units: Vec<String> = report.units.iter().map(|(how, n)| format!("{n} by {how}")).collect();
        println!("units:    {}", units.join(", "));
    }
    println!("rejected: {}", report.rejected.len());
    for r in report.rejected.iter().take(SHOWN_REJECTS) {
        println!("  line {}: {}", r.line, r.reason);
    }
    if report.rejected.len() > SHOWN_REJECTS {
        println!("  … and {} more", report.rejected.len() - SHOWN_REJECTS);
    }
    Ok(ExitCode::SUCCESS)
}
