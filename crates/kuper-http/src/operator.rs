//! The operator API of `kuper-listener`: staff look at Kuper orders and take
//! the merchant's steps of the flow, each queuing its notification to Kuper.
//! Authenticated with the operator token (`Authorization: Bearer …`); with
//! no token configured the API is off (403).
//!
//! - `GET  /operator/kuper/orders/{kuperOrderId}`
//! - `POST /operator/kuper/orders/{kuperOrderId}/{action}` with the
//!   notification's payload as the JSON body (may be empty), `action` as
//!   `merchantctl kuper act` takes it (`in_work`, `ready_for_delivery`, …).

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use domain::Clock;
use orders::kuper::flow::StaffAction;
use orders::kuper::{ActError, KuperStaff};
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
    cfg.service(show).service(act);
}

fn refusal(status: StatusCode, message: impl Into<String>) -> HttpResponse {
    HttpResponse::build(status).json(json!({"error": message.into()}))
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
        (status = 503, description = "Try again later.", body = crate::docs::OperatorError),
    )
)]
#[get("/operator/kuper/orders/{order}")]
async fn show(req: HttpRequest, state: web::Data<OperatorState>, path: web::Path<String>) -> HttpResponse {
    if let Some(refusal) = refused(&state, &req) {
        return refusal;
    }
    match state.staff.order(&path).await {
        Ok(Some(order)) => HttpResponse::Ok().json(json!({
            "kuperOrderId": order.original_order_id,
            "number": order.order_id,
            "status": order.status.as_str(),
            "paid": order.paid,
            "lines": order.held.iter().map(|(sku, held)| json!({"sku": sku, "held": held.to_string()})).collect::<Vec<_>>(),
            "queued": order.outbox,
        })),
        Ok(None) => refusal(StatusCode::NOT_FOUND, format!("no Kuper order {path}")),
        Err(e) => {
            tracing::error!(error = %e, "operator: reading an order failed");
            refusal(StatusCode::SERVICE_UNAVAILABLE, "try again later")
        }
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
        (status = 422, description = "The final composition names a position the order lacks.", body = crate::docs::OperatorError),
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
    if let Err(e) = kuper_client::payload::check_staff_payload(action.notification(), &payload) {
        return refusal(StatusCode::BAD_REQUEST, e);
    }
    match state.staff.act(&order, action, &payload, state.clock.now()).await {
        Ok(Ok(status)) => {
            tracing::info!(order = %order, %action, "operator action taken");
            HttpResponse::Ok().json(json!({"status": status.as_str(), "queued": action.notification()}))
        }
        Ok(Err(ActError::UnknownOrder)) => refusal(StatusCode::NOT_FOUND, format!("no Kuper order {order}")),
        Ok(Err(ActError::Illegal(e))) => refusal(StatusCode::CONFLICT, e.to_string()),
        Ok(Err(e @ ActError::Composition(_))) => refusal(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
        Err(e) => {
            tracing::error!(error = %e, "operator: an action failed");
            refusal(StatusCode::SERVICE_UNAVAILABLE, "try again later")
        }
    }
}
