//! The simulator's HTTP side: Kuper's token and notification endpoints, and
//! `/sim/…` to create orders, send Kuper's events, play faults and read
//! what arrived.

use std::sync::Mutex;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::rules::{Integration, Ordered, Verdict};
use crate::sim::{FaultPlan, Gate, Sent, Sim};
use crate::webhooks::{self, Listener, NewPosition};

/// The courier's steps after `order.ready_for_delivery`, Kuper delivery only.
const COURIER: [&str; 5] =
    ["courier.assigned", "courier.arrived", "order.received", "order.delivering", "order.delivered"];

#[derive(Debug)]
pub struct Shared {
    pub sim: Mutex<Sim>,
    pub listener: Mutex<Listener>,
    pub http: reqwest::Client,
    /// Pause between the courier's steps; `None`: no courier.
    pub courier: Option<Duration>,
}

impl Shared {
    fn sim(&self) -> std::sync::MutexGuard<'_, Sim> {
        self.sim.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn listener(&self) -> Listener {
        self.listener.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/token", web::post().to(token))
        .route("/ofm/api/v1/notifications", web::post().to(notification))
        .route("/sim/orders", web::post().to(create_order))
        .route("/sim/orders/{id}", web::get().to(show_order))
        .route("/sim/orders/{id}/events", web::post().to(send_event))
        .route("/sim/log", web::get().to(log))
        .route("/sim/stats", web::get().to(stats))
        .route("/sim/faults", web::post().to(faults))
        .route("/sim/faults", web::delete().to(clear_faults))
        .route("/sim/listener", web::put().to(set_listener))
        .route("/health/live", web::get().to(|| async { HttpResponse::Ok().json(json!({"status": "ok"})) }));
}

/// Kuper's error shape.
fn kuper_error(status: u16, kind: &str, message: &str, date: bool) -> HttpResponse {
    let mut response = HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST));
    if status == 429 && date {
        // An HTTP date counts whole seconds: three ahead is two at least.
        let at = std::time::SystemTime::now() + std::time::Duration::from_secs(3);
        response.insert_header(("Retry-After", httpdate::fmt_http_date(at)));
    } else if status == 429 {
        response.insert_header(("Retry-After", "1"));
    }
    response.json(json!({"errors": [{"type": kind, "field": "", "message": message}]}))
}

fn sim_error(status: StatusCode, message: impl Into<String>) -> HttpResponse {
    HttpResponse::build(status).json(json!({"error": message.into()}))
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    grant_type: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
}

async fn token(shared: web::Data<Shared>, form: web::Form<TokenForm>) -> HttpResponse {
    if form.grant_type != "client_credentials" {
        return kuper_error(400, "invalid_request", "grant_type must be client_credentials", false);
    }
    let issued = shared.sim().issue_token(&form.client_id, &form.client_secret);
    match issued {
        Ok((token, expires_in)) => HttpResponse::Ok().json(json!({
            "access_token": token, "expires_in": expires_in, "token_type": "Bearer", "scopes": ["notifications"]
        })),
        Err((status, why)) => kuper_error(status, "auth", why, shared.sim().settings.retry_after_date),
    }
}

