//! The Kuper webhook listener over actix-web.
//!
//! One URL, `POST /kuper/webhooks`, takes every event. A webhook is
//! authenticated (the scheme Kuper is configured with, compared in constant
//! time), parsed by `kuper-client`, and committed to the inbox before any 2xx;
//! a retry gets the first reply again. An event about an order we do not
//! have yet is stored, answered 200, and applied when its `order.created`
//! comes. An `order.created` we cannot take (unreadable store or positions
//! included) is answered `created` and canceled with the reason. Bodies
//! without JSON, an `event_type` or an `originalOrderId` are 400 and bad
//! credentials 401, in Kuper's error shape, and store nothing. When the
//! inbox cannot commit, the answer is 503 (the database unavailable) or 500
//! (anything else), so Kuper retries: nothing is acknowledged that is not
//! stored.

mod auth;
mod docs;
mod operator;

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use domain::Clock;
use kuper_client::webhook::{ErrorBody, Webhook};
use orders::kuper::{KuperInbox, ReceivedEvent, Reply};
use utoipa_actix_web::service_config::ServiceConfig;

pub use auth::WebhookAuth;
pub use operator::OperatorState;

/// What the listener needs, built once at start.
#[derive(Clone, Debug)]
pub struct ListenerState {
    pub inbox: Arc<dyn KuperInbox>,
    pub auth: WebhookAuth,
    pub clock: Arc<dyn Clock>,
    /// Largest webhook body accepted; larger ones are a 400.
    pub max_body_bytes: usize,
}

pub const WEBHOOK_PATH: &str = "/kuper/webhooks";

/// Registers the webhook route and the operator API.
pub fn configure(
    state: ListenerState,
    operator: OperatorState,
) -> impl Fn(&mut web::ServiceConfig) + Clone + Send + 'static {
    let with_state = self::state(state, operator);
    move |cfg: &mut web::ServiceConfig| {
        with_state(cfg);
        routes(&mut ServiceConfig::new(cfg));
    }
}

/// The state the routes read, for an app that registers [`routes`] itself.
pub fn state(
    state: ListenerState,
    operator: OperatorState,
) -> impl Fn(&mut web::ServiceConfig) + Clone + Send + 'static {
    move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(web::Data::new(state.clone())).app_data(web::Data::new(operator.clone()));
    }
}

/// Every route of the listener, each documented.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(webhook).configure(operator::routes);
}

fn error(status: StatusCode, kind: &str, field: &str, message: impl Into<String>) -> HttpResponse {
    HttpResponse::build(status).json(ErrorBody::one(kind, field, message))
}

/// Every Kuper event, stored before any 2xx (`KUPER-WIRE.md`).
#[utoipa::path(
    tag = "Kuper",
    request_body(content = docs::Webhook, description = "`{event_type, timestamp, payload}`; numbers may be strings."),
    responses(
        (status = 200, description = "Stored (and applied, or kept until its order comes); for order.created the merchant's number, also when the order is refused (then canceled with the reason).", body = docs::WebhookReply),
        (status = 400, description = "Not a webhook we can read (no JSON, event_type or originalOrderId).", body = docs::KuperError),
        (status = 401, description = "Missing or wrong credentials.", body = docs::KuperError),
        (status = 500, description = "Not stored, a fault of ours (a corrupt row): Kuper retries.", body = docs::KuperError),
        (status = 503, description = "Not stored, the database unavailable: Kuper retries (Retry-After).", body = docs::KuperError),
    )
)]
#[post("/kuper/webhooks")]
async fn webhook(req: HttpRequest, state: web::Data<ListenerState>, payload: web::Payload) -> HttpResponse {
    if !state.auth.accepts(&req) {
        tracing::warn!(peer = ?req.peer_addr(), "webhook with missing or wrong credentials");
        return error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authorization",
            "missing or wrong credentials",
        );
    }
    let bytes = match payload.to_bytes_limited(state.max_body_bytes).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => return error(StatusCode::BAD_REQUEST, "invalid", "body", "cannot read the body"),
        Err(_) => {
            let message = format!("the body is larger than {} bytes", state.max_body_bytes);
            return error(StatusCode::BAD_REQUEST, "invalid", "body", message);
        }
    };
    let hook = match Webhook::parse(&bytes) {
        Ok(hook) => hook,
        Err(e) => return error(StatusCode::BAD_REQUEST, "invalid", &e.field, e.message),
    };
    let new_order = hook.new_order();
    let news = hook.news();
    let event = ReceivedEvent {
        key: hook.key.clone(),
        event_type: hook.event_type.as_str().to_owned(),
        original_order_id: hook.original_order_id.clone(),
        body: hook.body,
        received_at: state.clock.now(),
        new_order,
        news,
    };
    match state.inbox.receive(&event).await {
        Ok(receipt) => {
            tracing::info!(
                event = %domain::log_safe(&event.event_type),
                order = %domain::log_safe(&event.original_order_id),
                duplicate = receipt.duplicate,
                "webhook stored"
            );
            match receipt.reply {
                Reply::Created { number, expected_assembly_time } => {
                    let mut body = serde_json::json!({"status": "created", "number": number.as_str()});
                    if let Some(at) = expected_assembly_time {
                        body["expectedAssemblyTime"] = serde_json::Value::from(at);
                    }
                    HttpResponse::Ok().json(body)
                }
                Reply::Stored => HttpResponse::Ok().json(serde_json::json!({"status": "ok"})),
            }
        }
        Err(e) => {
            tracing::error!(error = %e, event = %domain::log_safe(&event.event_type), "webhook not stored; Kuper will retry");
            if !e.is_unavailable() {
                // Not stored either way; any 5xx makes Kuper retry, and this
                // one says the fault is ours, not the database's absence.
                return error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "",
                    "not stored; the log says why",
                );
            }
            let mut response = error(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "", "try again later");
            let (name, value) = http_edge::retry_after();
            response.headers_mut().insert(name, value);
            response
        }
    }
}

#[cfg(test)]
mod failure_tests;
