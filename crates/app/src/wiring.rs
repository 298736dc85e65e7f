//! What each service serves, built from the configuration: the adapters
//! chosen, the use cases assembled, the routes registered.

use std::sync::Arc;

use actix_web::web;
use catalog::{OfferBook, ReachPolicy};
use domain::SystemClock;
use identity::{Authenticator, AuthenticatorSettings, IdentityProvider, JwtVerifier, SandboxProvider};
use identity_providers::{IntrospectionProvider, SberIdProvider, SetupError};
use orders::Ordering;
use search::{ProjectedCatalog, TantivyIndex};
use storage::{Database, DbCatalogRepo, DbIdentityStore, DbKuperInbox, DbOrderRepo};

use crate::config::{Config, ConfigError, JwtKeyConfig, ProviderMode, WebhookScheme};
use crate::server::StartError;

fn setup_error(e: SetupError) -> StartError {
    StartError::Config(ConfigError { setting: e.setting.to_owned(), problem: e.problem })
}

fn config_error(setting: &str, problem: impl std::fmt::Display) -> StartError {
    StartError::Config(ConfigError { setting: setting.to_owned(), problem: problem.to_string() })
}

/// The authenticator over the database, as every MCP route and
/// `merchantctl tokens` use it.
pub fn authenticator(db: &Database, config: &Config) -> Result<Authenticator, StartError> {
    let auth = &config.mcp_auth;
    let jwt = match &auth.jwt {
        None => None,
        Some((JwtKeyConfig::Pem(path), settings)) => {
            let setting = "MERCHANT_MCP_AUTH_JWT_PUBLIC_KEY_FILE";
            let pem = std::fs::read(path)
                .map_err(|e| config_error(setting, format!("cannot read {}: {e}", path.display())))?;
            Some(JwtVerifier::from_pem(&pem, settings.clone()).map_err(|e| config_error(setting, e))?)
        }
        Some((JwtKeyConfig::Jwks(path), settings)) => {
            let setting = "MERCHANT_MCP_AUTH_JWT_JWKS_FILE";
            let json = std::fs::read_to_string(path)
                .map_err(|e| config_error(setting, format!("cannot read {}: {e}", path.display())))?;
            Some(JwtVerifier::from_jwks(&json, settings.clone()).map_err(|e| config_error(setting, e))?)
        }
        Some((JwtKeyConfig::HmacSecret(path), settings)) => {
            let setting = "MERCHANT_MCP_AUTH_JWT_HMAC_SECRET_FILE";
            let secret = std::fs::read(path)
                .map_err(|e| config_error(setting, format!("cannot read {}: {e}", path.display())))?;
            Some(
                JwtVerifier::from_hmac_secret(&secret, settings.clone())
                    .map_err(|e| config_error(setting, e))?,
            )
        }
    };
    Ok(Authenticator::new(
        Arc::new(DbIdentityStore::new(db.clone())),
        Arc::new(SystemClock),
        jwt,
        AuthenticatorSettings {
            access_token_ttl: auth.access_token_ttl,
            max_failures: auth.max_failures,
            failure_window: auth.failure_window,
        },
    ))
}

fn provider(
    name: &str,
    mode: ProviderMode,
    live: impl FnOnce() -> Result<Arc<dyn IdentityProvider>, SetupError>,
) -> Result<Option<Arc<dyn IdentityProvider>>, StartError> {
    Ok(match mode {
        ProviderMode::Disabled => None,
        ProviderMode::Sandbox => {
            tracing::warn!(
                provider = name,
                "sandbox identity provider: test tokens log anyone in; never in production"
            );
            Some(Arc::new(SandboxProvider))
        }
        ProviderMode::Live => Some(live().map_err(setup_error)?),
    })
}