async fn notification(req: HttpRequest, shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let authorization = req.headers().get("Authorization").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let gate = shared.sim().gate(authorization.as_deref());
    match gate {
        Gate::Pass => {}
        Gate::Slow(wait) => tokio::time::sleep(wait).await,
        Gate::Refuse(status, why) => {
            shared.sim().log_refusal(status, why);
            tracing::info!(status, why, "notification refused");
            return kuper_error(status, "request", why, shared.sim().settings.retry_after_date);
        }
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let event = &body["event"];
    let (kind, payload) = (event["type"].as_str(), &event["payload"]);
    let order_id = payload["order_id"].as_str();
    let verdict = shared.sim().notification(order_id, kind, payload);
    tracing::info!(
        order = order_id.unwrap_or("?"),
        kind = kind.unwrap_or("?"),
        status = verdict.status(),
        "notification"
    );
    match verdict {
        Verdict::Accept => {
            if kind == Some("order.ready_for_delivery")
                && let (Some(order_id), Some(pause)) = (order_id, shared.courier)
                && shared
                    .sim()
                    .orders
                    .get(order_id)
                    .is_some_and(|o| o.track.integration == Integration::KuperDelivery)
            {
                actix_web::rt::spawn(courier(shared.clone(), order_id.to_owned(), pause));
            }
            HttpResponse::Ok().json(json!({"status": "processed"}))
        }
        Verdict::Duplicate => HttpResponse::Accepted().json(json!({"status": "accepted earlier"})),
        Verdict::NotAllowed(why) => kuper_error(405, "event", &why, false),
        Verdict::Invalid(why) => kuper_error(422, "validation", &why, false),
    }
}

/// Kuper's courier picks the order up and delivers it.
async fn courier(shared: web::Data<Shared>, order: String, pause: Duration) {
    for step in COURIER {
        tokio::time::sleep(pause).await;
        if let Err(e) = deliver(&shared, &order, step, json!({})).await {
            tracing::warn!(order = %order, step, error = %e, "the courier could not report");
            return;
        }
    }
}

/// Sends a Kuper event about `order` to the listener and records it.
async fn deliver(shared: &Shared, order: &str, kind: &str, extra: Value) -> Result<webhooks::Reply, String> {
    let mut payload = json!({"originalOrderId": order});
    if let (Some(fields), Value::Object(extra)) = (payload.as_object_mut(), extra) {
        fields.extend(extra);
    }
    if kind == "order.canceled" && payload.get("reason").is_none() {
        payload["reason"] = json!({"code": "customer", "comment": "the customer changed their mind"});
    }
    let delivery = webhooks::send(&shared.http, &shared.listener(), kind, &payload).await;
    let mut sim = shared.sim();
    if let Some(tracked) = sim.orders.get_mut(order) {
        tracked.listener_refusals.extend(delivery.refusals);
    }
    let reply = delivery.outcome?;
    if let Some(tracked) = sim.orders.get_mut(order) {
        tracked.webhooks.push(Sent { kind: kind.to_owned(), status: reply.status });
        if reply.status < 300 {
            match kind {
                "order.canceled" => tracked.track.closed_by_kuper = Some("canceled by Kuper".into()),
                "order.delivered" => tracked.track.closed_by_kuper = Some("delivered by Kuper".into()),
                _ => {}
            }
        }
    }
    Ok(reply)
}

#[derive(Deserialize)]
struct NewOrder {
    integration: Integration,
    store: String,
    positions: Vec<NewPosition>,
    #[serde(default)]
    restaurant: bool,
    #[serde(rename = "originalOrderId")]
    original_order_id: Option<String>,
    /// The `shipmentMethod` to send; by default the integration type's.
    #[serde(rename = "shipmentMethod")]
    shipment_method: Option<String>,
}

async fn create_order(shared: web::Data<Shared>, order: web::Json<NewOrder>) -> HttpResponse {
    let order = order.into_inner();
    if order.positions.is_empty() {
        return sim_error(StatusCode::BAD_REQUEST, "an order needs positions");
    }
    let id = {
        let mut sim = shared.sim();
        let id = order.original_order_id.clone().unwrap_or_else(|| sim.next_order_id());
        let ordered = order
            .positions
            .iter()
            .map(|p| Ordered {
                id: p.id.clone(),
                quantity: u64::from(p.quantity),
                weight: u64::from(p.weight),
            })
            .collect();
        sim.track(&id, order.integration, order.restaurant, ordered);
        id
    };
    let payload = webhooks::order_created(
        &id,
        &order.store,
        order.integration,
        order.shipment_method.as_deref(),
        &order.positions,
    );
    let delivery = webhooks::send(&shared.http, &shared.listener(), "order.created", &payload).await;
    if let Some(tracked) = shared.sim().orders.get_mut(&id) {
        tracked.listener_refusals.extend(delivery.refusals);
    }
    match delivery.outcome {
        Ok(reply) => {
            let mut sim = shared.sim();
            if let Some(tracked) = sim.orders.get_mut(&id) {
                tracked.number = reply.body["number"].as_str().map(str::to_owned);
                tracked.webhooks.push(Sent { kind: "order.created".into(), status: reply.status });
            }
            HttpResponse::Ok()
                .json(json!({"originalOrderId": id, "status": reply.status, "reply": reply.body}))
        }
        Err(e) => sim_error(StatusCode::BAD_GATEWAY, e),
    }
}

#[derive(Deserialize)]
struct NewEvent {
    event_type: String,
    #[serde(default)]
    payload: Value,
}

async fn send_event(
    shared: web::Data<Shared>,
    id: web::Path<String>,
    event: web::Json<NewEvent>,
) -> HttpResponse {
    if !shared.sim().orders.contains_key(id.as_str()) {
        return sim_error(StatusCode::NOT_FOUND, format!("the simulator did not create order {id}"));
    }
    match deliver(&shared, &id, &event.event_type, event.payload.clone()).await {
        Ok(reply) => HttpResponse::Ok().json(json!({"status": reply.status, "reply": reply.body})),
        Err(e) => sim_error(StatusCode::BAD_GATEWAY, e),
    }
}

async fn show_order(shared: web::Data<Shared>, id: web::Path<String>) -> HttpResponse {
    match shared.sim().order_view(&id) {
        Some(view) => HttpResponse::Ok().json(view),
        None => sim_error(StatusCode::NOT_FOUND, format!("no order {id}")),
    }
}

async fn log(shared: web::Data<Shared>) -> HttpResponse {
    HttpResponse::Ok().json(&shared.sim().log)
}

async fn stats(shared: web::Data<Shared>) -> HttpResponse {
    HttpResponse::Ok().json(shared.sim().stats())
}

async fn faults(shared: web::Data<Shared>, plans: web::Json<Vec<FaultPlan>>) -> HttpResponse {
    shared.sim().schedule(&plans);
    tracing::info!(?plans, "faults scheduled");
    HttpResponse::Ok().json(json!({"scheduled": plans.len()}))
}

async fn clear_faults(shared: web::Data<Shared>) -> HttpResponse {
    shared.sim().clear_faults();
    HttpResponse::Ok().json(json!({"scheduled": 0}))
}

async fn set_listener(shared: web::Data<Shared>, listener: web::Json<Listener>) -> HttpResponse {
    *shared.listener.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = listener.into_inner();
    HttpResponse::Ok().json(json!({"status": "ok"}))
}
