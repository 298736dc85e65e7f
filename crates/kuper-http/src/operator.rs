//! The operator API of `kuper-listener`: staff look at Kuper orders and take
//! the merchant's steps of the flow, each queuing its notification to Kuper.
//! Authenticated with the operator token (`Authorization: Bearer …`); with
//! no token configured the API is off (403).
//!
//! - `GET  /operator/kuper/orders/{kuperOrderId}`: the order, its lines
//!   (ordered, held, picked, replacements), what Kuper told us, and each
//!   notification's state (on its way, with Kuper, dead);
//! - `POST /operator/kuper/orders/{kuperOrderId}/{action}` with the
//!   notification's payload as the JSON body (may be empty), `action` as
//!   `merchantctl kuper act` takes it (`in_work`, `ready_for_delivery`, …);
//! - `GET  /operator/kuper/attention`: what needs a person (updates we
//!   could not apply, dead letters, events whose order never came);
//! - `POST /operator/kuper/notifications/{id}/retry`: a dead letter back in
//!   the queue; the order's later notifications follow it.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use domain::Clock;
use orders::kuper::flow::StaffAction;
use orders::kuper::{ActError, KuperOrderView, KuperStaff};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

#[derive(Clone, Debug)]
pub struct OperatorState {
    pub staff: Arc<dyn KuperStaff>,
    /// `None`: the operator API is off.
    pub token: Option<SecretString>,
    pub clock: Arc<dyn Clock>,
}

pub(crate) fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(show).service(act).service(attention).service(retry);
}

fn refusal(status: StatusCode, message: impl Into<String>) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.insert_header(http_edge::retry_after());
    }
    response.json(json!({"error": message.into()}))
}

/// A storage failure: an unavailable database is a 503 to try again after;
/// anything else (a corrupt row, a broken constraint) a 500, logged.
fn failed(e: &orders::RepoError, doing: &str) -> HttpResponse {
    tracing::error!(error = %e, "operator: {doing} failed");
    if e.is_unavailable() {
        refusal(StatusCode::SERVICE_UNAVAILABLE, "try again later")
    } else {
        refusal(StatusCode::INTERNAL_SERVER_ERROR, format!("{doing} failed; the service log says why"))
    }
}

/// The refusal, when the request is not the operator's.
fn refused(state: &OperatorState, req: &HttpRequest) -> Option<HttpResponse> {
    let Some(token) = &state.token else {
        return Some(refusal(
            StatusCode::FORBIDDEN,
            "the operator API is off: set MERCHANT_KUPER_LISTENER_OPERATOR_TOKEN",
        ));
    };
    let authorization = req.headers().get("Authorization").and_then(|v| v.to_str().ok());
    let same = domain::bearer_matches(authorization, token.expose_secret());
    (!same).then(|| refusal(StatusCode::UNAUTHORIZED, "missing or wrong operator token"))
}

/// A Kuper order (by Kuper's id) as staff see it.
#[utoipa::path(
    tag = "Operator",
    params(("order" = String, Path, description = "Kuper's order id (originalOrderId).")),
    security(("operator" = [])),
    responses(
        (status = 200, description = "The order.", body = crate::docs::OperatorOrder),
        (status = 401, description = "Missing or wrong operator token.", body = crate::docs::OperatorError),
        (status = 403, description = "The operator API is off.", body = crate::docs::OperatorError),
        (status = 404, description = "No such Kuper order.", body = crate::docs::OperatorError),
        (status = 500, description = "A stored row cannot be read (logged).", body = crate::docs::OperatorError),
        (status = 503, description = "Try again later.", body = crate::docs::OperatorError),
    )
)]
#[get("/operator/kuper/orders/{order}")]
async fn show(req: HttpRequest, state: web::Data<OperatorState>, path: web::Path<String>) -> HttpResponse {
    if let Some(refusal) = refused(&state, &req) {
        return refusal;
    }
    match state.staff.order(&path).await {
        Ok(Some(order)) => HttpResponse::Ok().json(order_json(&order)),
        Ok(None) => refusal(StatusCode::NOT_FOUND, format!("no Kuper order {path}")),
        Err(e) => failed(&e, "reading an order"),
    }
}