/// The routes of `mcp-api`.
pub fn mcp_api(
    db: &Database,
    config: &Config,
) -> Result<impl Fn(&mut web::ServiceConfig) + Clone + Send + use<>, StartError> {
    let state = mcp_state(db, config, None)?;
    crate::retention::spawn_daily(db.clone(), config.retention.personal_data_days);
    let mcp = mcp_api_http::state(state);
    if config.onec.credentials.is_some() {
        crate::retention::spawn_onec_sweep(db.clone(), config.onec.session_idle);
    }
    let onec = config.onec.credentials.clone().map(|(user, password)| {
        merchant_http::configure(merchant_http::ExchangeState {
            exchange: Arc::new(
                storage::DbOneCExchange::new(db.clone()).with_max_unpacked(config.onec.max_file_bytes),
            ),
            sale: Arc::new(storage::DbOneCSale::new(db.clone())),
            user,
            password,
            price_type: config.onec.price_type.clone(),
            file_limit: config.onec.file_limit,
            max_file_bytes: config.onec.max_file_bytes,
            session_idle: config.onec.session_idle,
            clock: Arc::new(SystemClock),
        })
    });
    Ok(move |cfg: &mut web::ServiceConfig| {
        mcp(cfg);
        if let Some(onec) = &onec {
            onec(cfg);
        }
    })
}

/// Everything `mcp-api` serves with, and `merchant-mcp` reuses: the
/// identity providers, the search projections, the order and payment use
/// cases with their background tasks. `sandbox_pages`: where the sandbox
/// bank's payment links point (`None`: as configured).
fn mcp_state(
    db: &Database,
    config: &Config,
    sandbox_pages: Option<&str>,
) -> Result<mcp_api_http::McpState, StartError> {
    let sberid = provider("sberid", config.sberid.mode, || {
        let settings = config.sberid.live.as_ref().expect("live mode has settings");
        Ok(Arc::new(SberIdProvider::new(settings)?))
    })?;
    let merchant_token = provider("token_introspection", config.token_introspection.mode, || {
        let settings = config.token_introspection.live.clone().expect("live mode has settings");
        Ok(Arc::new(IntrospectionProvider::new(settings)?))
    })?;
    Ok(mcp_api_http::McpState {
        authenticator: Arc::new(authenticator(db, config)?),
        sberid,
        merchant_token,
        max_body_bytes: config.http.max_body_bytes,
        catalog_requires_client: config.mcp_auth.catalog_requires_client,
        catalog: catalog_state(db, config)?,
        orders: Some(orders_state(db, config)),
        payments: Some(payments_state(db, config, sandbox_pages)?),
        stock: config.stock_api_token.clone().map(|token| mcp_api_http::StockApiState {
            ledger: Arc::new(storage::DbStockLedger::new(db.clone())),
            token,
            clock: Arc::new(SystemClock),
        }),
    })
}

/// How `merchant-mcp` runs: its public address once bound (the sandbox's
/// payment links point at it), and, for a local agent, an MCP session on
/// stdin/stdout whose end stops the process.
#[derive(Clone, Debug, Default)]
pub struct McpServerRun {
    pub public_url: Arc<std::sync::OnceLock<String>>,
    pub stdio: Option<Arc<tokio::sync::Notify>>,
}

