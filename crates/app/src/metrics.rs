//! Prometheus metrics of one service, served at `/metrics`.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};
use storage::{AnyConnection, Database, DbKuperOutbox, DbPaymentRepo, StorageError};

use crate::Service;

/// Routes probed every few seconds by orchestrators: counted, but logged
/// only at debug level so they do not drown the log.
const QUIET_ROUTES: [&str; 3] = ["/health/live", "/health/ready", "/metrics"];

#[derive(Clone, Debug)]
pub struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    db_connections: IntGaugeVec,
    backlogs: Vec<Backlog>,
    /// Seconds since each store last heard from the merchant's systems (a
    /// feed or a stock update): a silent ERP pages someone.
    stock_report_age: IntGaugeVec,
    /// Rows met that could not be read back (`storage::CORRUPT_ROWS`):
    /// each a 500 and a log line with the row's key.
    corrupt_rows: IntCounter,
}

/// Counts a backlog's rows by a label (state, kind).
type CountByState = fn(&mut AnyConnection) -> Result<Vec<(String, i64)>, StorageError>;

/// What a service works off, counted at scrape time: what to alert on (a
/// dead letter, an update staff must see, refunds that do not go out).
#[derive(Clone, Debug)]
struct Backlog {
    gauge: IntGaugeVec,
    count: CountByState,
}

impl Backlog {
    fn new(name: &str, help: &str, label: &str, count: CountByState) -> Backlog {
        let gauge = IntGaugeVec::new(Opts::new(name, help), &[label]).expect("static metric definition");
        Backlog { gauge, count }
    }
}

impl Metrics {
    pub fn new(service: Service) -> Self {
        let labels = std::iter::once(("service".to_owned(), service.name().to_owned())).collect();
        let registry = Registry::new_custom(Some("merchant".into()), Some(labels))
            .expect("static registry settings are valid");
        let http_requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by route and status"),
            &["method", "route", "status"],
        )
        .expect("static metric definition");
        let http_duration = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency")
                .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]),
            &["method", "route"],
        )
        .expect("static metric definition");
        let db_connections = IntGaugeVec::new(
            Opts::new("db_pool_connections", "Database pool connections by state"),
            &["state"],
        )
        .expect("static metric definition");
        let backlogs = match service {
            Service::KuperListener => vec![
                Backlog::new(
                    "kuper_outbox_notifications",
                    "Notifications to Kuper by state",
                    "state",
                    DbKuperOutbox::count_by_state,
                ),
                Backlog::new(
                    "kuper_attention",
                    "Kuper orders that need a person, by kind (update, dead_letter, orphan)",
                    "kind",
                    storage::DbKuperInbox::attention_by_kind,
                ),
            ],
            Service::Console | Service::McpServer => Vec::new(),
            Service::McpApi => vec![
                Backlog::new(
                    "payment_refunds",
                    "Refunds owed by state",
                    "state",
                    DbPaymentRepo::refund_count_by_state,
                ),
                Backlog::new(
                    "stock_held_thousandths",
                    "What open orders hold of each store's shelves, in thousandths of a unit of sale",
                    "store",
                    storage::DbStockLedger::held_by_store,
                ),
            ],
        };
        let stock_report_age = IntGaugeVec::new(
            Opts::new("stock_report_age_seconds", "Seconds since the store's last stock report"),
            &["store"],
        )
        .expect("static metric definition");
        let corrupt_rows =
            IntCounter::new("storage_corrupt_rows_total", "Stored rows that could not be read back")
                .expect("static metric definition");
        for collector in [
            Box::new(stock_report_age.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(corrupt_rows.clone()),
            Box::new(http_requests.clone()),
            Box::new(http_duration.clone()),
            Box::new(db_connections.clone()),
        ]
        .into_iter()
        .chain(backlogs.iter().map(|b| Box::new(b.gauge.clone()) as Box<dyn prometheus::core::Collector>))
        {
            registry.register(collector).expect("each metric is registered once");
        }
        Metrics {
            registry,
            http_requests,
            http_duration,
            db_connections,
            backlogs,
            stock_report_age,
            corrupt_rows,
        }
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Reads the backlog's counts (off the request thread); a database that
    /// does not answer leaves the last values.
    pub async fn refresh_backlog(&self, db: &Database) {
        for backlog in &self.backlogs {
            match db.run(backlog.count).await {
                Ok(rows) => {
                    backlog.gauge.reset();
                    for (label, count) in rows {
                        backlog.gauge.with_label_values(&[label.as_str()]).set(count);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "metrics: a backlog could not be counted"),
            }
        }
        match db.run(storage::DbStockLedger::report_times).await {
            Ok(rows) => {
                let now = chrono::Utc::now();
                self.stock_report_age.reset();
                for (store, at) in rows {
                    self.stock_report_age
                        .with_label_values(&[store.as_str()])
                        .set((now - at).num_seconds().max(0));
                }
            }
            Err(e) => tracing::warn!(error = %e, "metrics: stock report times could not be read"),
        }
    }

    /// The text exposition format, with pool gauges read at scrape time.
    pub fn render(&self, db: &Database) -> String {
        let state = db.state();
        let idle = i64::from(state.idle);
        let open = i64::from(state.connections);
        self.db_connections.with_label_values(&["idle"]).set(idle);
        self.db_connections.with_label_values(&["busy"]).set(open - idle);
        self.db_connections.with_label_values(&["max"]).set(i64::from(state.max));
        let corrupt = storage::CORRUPT_ROWS.load(std::sync::atomic::Ordering::Relaxed);
        self.corrupt_rows.inc_by(corrupt.saturating_sub(self.corrupt_rows.get()));
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out).expect("encoding to a Vec cannot fail");
        String::from_utf8(out).expect("the text format is UTF-8")
    }

    fn observe(&self, method: &str, route: &str, status: u16, started: Instant) {
        self.http_requests.with_label_values(&[method, route, &status.to_string()]).inc();
        self.http_duration.with_label_values(&[method, route]).observe(started.elapsed().as_secs_f64());
    }
}

/// A request method as a label: the standard ones by name, anything a
/// client invents as `other`, so no caller can add series without end.
fn method_label(method: &actix_web::http::Method) -> &'static str {
    const KNOWN: [&str; 9] = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"];
    KNOWN.into_iter().find(|known| *known == method.as_str()).unwrap_or("other")
}

/// Middleware: counts, times and logs every request by its route pattern
/// (never the raw path, which would explode label cardinality).
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let response = next.call(req).await?;
    let status = response.status().as_u16();
    if let Some(metrics) = metrics {
        metrics.observe(method, &route, status, started);
    }
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    if QUIET_ROUTES.contains(&route.as_str()) {
        tracing::debug!(method, %route, status, elapsed_ms, "request");
    } else {
        tracing::info!(method, %route, status, elapsed_ms, "request");
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use actix_web::http::Method;

    use super::method_label;

    #[test]
    fn invented_methods_share_one_label() {
        let cases = [
            ("GET", "GET"),
            ("POST", "POST"),
            ("DELETE", "DELETE"),
            ("PATCH", "PATCH"),
            ("OPTIONS", "OPTIONS"),
            ("FOO", "other"),
            ("get", "other"),
            ("PROPFIND", "other"),
        ];
        for (method, label) in cases {
            assert_eq!(method_label(&Method::from_bytes(method.as_bytes()).unwrap()), label, "{method}");
        }
    }
}