/// A staff step of the flow; its notification is queued for Kuper.
#[utoipa::path(
    tag = "Operator",
    params(
        ("order" = String, Path, description = "Kuper's order id (originalOrderId)."),
        ("action" = String, Path, description = "accept, in_work, assembled, pickup_code_created, ready_for_delivery, estimated_delivery_time, delivering, delivered, canceled."),
    ),
    security(("operator" = [])),
    request_body(content = Object, description = "The notification's payload (may be empty)."),
    responses(
        (status = 200, description = "Taken.", body = crate::docs::ActionTaken),
        (status = 400, description = "Unknown action or a bad payload.", body = crate::docs::OperatorError),
        (status = 401, description = "Missing or wrong operator token.", body = crate::docs::OperatorError),
        (status = 403, description = "The operator API is off.", body = crate::docs::OperatorError),
        (status = 404, description = "No such Kuper order.", body = crate::docs::OperatorError),
        (status = 409, description = "The flow forbids it now (the reason says why).", body = crate::docs::OperatorError),
        (status = 422, description = "The final composition does not fit the order (the reason says why) or the shelf cannot give a replacement.", body = crate::docs::OperatorError),
        (status = 500, description = "A stored row cannot be read (logged).", body = crate::docs::OperatorError),
        (status = 503, description = "Try again later.", body = crate::docs::OperatorError),
    )
)]
#[post("/operator/kuper/orders/{order}/{action}")]
async fn act(
    req: HttpRequest,
    state: web::Data<OperatorState>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> HttpResponse {
    if let Some(refusal) = refused(&state, &req) {
        return refusal;
    }
    let (order, action) = path.into_inner();
    let action: StaffAction = match action.parse() {
        Ok(action) => action,
        Err(e) => return refusal(StatusCode::BAD_REQUEST, e),
    };
    let payload = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(value @ serde_json::Value::Object(_)) => value,
            _ => {
                return refusal(
                    StatusCode::BAD_REQUEST,
                    "the body must be a JSON object (the notification's payload)",
                );
            }
        }
    };
    let request = match kuper_client::payload::staff_request(action, &payload) {
        Ok(request) => request,
        Err(e) => return refusal(StatusCode::BAD_REQUEST, e),
    };
    match state.staff.act(&order, &request, state.clock.now()).await {
        Ok(Ok(status)) => {
            tracing::info!(order = %order, %action, "operator action taken");
            HttpResponse::Ok().json(json!({"status": status.as_str(), "queued": action.notification()}))
        }
        Ok(Err(ActError::UnknownOrder)) => refusal(StatusCode::NOT_FOUND, format!("no Kuper order {order}")),
        Ok(Err(ActError::Illegal(e))) => refusal(StatusCode::CONFLICT, e.to_string()),
        Ok(Err(e @ (ActError::Composition(_) | ActError::NoComposition | ActError::NotAvailable { .. }))) => {
            refusal(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())
        }
        Err(e) => failed(&e, "an action"),
    }
}