/// The routes of `merchant-mcp`: the MCP endpoint, the sandbox's payment
/// page; with `run.stdio`, the stdio session beside them.
pub fn merchant_mcp(
    db: &Database,
    config: &Config,
    run: &McpServerRun,
) -> Result<impl Fn(&mut web::ServiceConfig) + Clone + Send + use<>, StartError> {
    // Payment links relative to this server, completed with the host the
    // agent reached it at (or its own address, over stdio).
    let mcp = mcp_state(db, config, Some(""))?;
    let orders = mcp.orders.as_ref().expect("mcp_state sets up orders");
    let state = Arc::new(mcp_server::McpServerState {
        catalog: Arc::clone(&mcp.catalog.repo),
        index: Arc::clone(&mcp.catalog.index),
        reach: mcp.catalog.reach,
        ordering: Arc::clone(&orders.ordering),
        payments: mcp.payments.as_ref().map(|p| Arc::clone(&p.payments)),
        authenticator: Arc::clone(&mcp.authenticator),
        sberid: mcp.sberid.clone(),
        merchant_token: mcp.merchant_token.clone(),
        public_url: Arc::clone(&run.public_url),
        merchant_name: mcp.catalog.merchant_name.clone(),
    });
    if let Some(done) = run.stdio.clone() {
        let session = mcp_server::MerchantMcp::new(Arc::clone(&state));
        actix_web::rt::spawn(async move {
            use rmcp::ServiceExt as _;
            match session.serve(rmcp::transport::stdio()).await {
                Ok(running) => {
                    tracing::info!("merchant-mcp: stdio session started");
                    if let Err(e) = running.waiting().await {
                        tracing::warn!(error = %e, "merchant-mcp: stdio session ended with an error");
                    }
                }
                Err(e) => tracing::error!(error = %e, "merchant-mcp: stdio session did not start"),
            }
            tracing::info!("merchant-mcp: stdin closed; stopping");
            done.notify_one();
        });
    }
    let exposure = mcp_server::http::Exposure {
        allowed_hosts: config.mcp_server.allowed_hosts.clone(),
        allowed_origins: config.mcp_server.allowed_origins.clone(),
        max_body_bytes: config.http.max_body_bytes,
        max_sessions_per_client: config.mcp_server.max_sessions_per_client,
        session_idle: config.mcp_server.session_idle,
    };
    let endpoint = mcp_server::http::configure(state, &exposure);
    let pay_page = mcp_api_http::state(mcp);
    Ok(move |cfg: &mut web::ServiceConfig| {
        pay_page(cfg);
        endpoint(cfg);
    })
}

/// The payment use cases over the configured gateway, and the task that
/// sends the refunds owed.
fn payments_state(
    db: &Database,
    config: &Config,
    sandbox_pages: Option<&str>,
) -> Result<mcp_api_http::PaymentsState, StartError> {
    use crate::config::GatewayConfig;
    let mut sandbox = None;
    let gateway: Arc<dyn payments::PaymentGateway> = match &config.payments.gateway {
        GatewayConfig::Sandbox { three_ds } => {
            tracing::warn!(
                "sandbox payment gateway: anyone can pay any order from its page; never in production \
                 (MERCHANT_PAYMENTS_GATEWAY)"
            );
            let pages = sandbox_pages.or(config.payments.public_url.as_deref()).unwrap_or_default();
            // Kept in the database: any instance (mcp-api or merchant-mcp)
            // serves any payment's page.
            let vault = Arc::new(storage::DbSandboxVault::new(db.clone()));
            let bank = Arc::new(payment_gateways::sandbox::SandboxBank::with_vault(pages, *three_ds, vault));
            sandbox = Some(Arc::clone(&bank));
            bank
        }
        GatewayConfig::YooKassa { base_url, shop_id, secret_key, two_stage } => Arc::new(
            payment_gateways::yookassa::YooKassa::new(payment_gateways::yookassa::YooKassaSettings {
                base_url: base_url.clone(),
                shop_id: shop_id.clone(),
                secret_key: secret_key.clone(),
                two_stage: *two_stage,
                timeout: config.payments.timeout,
            })
            .map_err(StartError::Setup)?,
        ),
        GatewayConfig::Sber { base_url, user_name, password, two_stage, tax_system } => Arc::new(
            payment_gateways::sber::Sber::new(payment_gateways::sber::SberSettings {
                base_url: base_url.clone(),
                user_name: user_name.clone(),
                password: password.clone(),
                two_stage: *two_stage,
                tax_system: *tax_system,
                timeout: config.payments.timeout,
            })
            .map_err(StartError::Setup)?,
        ),
    };
    let receipts = config.payments.receipts.map(|r| payments::Receipts {
        facts: Arc::new(storage::DbReceiptFacts::new(db.clone())),
        default_vat: r.default_vat,
        delivery_vat: r.delivery_vat,
    });
    let payments = Arc::new(payments::Payments {
        gateway,
        repo: Arc::new(storage::DbPaymentRepo::new(db.clone())),
        orders: Arc::new(DbOrderRepo::new(db.clone())),
        clock: Arc::new(SystemClock),
        receipts,
    });
    let (refunder, every) = (Arc::clone(&payments), config.payments.refund_interval);
    actix_web::rt::spawn(async move {
        let mut tick = tokio::time::interval(every);
        let mut open = None;
        loop {
            tick.tick().await;
            if let Err(e) = refunder.follow_open(&mut open).await {
                tracing::warn!(error = %e, "following open payments failed; retrying");
            }
            if let Err(e) = refunder.process_refunds().await {
                tracing::warn!(error = %e, "sending refunds failed; retrying");
            }
        }
    });
    let sberpay = config
        .payments
        .sberpay
        .then(|| mcp_api_http::SberPaySetup { return_url: config.payments.sberpay_return_url.clone() });
    let public_url = config.payments.public_url.clone();
    Ok(mcp_api_http::PaymentsState { payments, sandbox, sberpay, public_url })
}

