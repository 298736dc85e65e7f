//! `POST /delivery`, `POST /checkout` and `GET /order/{orderId}/status`.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use domain::{Currency, Decimal, GeoPoint, Money, OrderId, SkuId, StoreId, Unit};
use orders::{CheckoutRequest, Destination, ItemRequest, Order, OrderError, Ordering, ShippingMethod, Slot};
use payments::PaymentMethod;
use sha2::{Digest, Sha256};

use crate::auth::{CatalogClient, authenticate_caller, optional_caller};
use crate::dto::{
    self, AddressIn, CheckoutResponse, DeliveryPickupOptions, DeliveryRequest, DeliveryResponse, MoneyIn,
    ProductItemOrder, StatusOrderResponse,
};
use crate::rquid::RqUidHeader;
use crate::{ApiError, McpState, RqUid};
use utoipa_actix_web::service_config::ServiceConfig;

/// What the order routes need.
#[derive(Clone, Debug)]
pub struct OrdersState {
    pub ordering: Arc<Ordering>,
    pub payment: PaymentSetup,
}

/// What `/checkout` tells the MCP server about paying.
#[derive(Clone, Debug, Default)]
pub struct PaymentSetup {
    /// The merchant's own cart page, `{orderId}` replaced by the order id.
    pub external_cart_url: Option<String>,
    /// Whether payment goes through `/payment/init` (`paymentDetails`).
    pub payment_details: bool,
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(delivery).service(checkout).service(status);
}

impl From<OrderError> for ApiError {
    fn from(e: OrderError) -> Self {
        match &e {
            e if e.is_bad_input() => ApiError::bad_request(e.to_string()),
            OrderError::Illegal(_) | OrderError::ShopperLimit(_) => {
                ApiError::new(StatusCode::CONFLICT, e.to_string())
            }
            OrderError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "order not found"),
            OrderError::StorageDown(detail) => ApiError::unavailable(detail),
            _ => ApiError::internal(&e),
        }
    }
}

fn orders_state(state: &McpState) -> Result<&OrdersState, ApiError> {
    state.orders.as_ref().ok_or_else(|| ApiError::internal(&"orders are not configured"))
}

fn bad(field: &str, e: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!("{field}: {e}"))
}

fn money(field: &str, m: &MoneyIn) -> Result<Money, ApiError> {
    let currency: Currency = m.currency.parse().map_err(|e| bad(field, e))?;
    // Shortest round-trip text of the number: 450.35, not 450.35000000000002.
    let amount: Decimal = m.amount.to_string().parse().map_err(|e| bad(field, e))?;
    Money::from_decimal_exact(amount, currency).map_err(|e| bad(field, e))
}

fn items(raw: &[ProductItemOrder]) -> Result<Vec<ItemRequest>, ApiError> {
    raw.iter()
        .map(|item| {
            let quantity: Decimal =
                item.quantity.to_string().parse().map_err(|e| bad("items.quantity", e))?;
            Ok(ItemRequest {
                sku: SkuId::new(item.sku_id.clone()).map_err(|e| bad("items.skuId", e))?,
                quantity,
                unit: item
                    .unit
                    .as_deref()
                    .map(str::parse::<Unit>)
                    .transpose()
                    .map_err(|e| bad("items.unit", e))?,
                price: item.price.as_ref().map(|p| money("items.price", p)).transpose()?,
            })
            .and_then(|request| {
                // Checked for form, then ignored: discounts are ours to compute.
                item.discount.as_ref().map(|d| money("items.discount", d)).transpose()?;
                Ok(request)
            })
        })
        .collect()
}

fn shipping_method(raw: &str) -> Result<ShippingMethod, ApiError> {
    raw.parse().map_err(|e| bad("shipping", e))
}

fn point(address: &AddressIn) -> Result<GeoPoint, ApiError> {
    GeoPoint::new(address.lat, address.lon).map_err(|e| bad("deliveryAddress", e))
}

fn store_id(raw: &str) -> Result<StoreId, ApiError> {
    StoreId::new(raw).map_err(|e| bad("storeId", e))
}

fn rfc3339(t: DateTime<Utc>, zone: Tz) -> String {
    t.with_timezone(&zone).to_rfc3339()
}

