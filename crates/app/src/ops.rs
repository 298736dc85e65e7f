//! Operational endpoints every service serves: liveness, readiness, metrics.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde_json::json;
use storage::Database;

use crate::metrics::Metrics;

/// Longer than this and the database counts as down for readiness.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/health/live", web::get().to(live))
        .route("/health/ready", web::get().to(ready))
        .route("/metrics", web::get().to(metrics));
}

/// The process is up and serving; says nothing about its dependencies.
async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "live"}))
}

/// The service can do its work: the database answers.
async fn ready(db: web::Data<Database>) -> HttpResponse {
    match tokio::time::timeout(READY_TIMEOUT, db.ping()).await {
        Ok(Ok(())) => HttpResponse::Ok().json(json!({"status": "ready", "database": "ok"})),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: database unavailable");
            not_ready(&e.to_string())
        }
        Err(_) => not_ready("timed out"),
    }
}

fn not_ready(reason: &str) -> HttpResponse {
    HttpResponse::ServiceUnavailable().json(json!({"status": "unavailable", "database": reason}))
}

async fn metrics(metrics: web::Data<Metrics>, db: web::Data<Database>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(metrics.render(&db))
}
