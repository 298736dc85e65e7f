use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(about = "Chores for the merchant integration hub", disable_version_flag = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build and run mcp-api and kuper-listener on embedded SQLite under var/,
    /// in the foreground; Ctrl-C stops both.
    Up {
        /// Instances of mcp-api and of kuper-listener, behind HAProxy on
        /// their usual addresses when more than one (PostgreSQL only).
        #[arg(long, default_value_t = 1)]
        instances: usize,
        /// The database (else MERCHANT_DATABASE_URL, else SQLite under var/).
        #[arg(long)]
        database: Option<String>,
    },
    /// Fail when a domain crate depends (even transitively) on actix, diesel,
    /// reqwest or an adapter crate.
    CheckDeps,
    /// Benchmarks; results go to bench/RESULTS.md.
    Bench {
        #[command(subcommand)]
        what: BenchCommand,
    },
    /// Two of each service on a PostgreSQL of its own behind HAProxy, with
    /// an instance killed and the database restarted under load; checks
    /// nothing was lost and every refusal was honest (bench/RESULTS.md).
    Chaos {
        /// Seconds of load (faults at 20% and 50% of it).
        #[arg(long, default_value_t = 40)]
        seconds: u64,
        /// Concurrent checkout clients.
        #[arg(long, default_value_t = 2)]
        clients: usize,
        /// Use dev-profile binaries (what the tests built) instead of a
        /// release build.
        #[arg(long)]
        debug: bool,
    },
    /// Write openapi/{mcp-api,kuper-listener,merchant-mcp}.json (and their 3.0 renderings) from the code.
    Openapi,
    /// Run the whole test suite (cargo nextest when installed, else cargo test).
    Test {
        /// Extra arguments for the test runner.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Our /search over HTTP against PostgreSQL full-text search, same data.
    Search {
        /// Offers in the demo catalog.
        #[arg(long, default_value_t = 1_000_000)]
        offers: usize,
        /// Seconds of load per side.
        #[arg(long, default_value_t = 15)]
        seconds: u64,
        /// Concurrent client connections per side.
        #[arg(long, default_value_t = 2)]
        clients: usize,
        /// PostgreSQL to load the data into (a schema `bench_search` is
        /// recreated there).
        #[arg(long, env = "BENCH_DATABASE_URL", default_value = "postgres://postgres@127.0.0.1:5432/test")]
        database_url: String,
    },
    /// Durable webhooks per second on SQLite and PostgreSQL, beside a no-op.
    Webhooks {
        /// Seconds of load per side.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Concurrent client connections.
        #[arg(long, default_value_t = 4)]
        clients: usize,
        /// PostgreSQL to use (a schema `bench_webhooks` is recreated there).
        #[arg(long, env = "BENCH_DATABASE_URL", default_value = "postgres://postgres@127.0.0.1:5432/test")]
        database_url: String,
    },
    /// Notifications per second the dispatcher delivers to kuper-sim, rate limit off.
    Outbox {
        /// Notifications to queue and drain per backend.
        #[arg(long, default_value_t = 20_000)]
        notifications: usize,
        /// Concurrent clients filling the outbox.
        #[arg(long, default_value_t = 4)]
        clients: usize,
        /// PostgreSQL to use (a schema `bench_outbox` is recreated there).
        #[arg(long, env = "BENCH_DATABASE_URL", default_value = "postgres://postgres@127.0.0.1:5432/test")]
        database_url: String,
    },
    /// One batch of 100,000 stock and price updates on PostgreSQL, and how
    /// soon a change shows in /search.
    Stock {
        /// Offers in the demo catalog (the batch changes up to 100,000).
        #[arg(long, default_value_t = 100_000)]
        offers: usize,
        /// Single changes timed until /search shows them.
        #[arg(long, default_value_t = 200)]
        samples: usize,
        /// PostgreSQL to use (a schema `bench_stock` is recreated there).
        #[arg(long, env = "BENCH_DATABASE_URL", default_value = "postgres://postgres@127.0.0.1:5432/test")]
        database_url: String,
    },
    /// 1C's exchange with a site: an offers.xml of 100,000 offers applied
    /// on PostgreSQL, timed, with the service's memory.
    #[command(name = "1c")]
    OneC {
        /// Offers in the demo catalog (and so in the offers.xml).
        #[arg(long, default_value_t = 100_000)]
        offers: usize,
        /// PostgreSQL to use (a schema `bench_onec` is recreated there).
        #[arg(long, env = "BENCH_DATABASE_URL", default_value = "postgres://postgres@127.0.0.1:5432/test")]
        database_url: String,
    },
    /// How long the staff console renders its queue and pages over a busy book.
    Console {
        /// Kuper orders in the book.
        #[arg(long, default_value_t = 10_000)]
        orders: usize,
        /// Requests per page.
        #[arg(long, default_value_t = 100)]
        samples: usize,
        /// Concurrent clients filling the book.
        #[arg(long, default_value_t = 4)]
        clients: usize,
        /// PostgreSQL to use (a schema `bench_console` is recreated there).
        #[arg(long, env = "BENCH_DATABASE_URL", default_value = "postgres://postgres@127.0.0.1:5432/test")]
        database_url: String,
    },
    /// `search_products` over merchant-mcp's Streamable HTTP beside `/search`.
    McpServer {
        /// Offers in the demo catalog.
        #[arg(long, default_value_t = 20_000)]
        offers: usize,
        /// Seconds of load per side.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Concurrent client connections per side.
        #[arg(long, default_value_t = 2)]
        clients: usize,
    },
    /// Checkouts per second and their latency on SQLite and PostgreSQL.
    Checkout {
        /// Offers in the demo catalog.
        #[arg(long, default_value_t = 20_000)]
        offers: usize,
        /// Seconds of load per backend.
        #[arg(long, default_value_t = 15)]
        seconds: u64,
        /// Concurrent client connections.
        #[arg(long, default_value_t = 4)]
        clients: usize,
        /// PostgreSQL to load the data into (a schema `bench_checkout` is
        /// recreated there).
        #[arg(long, env = "BENCH_DATABASE_URL", default_value = "postgres://postgres@127.0.0.1:5432/test")]
        database_url: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = xtask::workspace_root();
    let result = match cli.command {
        Command::Up { instances, database } => {
            xtask::up::run(&root, &xtask::up::Options { instances, database })
        }
        Command::CheckDeps => xtask::deps::run(&root),
        Command::Openapi => xtask::openapi::run(&root),
        Command::Test { args } => xtask::test::run(&root, &args),
        Command::Chaos { seconds, clients, debug } => {
            xtask::bench::chaos::run(&root, &xtask::bench::chaos::Settings { seconds, clients, debug })
        }
        Command::Bench { what: BenchCommand::Search { offers, seconds, clients, database_url } } => {
            xtask::bench::search::run(
                &root,
                &xtask::bench::search::Settings { offers, seconds, clients, database_url },
            )
        }
        Command::Bench { what: BenchCommand::Webhooks { seconds, clients, database_url } } => {
            xtask::bench::webhooks::run(
                &root,
                &xtask::bench::webhooks::Settings { seconds, clients, database_url },
            )
        }
        Command::Bench { what: BenchCommand::Outbox { notifications, clients, database_url } } => {
            let settings = xtask::bench::outbox::Settings { notifications, clients, database_url };
            xtask::bench::outbox::run(&root, &settings)
        }
        Command::Bench { what: BenchCommand::OneC { offers, database_url } } => {
            xtask::bench::onec::run(&root, &xtask::bench::onec::Settings { offers, database_url })
        }
        Command::Bench { what: BenchCommand::Stock { offers, samples, database_url } } => {
            xtask::bench::stock::run(&root, &xtask::bench::stock::Settings { offers, samples, database_url })
        }
        Command::Bench { what: BenchCommand::Console { orders, samples, clients, database_url } } => {
            let settings = xtask::bench::console::Settings { orders, samples, clients, database_url };
            xtask::bench::console::run(&root, &settings)
        }
        Command::Bench { what: BenchCommand::McpServer { offers, seconds, clients } } => {
            xtask::bench::mcp_server::run(
                &root,
                &xtask::bench::mcp_server::Settings { offers, seconds, clients },
            )
        }
        Command::Bench { what: BenchCommand::Checkout { offers, seconds, clients, database_url } } => {
            let settings = xtask::bench::checkout::Settings { offers, seconds, clients, database_url };
            xtask::bench::checkout::run(&root, &settings)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