/// Слоты доставки или самовывоза и их стоимость.
#[utoipa::path(
    tag = "Logistics & Orders",
    operation_id = "postDelivery",
    security((), ("mcp_client" = [])),
    params(RqUidHeader),
    request_body = DeliveryRequest,
    responses(
        (status = 200, description = "Доступные слоты.", body = DeliveryResponse),
        (status = 400, description = "Неверный формат запроса.", body = crate::error::ErrorSchema),
        (status = 500, description = "Внутренняя ошибка сервиса.", body = crate::error::ErrorSchema),
        (status = 503, description = "Хранилище недоступно (Retry-After).", body = crate::error::ErrorSchema),
    )
)]
#[post("/delivery")]
async fn delivery(
    _rq_uid: RqUid,
    _client: CatalogClient,
    state: web::Data<McpState>,
    body: web::Json<DeliveryRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let destination = match shipping_method(&body.shipping)? {
        ShippingMethod::Delivery => {
            let address = body.delivery_address.as_ref().ok_or_else(|| {
                ApiError::bad_request("deliveryAddress is required for shipping = delivery")
            })?;
            Destination::Delivery { point: point(address)?, address: address.full_address.clone() }
        }
        ShippingMethod::Pickup => {
            let store = body
                .store_id
                .as_deref()
                .ok_or_else(|| ApiError::bad_request("storeId is required for shipping = pickup"))?;
            Destination::Pickup { store: store_id(store)? }
        }
    };
    let options = orders_state(&state)?.ordering.delivery_options(&destination, &items(&body.items)?).await?;
    Ok(HttpResponse::Ok().json(DeliveryResponse {
        store_id: options.store.id.to_string(),
        options: options
            .options
            .into_iter()
            .map(|o| DeliveryPickupOptions {
                delivery_price: o.delivery_price.into(),
                order_price: o.order_price.into(),
                starts_at: rfc3339(o.slot.starts_at, options.zone),
                ends_at: rfc3339(o.slot.ends_at, options.zone),
            })
            .collect(),
    }))
}

/// The body without its credentials, canonical (keys sorted): a retry with
/// a refreshed token is still the same checkout.
fn digest(mut body: serde_json::Value) -> String {
    if let Some(object) = body.as_object_mut() {
        object.remove("credentials");
    }
    domain::hex(&Sha256::digest(body.to_string().as_bytes()))
}

fn instant(field: &str, raw: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(raw).map(|t| t.with_timezone(&Utc)).map_err(|e| bad(field, e))
}

/// Оформление заказа: резерв товара и слота.
#[utoipa::path(
    tag = "Logistics & Orders",
    operation_id = "postCheckout",
    security(("mcp_client" = [])),
    params(RqUidHeader),
    request_body = dto::CheckoutRequest,
    responses(
        (status = 200, description = "Заказ создан.", body = CheckoutResponse),
        (status = 400, description = "Неверный формат запроса.", body = crate::error::ErrorSchema),
        (status = 401, description = "Пользователь не аутентифицирован.", body = crate::error::ErrorSchema),
        (status = 403, description = "MCP-сервер не аутентифицирован.", body = crate::error::ErrorSchema),
        (status = 409, description = "Неоплаченные заказы покупателя уже держат слишком много товара.", body = crate::error::ErrorSchema),
        (status = 500, description = "Внутренняя ошибка сервиса.", body = crate::error::ErrorSchema),
        (status = 503, description = "Хранилище недоступно (Retry-After).", body = crate::error::ErrorSchema),
    )
)]
#[post("/checkout")]
async fn checkout(
    rq_uid: RqUid,
    req: HttpRequest,
    state: web::Data<McpState>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let request_digest = digest(body.clone());
    let body: dto::CheckoutRequest = serde_json::from_value(body)
        .map_err(|e| ApiError::bad_request(format!("invalid request body: {e}")))?;
    let caller = authenticate_caller(&req, body.credentials.as_ref()).await?;
    let orders = orders_state(&state)?;
    let shipping = shipping_method(&body.shipping)?;
    let address = match (&body.delivery_address, shipping) {
        (Some(a), ShippingMethod::Delivery) => Some((point(a)?, a.full_address.clone())),
        (None, ShippingMethod::Delivery) => {
            return Err(ApiError::bad_request("deliveryAdress is required for shipping = delivery"));
        }
        (_, ShippingMethod::Pickup) => None,
    };
    let options = &body.shipping_options;
    let slot = Slot {
        starts_at: instant("shippingOptions.startsAt", &options.starts_at)?,
        ends_at: instant("shippingOptions.endsAt", &options.ends_at)?,
    };
    let request = CheckoutRequest {
        store: store_id(&body.store_id)?,
        shipping,
        address,
        items: items(&body.items)?,
        slot,
        delivery_price: options
            .delivery_price
            .as_ref()
            .map(|m| money("shippingOptions.deliveryPrice", m))
            .transpose()?,
        order_price: options
            .order_price
            .as_ref()
            .map(|m| money("shippingOptions.orderPrice", m))
            .transpose()?,
        request_id: rq_uid.0.to_string(),
        request_digest,
    };
    let digest = request.request_digest[..12].to_owned();
    let order = orders.ordering.checkout(&caller.user, request).await?;
    // A reused rqUid with another body shows as two orders of one rq_uid.
    tracing::info!(order = %order.id, store = %order.store, total = %order.total, rq_uid = %rq_uid.0, body = %digest, "checkout");
    let mut response = checkout_response(&order, &orders.payment);
    response.sberpay_details = sberpay_details(&req, &state, &order).await;
    Ok(HttpResponse::Ok().json(response))
}