/// A Kuper order as staff read it.
pub(crate) fn order_json(order: &KuperOrderView) -> serde_json::Value {
    let lines: Vec<serde_json::Value> = order
        .lines
        .iter()
        .map(|l| {
            json!({
                "positionId": l.position_id,
                "sku": l.sku,
                "unit": if l.weighted { "kg" } else { "pcs" },
                "ordered": l.ordered.to_string(),
                "held": l.held.to_string(),
                "picked": l.picked.map(|p| p.to_string()),
                "replaces": l.replaces,
            })
        })
        .collect();
    let notifications: Vec<serde_json::Value> = order
        .notifications
        .iter()
        .map(|n| json!({"id": n.id, "type": n.kind, "state": n.state, "attempts": n.attempts, "lastError": n.last_error}))
        .collect();
    let history: Vec<serde_json::Value> = order
        .history
        .iter()
        .map(|h| json!({"at": h.at.to_rfc3339(), "direction": h.direction, "type": h.kind, "outcome": h.outcome, "note": h.note}))
        .collect();
    json!({
        "kuperOrderId": order.original_order_id,
        "number": order.order_id,
        "store": order.store_id,
        "integration": order.integration.as_str(),
        "restaurant": order.restaurant,
        "status": order.status.as_str(),
        "kuperStatus": order.kuper_status.map(orders::kuper::flow::KuperStatus::as_str),
        "onTheWay": order.on_the_way(),
        "paid": order.paid,
        "lines": lines,
        "details": order.details,
        "notifications": notifications,
        "history": history,
    })
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
struct AttentionQuery {
    /// At most this many (default 100, at most 1000).
    limit: Option<i64>,
}

/// What needs a person: `order.updated` we could not apply, dead letters
/// (their order's later notifications wait), events whose order never came.
#[utoipa::path(
    tag = "Operator",
    params(AttentionQuery),
    security(("operator" = [])),
    responses(
        (status = 200, description = "Oldest first.", body = Vec<crate::docs::AttentionItem>),
        (status = 401, description = "Missing or wrong operator token.", body = crate::docs::OperatorError),
        (status = 403, description = "The operator API is off.", body = crate::docs::OperatorError),
        (status = 500, description = "A stored row cannot be read (logged).", body = crate::docs::OperatorError),
        (status = 503, description = "Try again later.", body = crate::docs::OperatorError),
    )
)]
#[get("/operator/kuper/attention")]
async fn attention(
    req: HttpRequest,
    state: web::Data<OperatorState>,
    query: web::Query<AttentionQuery>,
) -> HttpResponse {
    if let Some(refusal) = refused(&state, &req) {
        return refusal;
    }
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    match state.staff.attention(limit).await {
        Ok(items) => HttpResponse::Ok().json(
            items
                .iter()
                .map(|a| json!({"kuperOrderId": a.original_order_id, "kind": a.kind, "note": a.note, "at": a.at.to_rfc3339()}))
                .collect::<Vec<_>>(),
        ),
        Err(e) => failed(&e, "reading what needs attention"),
    }
}

/// Puts a dead notification back in the queue; the order's later
/// notifications follow it.
#[utoipa::path(
    tag = "Operator",
    params(("id" = i64, Path, description = "The notification's id (from the order's notifications).")),
    security(("operator" = [])),
    responses(
        (status = 200, description = "Queued again."),
        (status = 401, description = "Missing or wrong operator token.", body = crate::docs::OperatorError),
        (status = 403, description = "The operator API is off.", body = crate::docs::OperatorError),
        (status = 404, description = "No dead notification with this id.", body = crate::docs::OperatorError),
        (status = 500, description = "A stored row cannot be read (logged).", body = crate::docs::OperatorError),
        (status = 503, description = "Try again later.", body = crate::docs::OperatorError),
    )
)]
#[post("/operator/kuper/notifications/{id}/retry")]
async fn retry(req: HttpRequest, state: web::Data<OperatorState>, path: web::Path<i64>) -> HttpResponse {
    if let Some(refusal) = refused(&state, &req) {
        return refusal;
    }
    let id = path.into_inner();
    match state.staff.retry_notification(id).await {
        Ok(true) => {
            tracing::info!(id, "operator: dead notification queued again");
            HttpResponse::Ok().json(json!({"id": id, "state": "pending"}))
        }
        Ok(false) => refusal(StatusCode::NOT_FOUND, format!("no dead notification {id}")),
        Err(e) => failed(&e, "a retry"),
    }
}
