//! `POST /payment/init`, `POST /payment/finish`, the gateway's
//! notifications (`POST /payment/notifications/yookassa`), which are only
//! a hint: the payment is read back from the gateway before anything
//! changes, and an SBP payment's QR (`GET /payment/{paymentId}/qr.svg`).

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use domain::OrderId;
use payment_gateways::sandbox::SandboxBank;
use payments::{GatewayError, Payment, PaymentError, PaymentMethod, Payments};

use crate::auth::authenticate_caller;
use crate::dto::{PaymentFinishRequest, PaymentFinishResponse, PaymentInitRequest, PaymentInitResponse};
use crate::rquid::RqUidHeader;
use crate::{ApiError, McpState, RqUid};
use utoipa_actix_web::service_config::ServiceConfig;

/// What the payment routes need.
#[derive(Clone, Debug)]
pub struct PaymentsState {
    pub payments: Arc<Payments>,
    /// The sandbox bank, when it is the gateway: its page is ours to serve.
    pub sandbox: Option<Arc<SandboxBank>>,
    /// Present when `/checkout` starts a SberPay payment.
    pub sberpay: Option<SberPaySetup>,
    /// mcp-api's origin as payers reach it (`payments.public_url`); `None`:
    /// the origin each request reached, which only a trusted front end
    /// keeps honest (production mode requires the setting).
    pub public_url: Option<String>,
}

#[derive(Clone, Debug)]
pub struct SberPaySetup {
    /// Where the payer returns after SberPay; `None`: our `/pay/done`.
    pub return_url: Option<String>,
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(init).service(finish).service(yookassa_notification).service(qr);
}

impl From<PaymentError> for ApiError {
    fn from(e: PaymentError) -> Self {
        let unavailable = |message: &str| ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: message.to_owned(),
            retry_after_secs: Some(crate::error::RETRY_AFTER_SECS),
        };
        match &e {
            PaymentError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "order or payment not found"),
            PaymentError::AlreadyPaid | PaymentError::OrderClosed(_) => {
                ApiError::new(StatusCode::CONFLICT, e.to_string())
            }
            PaymentError::MethodNotOffered(_) => ApiError::bad_request(format!("method: {e}")),
            PaymentError::Receipt(_) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
            PaymentError::Gateway(GatewayError::Unavailable(detail)) => {
                tracing::warn!(error = %detail, "payment gateway unavailable");
                unavailable("the payment gateway is unavailable; try again later")
            }
            PaymentError::Gateway(detail) => {
                tracing::error!(error = %detail, "payment gateway refused");
                ApiError::new(StatusCode::BAD_GATEWAY, "the payment gateway refused the payment")
            }
            PaymentError::Repo(repo) => ApiError::storage(repo),
        }
    }
}

fn payments_state(state: &McpState) -> Result<&PaymentsState, ApiError> {
    state.payments.as_ref().ok_or_else(|| ApiError::internal(&"payments are not configured"))
}

/// `backUrl` is where the payer's browser goes: an absolute http(s) URL.
fn back_url(raw: &str) -> Result<&str, ApiError> {
    let rest = raw.strip_prefix("https://").or_else(|| raw.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or_default());
    match host {
        Some(host) if !host.is_empty() && !raw.chars().any(|c| c.is_whitespace() || c.is_control()) => {
            Ok(raw)
        }
        _ => Err(ApiError::bad_request("backUrl: expected an absolute http(s) URL")),
    }
}

/// Инициация оплаты.
#[utoipa::path(
    tag = "Payments",
    operation_id = "postPaymentInit",
    security(("mcp_client" = [])),
    params(RqUidHeader),
    request_body = PaymentInitRequest,
    responses(
        (status = 200, description = "Платежные данные.", body = PaymentInitResponse),
        (status = 400, description = "Неверный формат запроса.", body = crate::error::ErrorSchema),
        (status = 401, description = "Пользователь не аутентифицирован.", body = crate::error::ErrorSchema),
        (status = 403, description = "MCP-сервер не аутентифицирован.", body = crate::error::ErrorSchema),
        (status = 404, description = "Заказ не найден.", body = crate::error::ErrorSchema),
        (status = 409, description = "Заказ оплачен, отменён или истёк.", body = crate::error::ErrorSchema),
        (status = 502, description = "Платёжный шлюз отказал.", body = crate::error::ErrorSchema),
        (status = 503, description = "Платёжный шлюз недоступен (Retry-After).", body = crate::error::ErrorSchema),
    )
)]
#[post("/payment/init")]
async fn init(
    _rq_uid: RqUid,
    req: HttpRequest,
    state: web::Data<McpState>,
    body: web::Json<PaymentInitRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let caller = authenticate_caller(&req, body.credentials.as_ref()).await?;
    let return_url = back_url(&body.back_url)?;
    let order_id = OrderId::new(body.order_id)
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "order or payment not found"))?;
    let method = match body.method.as_deref() {
        None => PaymentMethod::Page,
        Some(text) => PaymentMethod::parse(text)
            .ok_or_else(|| ApiError::bad_request("method: expected page, sberpay or sbp"))?,
    };
    let payments = payments_state(&state)?;
    let payment = payments.payments.init(&caller.user, &order_id, return_url, method).await?;
    Ok(HttpResponse::Ok().json(presented(payment, &req, payments)))
}

