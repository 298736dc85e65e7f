//! Operational endpoints every service serves: liveness, readiness, metrics.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use storage::Database;

use crate::metrics::Metrics;

/// Longer than this and the database counts as down for readiness.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(live).service(ready).service(metrics).service(openapi_json).service(reference);
}

/// The process is up and serving; says nothing about its dependencies.
#[utoipa::path(tag = "Operations", responses((status = 200, description = "Live.", body = Object)))]
#[get("/health/live")]
async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "live"}))
}

/// The service can do its work: the database answers.
#[utoipa::path(tag = "Operations", responses(
    (status = 200, description = "Ready.", body = Object),
    (status = 503, description = "The database does not answer.", body = Object),
))]
#[get("/health/ready")]
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
    HttpResponse::ServiceUnavailable()
        .insert_header(http_edge::retry_after())
        .json(json!({"status": "unavailable", "database": reason}))
}

/// The bearer token `/metrics` asks for (`metrics.token`); `None`: open.
#[derive(Clone, Debug)]
pub struct MetricsToken(pub Option<SecretString>);

/// Prometheus metrics; with `metrics.token` set, only for
/// `Authorization: Bearer TOKEN` (Prometheus's `authorization` setting).
#[utoipa::path(tag = "Operations", responses(
    (status = 200, description = "Prometheus text format.", content_type = "text/plain", body = String),
    (status = 401, description = "`metrics.token` is set and was not presented.", body = Object),
))]
#[get("/metrics")]
async fn metrics(
    req: HttpRequest,
    token: web::Data<MetricsToken>,
    metrics: web::Data<Metrics>,
    db: web::Data<Database>,
) -> HttpResponse {
    if let Some(token) = &token.0 {
        let presented = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        if !domain::bearer_matches(presented, token.expose_secret()) {
            return HttpResponse::Unauthorized()
                .insert_header((header::WWW_AUTHENTICATE, r#"Bearer realm="metrics""#))
                .json(json!({"error": "unauthorized", "message": "metrics need their bearer token"}));
        }
    }
    if tokio::time::timeout(READY_TIMEOUT, metrics.refresh_backlog(&db)).await.is_err() {
        tracing::warn!("metrics: counting the backlog timed out");
    }
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(metrics.render(&db))
}

/// This service's OpenAPI document, as built from its routes at start.
#[derive(Clone, Debug)]
pub struct SpecJson(pub web::Bytes);

/// This service's OpenAPI document.
#[utoipa::path(tag = "Operations", responses((status = 200, description = "OpenAPI 3.1.", body = Object)))]
#[get("/openapi.json")]
async fn openapi_json(spec: web::Data<SpecJson>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(spec.0.clone())
}

/// A readable reference of `/openapi.json`: one HTML page with its script
/// inline, no asset from anywhere else, so it works offline.
#[utoipa::path(tag = "Operations", responses(
    (status = 200, description = "The reference page.", content_type = "text/html", body = String),
))]
#[get("/docs")]
async fn reference() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
        ))
        .body(include_str!("reference.html"))
}
