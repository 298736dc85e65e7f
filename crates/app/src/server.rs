//! The process shell of a service: configuration, database, HTTP server,
//! graceful shutdown. Binaries add only their routes.

use std::io::Write;
use std::process::ExitCode;

use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use storage::{Database, StorageError, meta, migrations};
use tokio::signal::unix::{SignalKind, signal};

use crate::config::{Config, ConfigError, DatabaseConfig};
use crate::metrics::{self, Metrics};
use crate::{Service, openapi, ops, telemetry};
use utoipa_actix_web::AppExt;

/// sysexits' EX_CONFIG: the configuration is wrong, restarting will not help.
const EXIT_BAD_CONFIG: u8 = 78;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(
        "the database schema is behind ({0} pending); run `merchantctl migrate` or set MERCHANT_DATABASE_RUN_MIGRATIONS=true"
    )]
    SchemaBehind(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("cannot set up: {0}")]
    Setup(String),
    #[error("HTTP server failed: {0}")]
    Serve(std::io::Error),
}

/// The whole life of a service process: load and check the configuration,
/// start logging, serve until SIGTERM or SIGINT. A bad configuration exits
/// with status 78 and one line on stderr naming the setting.
pub fn run_service<B, R>(service: Service, make_routes: B) -> ExitCode
where
    B: FnOnce(&Database, &Config) -> Result<R, StartError>,
    R: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
{
    run_service_with(service, RunOptions::default(), make_routes)
}

/// How a process runs besides its routes.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Say `listening on …` on stderr: stdout carries a protocol (MCP
    /// over stdio).
    pub announce_on_stderr: bool,
    /// Stop gracefully when notified (the stdio session ended), as on
    /// SIGTERM.
    pub stop: Option<std::sync::Arc<tokio::sync::Notify>>,
    /// Set to `http://HOST:PORT` once bound.
    pub bound: Option<std::sync::Arc<std::sync::OnceLock<String>>>,
}

/// [`run_service`] with [`RunOptions`].
pub fn run_service_with<B, R>(service: Service, options: RunOptions, make_routes: B) -> ExitCode
where
    B: FnOnce(&Database, &Config) -> Result<R, StartError>,
    R: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
{
    let config = match Config::load().and_then(|c| c.check_for(service).map(|()| c)) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{service}: invalid configuration: {e}");
            return ExitCode::from(EXIT_BAD_CONFIG);
        }
    };
    telemetry::init(&config.log);
    match actix_web::rt::System::new().block_on(serve(service, config, options, make_routes)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(StartError::Config(e)) => {
            eprintln!("{service}: invalid configuration: {e}");
            ExitCode::from(EXIT_BAD_CONFIG)
        }
        Err(e) => {
            eprintln!("{service}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Opens the database, binds, prints `listening on http://HOST:PORT` (the
/// real address, so port 0 works from scripts) and serves. Returns after a
/// graceful shutdown (SIGTERM/SIGINT, in-flight requests finish within
/// `http.shutdown_timeout_secs`).
pub async fn serve<B, R>(
    service: Service,
    config: Config,
    options: RunOptions,
    make_routes: B,
) -> Result<(), StartError>
where
    B: FnOnce(&Database, &Config) -> Result<R, StartError>,
    R: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
{
    let db = open_database(config.database.clone()).await?;
    let routes = make_routes(&db, &config)?;
    let metrics = web::Data::new(Metrics::new(service));
    let db_data = web::Data::new(db.clone());
    let body_limit = config.http.max_body_bytes;
    let proxies = web::Data::new(config.http.trusted_proxies.clone());
    let metrics_token = web::Data::new(ops::MetricsToken(config.metrics.token.clone()));

    let spec = web::Data::new(ops::SpecJson(openapi::json(service).into()));
    let mut server = HttpServer::new(move || {
        let (app, _) = App::new().into_utoipa_app().configure(openapi::routes(service)).split_for_parts();
        app.app_data(db_data.clone())
            .app_data(metrics.clone())
            .app_data(spec.clone())
            .app_data(proxies.clone())
            .app_data(metrics_token.clone())
            .app_data(web::PayloadConfig::new(body_limit))
            .wrap(from_fn(metrics::track))
            .configure(routes.clone())
    })
    .shutdown_timeout(config.http.shutdown_timeout.as_secs())
    // Streamed answers (an MCP event stream, the console's live queue) go
    // out in small writes: without this each waits on the peer's delayed
    // ACK (~40 ms).
    .tcp_nodelay(true);
    if let Some(workers) = config.http.workers {
        server = server.workers(workers);
    }
    let addr = config.listen_addr(service);
    let server = server
        .bind((addr.host.as_str(), addr.port))
        .map_err(|source| StartError::Bind { addr: addr.to_string(), source })?;
    let bound = server.addrs().first().copied().ok_or_else(|| StartError::Bind {
        addr: addr.to_string(),
        source: std::io::Error::other("no address bound"),
    })?;

    // Handlers are installed before the address is announced, so a SIGTERM
    // sent the moment a script sees it still stops the server gracefully
    // (actix's own handlers are registered later, when the server is polled).
    let mut sigterm = signal(SignalKind::terminate()).map_err(StartError::Serve)?;
    let mut sigint = signal(SignalKind::interrupt()).map_err(StartError::Serve)?;
    let server = server.disable_signals().run();
    let handle = server.handle();
    actix_web::rt::spawn(async move {
        let stop = options.stop.clone();
        let stopped = async move {
            match stop {
                Some(stop) => stop.notified().await,
                None => std::future::pending().await,
            }
        };
        let name = tokio::select! {
            _ = sigterm.recv() => "SIGTERM",
            _ = sigint.recv() => "SIGINT",
            () = stopped => "the end of the stdio session",
        };
        tracing::info!(signal = name, "shutting down gracefully");
        handle.stop(true).await;
    });

    if let Some(url) = &options.bound {
        let _ = url.set(format!("http://{bound}"));
    }
    if options.announce_on_stderr {
        eprintln!("listening on http://{bound}");
    } else {
        println!("listening on http://{bound}");
        // A pipe is block-buffered: flush so a parent reading stdout sees it now.
        let _ = std::io::stdout().flush();
    }
    tracing::info!(%service, addr = %bound, database = %db.url(), "listening");

    server.await.map_err(StartError::Serve)?;
    tracing::info!(%service, "stopped");
    Ok(())
}

/// Connects and brings the schema up to date (or refuses an outdated one),
/// on the blocking pool.
async fn open_database(config: DatabaseConfig) -> Result<Database, StartError> {
    tokio::task::spawn_blocking(move || {
        let db = Database::connect(&config.url, &config.pool)?;
        let mut conn = db.get()?;
        if config.run_migrations {
            let applied = migrations::run_pending(&mut conn)?;
            if !applied.is_empty() {
                tracing::info!(?applied, "applied migrations");
            }
        } else {
            let pending = migrations::status(&mut conn)?.pending;
            if !pending.is_empty() {
                return Err(StartError::SchemaBehind(pending.join(", ")));
            }
        }
        let installation =
            meta::get_or_insert(&mut conn, meta::INSTALLATION_ID, &uuid::Uuid::new_v4().to_string())?;
        tracing::info!(backend = %db.backend(), %installation, "database ready");
        Ok(db)
    })
    .await
    .map_err(|e| StartError::Storage(StorageError::Task(e.to_string())))?
}