/// The order use cases on the database, as `mcp-api` and `merchantctl
/// orders` use them.
pub fn ordering(db: &Database, config: &Config) -> Ordering {
    Ordering {
        catalog: Arc::new(DbCatalogRepo::new(db.clone())),
        orders: Arc::new(DbOrderRepo::new(db.clone())),
        clock: Arc::new(SystemClock),
        settings: config.orders.settings.clone(),
    }
}

/// The order use cases over the store of record (prices are never taken
/// from the search projections), and the task that expires unpaid orders.
fn orders_state(db: &Database, config: &Config) -> mcp_api_http::OrdersState {
    let ordering = Arc::new(ordering(db, config));
    let (expirer, every) = (Arc::clone(&ordering), config.orders.expiry_interval);
    actix_web::rt::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            match expirer.expire_due().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(orders = n, "unpaid orders expired; their stock is released"),
                Err(e) => tracing::warn!(error = %e, "expiring unpaid orders failed; retrying"),
            }
        }
    });
    mcp_api_http::OrdersState {
        ordering,
        payment: mcp_api_http::PaymentSetup {
            external_cart_url: config.orders.external_cart_url.clone(),
            payment_details: config.orders.payment_details,
        },
    }
}

/// What catching up applied: products to the index, offer changes to the
/// offer book.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CaughtUp {
    pub products: usize,
    pub offers: usize,
}

/// Applies every catalog change after the projections' positions. Blocking.
pub fn catch_up(db: &Database, index: &TantivyIndex, book: &OfferBook) -> Result<CaughtUp, String> {
    const PRODUCTS_PER_PAGE: i64 = 5_000;
    const OFFERS_PER_PAGE: i64 = 50_000;
    let mut done = CaughtUp::default();
    let mut conn = db.get().map_err(|e| e.to_string())?;
    loop {
        let changes = DbCatalogRepo::changes_since(&mut conn, &index.applied(), PRODUCTS_PER_PAGE)
            .map_err(|e| e.to_string())?;
        if changes.is_empty() {
            break;
        }
        index.apply(&changes).map_err(|e| e.to_string())?;
        done.products += changes.len();
    }
    loop {
        let (written_at, removed_at) = book.positions();
        let page = DbCatalogRepo::offer_feed(&mut conn, &written_at, &removed_at, OFFERS_PER_PAGE)
            .map_err(|e| e.to_string())?;
        let applied = book.apply(page);
        if applied == 0 {
            break;
        }
        done.offers += applied;
    }
    // Last: a stock move read after the feed above is the newer word.
    loop {
        let moved = DbCatalogRepo::stock_feed(&mut conn, &book.stock_position(), OFFERS_PER_PAGE)
            .map_err(|e| e.to_string())?;
        let applied = book.apply_stock(moved);
        if applied == 0 {
            break;
        }
        done.offers += applied;
    }
    Ok(done)
}