/// SberPay, when the merchant offers it: the order's SberPay payment (a
/// repeated checkout finds the one it started) as the platform starts it —
/// the gateway's order id, its payment page and the app's deep link. The
/// order stands whatever happens here: a gateway that is down, or a
/// receipt that cannot be made, leaves `sberpayDetails` out (and says why
/// in the log), and `/payment/init` tells the caller the same.
async fn sberpay_details(req: &HttpRequest, state: &McpState, order: &Order) -> Option<serde_json::Value> {
    let payments = state.payments.as_ref()?;
    let setup = payments.sberpay.as_ref()?;
    let return_url = setup
        .return_url
        .clone()
        .unwrap_or_else(|| format!("{}/pay/done", crate::payment_routes::origin(req, payments)));
    let payment =
        match payments.payments.init(&order.user, &order.id, &return_url, PaymentMethod::SberPay).await {
            Ok(payment) => payment,
            Err(e) => {
                tracing::warn!(order = %order.id, error = %e, "no SberPay payment for the order");
                return None;
            }
        };
    let presented = crate::payment_routes::presented(payment, req, payments);
    let sberpay = &presented.details["sberpay"];
    Some(serde_json::json!({
        "paymentId": presented.payment_id,
        "orderId": sberpay["orderId"],
        "paymentUrl": presented.payment_url,
        "formUrl": sberpay["formUrl"],
        "deepLink": sberpay["deepLink"],
        "amount": dto::MoneyDto::from(order.total),
        "expiresAt": order.expires_at.map(|t| t.to_rfc3339()),
        "finish": "/payment/finish",
    }))
}

fn checkout_response(order: &Order, payment: &PaymentSetup) -> CheckoutResponse {
    let external_cart_url =
        payment.external_cart_url.as_ref().map(|url| url.replace("{orderId}", order.id.as_str()));
    // The seed: without payment details the cart URL is the way to pay.
    let payment_details = (payment.payment_details || external_cart_url.is_none()).then(|| {
        serde_json::json!({
            "amount": dto::MoneyDto::from(order.total),
            "expiresAt": order.expires_at.map(|t| t.to_rfc3339()),
            "init": "/payment/init",
        })
    });
    CheckoutResponse {
        order_id: order.id.to_string(),
        external_cart_url,
        sberpay_details: None,
        payment_details,
    }
}

/// Статус заказа. Без `X-Access-Token` — по одному `orderId` (128 случайных
/// бит); с ним заказ другого пользователя — 404.
#[utoipa::path(
    tag = "Logistics & Orders",
    operation_id = "getOrderStatus",
    security((), ("mcp_client" = [])),
    params(
        ("orderId" = String, Path, description = "ID заказа в системе Мерчанта."),
        ("X-Access-Token" = Option<String>, Header, description = "Токен пользователя: только его заказы."),
    ),
    responses(
        (status = 200, description = "Статус заказа.", body = StatusOrderResponse),
        (status = 401, description = "Токен пользователя недействителен.", body = crate::error::ErrorSchema),
        (status = 404, description = "Заказ не найден.", body = crate::error::ErrorSchema),
        (status = 500, description = "Внутренняя ошибка сервиса.", body = crate::error::ErrorSchema),
        (status = 503, description = "Хранилище недоступно (Retry-After).", body = crate::error::ErrorSchema),
    )
)]
#[get("/order/{orderId}/status")]
async fn status(
    req: HttpRequest,
    state: web::Data<McpState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, "order not found");
    let id = OrderId::new(path.into_inner()).map_err(|_| not_found())?;
    let caller = optional_caller(&req).await?;
    let order = orders_state(&state)?.ordering.order_for(caller.as_ref().map(|c| &c.user), &id).await?;
    Ok(HttpResponse::Ok().json(StatusOrderResponse {
        status: order.status.as_str(),
        updated_at: order.updated_at.to_rfc3339(),
    }))
}