/// Where payers reach mcp-api: the configured public URL, else the origin
/// this request reached.
pub(crate) fn origin(req: &HttpRequest, payments: &PaymentsState) -> String {
    if let Some(url) = &payments.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

/// A payment as `/payment/init` answers it. The sandbox's links are
/// relative when no public URL is configured: they are made absolute on
/// the request's origin. An SBP payment's details carry the QR's image
/// (`sbp.qrUrl`) beside its payload.
pub(crate) fn presented(
    payment: Payment,
    req: &HttpRequest,
    payments: &PaymentsState,
) -> PaymentInitResponse {
    let origin = origin(req, payments);
    let absolute = |url: &str| if url.starts_with('/') { format!("{origin}{url}") } else { url.to_owned() };
    let mut details = payment.details;
    for (method, field) in [("sbp", "payload"), ("sberpay", "formUrl"), ("sberpay", "deepLink")] {
        if let Some(url) = details[method][field].as_str().map(absolute) {
            details[method][field] = url.into();
        }
    }
    if details["sbp"]["payload"].is_string() {
        details["sbp"]["qrUrl"] = format!("{origin}/payment/{}/qr.svg", payment.id).into();
    }
    PaymentInitResponse {
        payment_url: payment.confirmation_url.as_deref().map(absolute),
        payment_id: payment.id,
        details,
    }
}

/// The QR code of an SBP payment, to show the payer: what their bank's app
/// reads. As public as the payment's page (its id is 128 random bits).
/// QR-код платежа СБП (SVG).
#[utoipa::path(
    tag = "Payments",
    params(("paymentId" = String, Path, description = "Платёж СБП.")),
    responses(
        (status = 200, description = "QR-код (image/svg+xml)."),
        (status = 404, description = "Нет такого платежа СБП.", body = crate::error::ErrorSchema),
        (status = 503, description = "Хранилище недоступно (Retry-After).", body = crate::error::ErrorSchema),
    )
)]
#[get("/payment/{paymentId}/qr.svg")]
pub(crate) async fn qr(
    req: HttpRequest,
    state: web::Data<McpState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, "no such SBP payment");
    let payments = payments_state(&state)?;
    let payment = payments.payments.stored(&path).await?.ok_or_else(not_found)?;
    let payload = payment.details["sbp"]["payload"].as_str().ok_or_else(not_found)?;
    // A relative sandbox link is the page on mcp-api's public origin.
    let payload = if payload.starts_with('/') {
        format!("{}{payload}", origin(&req, payments))
    } else {
        payload.to_owned()
    };
    let code = qrcode::QrCode::new(payload.as_bytes())
        .map_err(|e| ApiError::internal(&format!("QR of payment {}: {e}", payment.id)))?;
    let svg = code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(240, 240).build();
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "no-store"))
        .body(svg))
}

/// Проверка оплаты.
#[utoipa::path(
    tag = "Payments",
    operation_id = "postPaymentFinish",
    security(("mcp_client" = [])),
    params(RqUidHeader),
    request_body = PaymentFinishRequest,
    responses(
        (status = 200, description = "Получена информация о платеже.", body = PaymentFinishResponse),
        (status = 400, description = "Неверный формат запроса.", body = crate::error::ErrorSchema),
        (status = 401, description = "Пользователь не аутентифицирован.", body = crate::error::ErrorSchema),
        (status = 403, description = "MCP-сервер не аутентифицирован.", body = crate::error::ErrorSchema),
        (status = 404, description = "Платёж не найден.", body = crate::error::ErrorSchema),
        (status = 503, description = "Хранилище недоступно (Retry-After).", body = crate::error::ErrorSchema),
    )
)]
#[post("/payment/finish")]
async fn finish(
    _rq_uid: RqUid,
    req: HttpRequest,
    state: web::Data<McpState>,
    body: web::Json<PaymentFinishRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let caller = authenticate_caller(&req, body.credentials.as_ref()).await?;
    let payment = payments_state(&state)?.payments.finish(&caller.user, &body.payment_id).await?;
    Ok(HttpResponse::Ok().json(PaymentFinishResponse {
        status: payment.status.as_str(),
        order_id: payment.order_id.to_string(),
    }))
}

/// YooKassa's HTTP notification. Only the payment id is taken from it; the
/// payment is re-read from YooKassa, so a forged one changes nothing. An
/// answer other than 200 makes YooKassa send it again.
/// HTTP-уведомление ЮKassa: только подсказка, платёж перечитывается из ЮKassa.
#[utoipa::path(
    tag = "Payments",
    request_body(content = Object, description = "Уведомление ЮKassa (`type`, `event`, `object.id`)."),
    responses(
        (status = 200, description = "Принято (или платёж нам неизвестен)."),
        (status = 400, description = "Не уведомление о платеже.", body = crate::error::ErrorSchema),
        (status = 503, description = "Повторите позже.", body = crate::error::ErrorSchema),
    )
)]
#[post("/payment/notifications/yookassa")]
async fn yookassa_notification(
    state: web::Data<McpState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let body: serde_json::Value =
        serde_json::from_slice(&body).map_err(|_| ApiError::bad_request("not a JSON notification"))?;
    let Some(id) = payment_gateways::yookassa::notified_payment(&body) else {
        return Err(ApiError::bad_request("not a payment notification"));
    };
    match payments_state(&state)?.payments.refresh(id).await {
        Ok(Some(payment)) => {
            tracing::info!(payment = %payment.id, status = %payment.status, "notification followed");
        }
        Ok(None) => tracing::warn!(payment = %id, "notification about a payment we never started"),
        Err(PaymentError::Gateway(e @ (GatewayError::NotFound(_) | GatewayError::Rejected(_)))) => {
            tracing::warn!(payment = %id, error = %e, "notification the gateway does not confirm");
        }
        Err(e) => return Err(e.into()),
    }
    Ok(HttpResponse::Ok().finish())
}