/// The bilingual dictionary for English queries: the file the merchant
/// named (which must read), else Debian's Mueller where it is installed,
/// else none (English words then find only what is spelt in English).
fn thesaurus(config: &Config) -> Result<search::Thesaurus, StartError> {
    if let Some(path) = &config.catalog.thesaurus_file {
        return search::Thesaurus::load(path)
            .map_err(|e| config_error("MERCHANT_CATALOG_THESAURUS_FILE", e.to_string()));
    }
    let default = std::path::Path::new(search::DEFAULT_THESAURUS);
    match search::Thesaurus::load(default) {
        Ok(thesaurus) => Ok(thesaurus),
        Err(e) => {
            tracing::warn!(error = %e, "no English-Russian dictionary: install mueller7-dict or set MERCHANT_CATALOG_THESAURUS_FILE");
            Ok(search::Thesaurus::default())
        }
    }
}

/// The search index and the offer book, built from the catalog now
/// and kept current by a background task that follows the change feed.
fn catalog_state(db: &Database, config: &Config) -> Result<mcp_api_http::CatalogState, StartError> {
    let synonyms = match &config.catalog.synonyms_file {
        None => String::new(),
        Some(path) => std::fs::read_to_string(path).map_err(|e| {
            config_error("MERCHANT_CATALOG_SYNONYMS_FILE", format!("cannot read {}: {e}", path.display()))
        })?,
    };
    let index = Arc::new(
        TantivyIndex::with_synonyms(&format!("{}\n{synonyms}", search::SHIPPED_SYNONYMS))
            .map_err(|e| StartError::Setup(e.to_string()))?
            .with_thesaurus(thesaurus(config)?),
    );
    let book = Arc::new(OfferBook::new());
    let started = std::time::Instant::now();
    let mut conn = db.get().map_err(|e| StartError::Setup(e.to_string()))?;
    book.start_stock_at(
        DbCatalogRepo::stock_feed_start(&mut conn).map_err(|e| StartError::Setup(e.to_string()))?,
    );
    drop(conn);
    let built = catch_up(db, &index, &book).map_err(StartError::Setup)?;
    tracing::info!(
        products = built.products,
        offers = built.offers,
        elapsed_ms = started.elapsed().as_millis(),
        "search index and offer book built"
    );
    let (index_for_task, book_for_task, every) =
        (Arc::clone(&index), Arc::clone(&book), config.catalog.index_refresh);
    let db_for_task = db.clone();
    actix_web::rt::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let (db, index, book) =
                (db_for_task.clone(), Arc::clone(&index_for_task), Arc::clone(&book_for_task));
            match tokio::task::spawn_blocking(move || catch_up(&db, &index, &book)).await {
                Ok(Ok(CaughtUp { products: 0, offers: 0 })) => {}
                Ok(Ok(n)) => {
                    tracing::info!(products = n.products, offers = n.offers, "catalog projections caught up");
                }
                Ok(Err(e)) => tracing::warn!(error = %e, "catalog catch-up failed; retrying"),
                Err(e) => tracing::error!(error = %e, "catalog catch-up panicked"),
            }
        }
    });
    Ok(mcp_api_http::CatalogState {
        repo: Arc::new(ProjectedCatalog::new(
            Arc::clone(&index),
            book,
            Arc::new(DbCatalogRepo::new(db.clone())),
        )),
        index,
        reach: ReachPolicy { pickup_radius_m: config.catalog.pickup_radius_m },
        merchant_name: config.catalog.merchant_name.clone(),
        placeholder_photo: config
            .catalog
            .placeholder_photo_url
            .clone()
            .unwrap_or_else(|| mcp_api_http::DEFAULT_PLACEHOLDER_PHOTO.to_owned()),
    })
}

/// The routes of `kuper-listener`: the webhook, stored in the inbox before
/// every 2xx.
pub fn kuper_listener(
    db: &Database,
    config: &Config,
) -> Result<impl Fn(&mut web::ServiceConfig) + Clone + Send + use<>, StartError> {
    crate::retention::spawn_daily(db.clone(), config.retention.personal_data_days);
    let hooks = &config.kuper_webhook;
    let secret =
        hooks.secret.clone().ok_or_else(|| config_error("MERCHANT_KUPER_WEBHOOK_SECRET", "is required"))?;
    let auth = match hooks.auth {
        WebhookScheme::Bearer => kuper_http::WebhookAuth::Bearer(secret),
        WebhookScheme::ClientToken => kuper_http::WebhookAuth::ClientToken(secret),
        WebhookScheme::Basic => kuper_http::WebhookAuth::Basic {
            user: hooks
                .user
                .clone()
                .ok_or_else(|| config_error("MERCHANT_KUPER_WEBHOOK_USER", "is required"))?,
            password: secret,
        },
    };
    start_dispatcher(db, config)?;
    let inbox = Arc::new(DbKuperInbox::with_rules(db.clone(), config.kuper.rules));
    Ok(kuper_http::state(
        kuper_http::ListenerState {
            inbox: inbox.clone(),
            auth,
            clock: Arc::new(SystemClock),
            max_body_bytes: config.http.max_body_bytes,
        },
        kuper_http::OperatorState {
            staff: inbox,
            token: config.kuper_operator_token.clone(),
            clock: Arc::new(SystemClock),
        },
    ))
}

/// Sends the outbox to Kuper in the background, when Kuper is configured.
fn start_dispatcher(db: &Database, config: &Config) -> Result<(), StartError> {
    let kuper = &config.kuper;
    let (Some(base_url), Some(client_id), Some(client_secret)) =
        (kuper.base_url.clone(), kuper.client_id.clone(), kuper.client_secret.clone())
    else {
        tracing::warn!("MERCHANT_KUPER_BASE_URL is not set: notifications to Kuper wait in the outbox");
        return Ok(());
    };
    let client = kuper_client::notify::KuperClient::new(kuper_client::notify::KuperSettings {
        base_url,
        client_id,
        client_secret,
        timeout: kuper.timeout,
        auth: kuper.auth,
    })
    .map_err(StartError::Setup)?;
    let settings = crate::dispatcher::DispatchSettings {
        backoff: kuper.retry_schedule.clone(),
        lease: kuper.timeout * 4,
        per_second: (kuper.rate_per_second > 0).then_some(kuper.rate_per_second),
        batch: 64,
    };
    let dispatcher =
        crate::dispatcher::Dispatcher::new(db.clone(), Arc::new(client), Arc::new(SystemClock), settings);
    actix_web::rt::spawn(dispatcher.run(kuper.dispatch_interval));
    Ok(())
}

/// The staff console's routes.
pub fn console(
    db: &Database,
    config: &Config,
) -> Result<impl Fn(&mut web::ServiceConfig) + Clone + Send + use<>, StartError> {
    // The replacement search reads the same projections `mcp-api` builds,
    // kept current the same way.
    let catalog = catalog_state(db, config)?;
    let desk = staff_desk::StaffDesk::new(staff_desk::DeskPorts {
        staff: Arc::new(storage::DbStaff::new(db.clone())),
        book: Arc::new(storage::DbOrderBook::new(db.clone())),
        kuper: Arc::new(DbKuperInbox::with_rules(db.clone(), config.kuper.rules)),
        history: Arc::new(DbOrderRepo::new(db.clone())),
        payments: Arc::new(storage::DbPaymentRepo::new(db.clone())),
        reports: Arc::new(storage::DbCatalogImports::new(db.clone())),
        catalog: catalog.repo.clone(),
        ordering: Arc::new(ordering(db, config)),
        clock: Arc::new(SystemClock),
    });
    Ok(console::configure(console::ConsoleState {
        desk: Arc::new(desk),
        catalog: console::ConsoleCatalog { repo: catalog.repo, index: catalog.index },
        scanning: console::Scanning {
            labels: config.console_weighed_label,
            weight_tolerance_permille: config.kuper.rules.weight_tolerance_permille,
        },
        secure_cookies: config.console_secure_cookies,
        sign_in_throttle: Arc::new(console::SignInThrottle::new(
            Arc::new(storage::DbIdentityStore::new(db.clone())),
            Arc::new(SystemClock),
        )),
    }))
}
