//! The tools: each a domain use case with a JSON-Schema input and a
//! structured output, described (Russian and English) for a model to use
//! well. What a model can act on — sold out, price changed, slot full, not
//! signed in — comes back as a tool error with a plain message, never as a
//! protocol failure.

use std::str::FromStr;

use crate::schema::{
    DeliveryOptionsInput, DeliveryOptionsOut, GetProducts, Item, LineOut, OrderOut, OrderRef, PayBy,
    PaymentLinkInput, PaymentLinkOut, PlaceOrder, ProductOut, Products, SearchProducts, Shipping, SignIn,
    SignInProvider, SignedIn, SlotOut,
};
use crate::{McpServerState, Shopper};
use chrono::{DateTime, Utc};
use domain::{Decimal, GeoPoint, Money, OrderId, SkuId, StoreId, UserId};
use identity::Provider;
use orders::{CheckoutRequest, Destination, ItemRequest, ShippingMethod, Slot};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{Json, tool, tool_router};

/// Longest text a tool takes (a query, an address, a key).
const MAX_TEXT: usize = 1_000;

/// One MCP session's server: the shared state and the session's shopper.
#[derive(Clone)]
pub struct MerchantMcp {
    pub(crate) state: std::sync::Arc<McpServerState>,
    pub(crate) shopper: Shopper,
    pub(crate) tool_router: ToolRouter<MerchantMcp>,
}

impl std::fmt::Debug for MerchantMcp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MerchantMcp").finish_non_exhaustive()
    }
}

fn money(m: Money) -> String {
    m.to_decimal().to_string()
}

fn text<'a>(value: &'a str, what: &str) -> Result<&'a str, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(format!("{what} is empty"));
    }
    if value.chars().count() > MAX_TEXT {
        return Err(format!("{what} is longer than {MAX_TEXT} characters"));
    }
    Ok(value)
}

fn sku(raw: &str) -> Result<SkuId, String> {
    SkuId::new(raw.trim()).map_err(|e| format!("product id {raw:?}: {e}"))
}

fn store(raw: &str) -> Result<StoreId, String> {
    StoreId::new(raw.trim()).map_err(|e| format!("store id {raw:?}: {e}"))
}

fn order_id(raw: &str) -> Result<OrderId, String> {
    OrderId::new(raw.trim()).map_err(|_| format!("no order {raw:?}"))
}

fn point(latitude: f64, longitude: f64) -> Result<GeoPoint, String> {
    GeoPoint::new(latitude, longitude).map_err(|e| format!("location: {e}"))
}

fn instant(raw: &str, what: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("{what} {raw:?} is not an RFC 3339 time (e.g. 2026-12-01T10:00:00+03:00)"))
}

fn order_out(order: &orders::Order, payment: Option<String>) -> OrderOut {
    let shipping = match order.shipping.method() {
        ShippingMethod::Delivery => Shipping::Delivery,
        ShippingMethod::Pickup => Shipping::Pickup,
    };
    OrderOut {
        order_id: order.id.to_string(),
        status: order.status.as_str().into(),
        store_id: order.store.to_string(),
        shipping,
        slot_start: order.slot.starts_at.to_rfc3339(),
        slot_end: order.slot.ends_at.to_rfc3339(),
        lines: order
            .lines
            .iter()
            .map(|l| LineOut {
                sku: l.sku.to_string(),
                name: l.name.clone(),
                quantity: l.quantity.normalize().to_string(),
                unit: l.unit.as_str().into(),
                unit_price: money(l.unit_price),
                total: money(l.total),
            })
            .collect(),
        items_total: money(order.items_total),
        delivery_price: money(order.delivery_price),
        total: money(order.total),
        currency: order.total.currency().to_string(),
        pay_before: order
            .expires_at
            .filter(|_| order.status == orders::OrderStatus::New)
            .map(|t| t.to_rfc3339()),
        payment,
    }
}

/// What a model is told of our own trouble: a plain "try again"; the
/// detail (a database's words) goes to the log, never to the model.
fn unavailable(cause: &dyn std::fmt::Display) -> String {
    tracing::error!(error = %cause, "merchant-mcp: a tool could not be served");
    "the shop is unavailable for a moment; try again".into()
}

/// A store of record's failure: "try again" only when trying again can
/// help (the database unavailable); a corrupt row or a broken constraint
/// is ours, and retrying it would only repeat it.
fn storage_error(e: &domain::RepoError) -> String {
    if e.is_unavailable() {
        return unavailable(e);
    }
    tracing::error!(error = %e, "merchant-mcp: the shop's records failed");
    "the shop could not answer this because of an error on its side; asking again will not help".into()
}

/// The use case's own words when the model can act on them (a price
/// changed, a slot full, an unknown product); else [`unavailable`].
fn catalog_error(e: &catalog::CatalogError) -> String {
    match e {
        catalog::CatalogError::Repo(repo) => storage_error(repo),
        e if e.is_bad_input() => e.to_string(),
        e => unavailable(e),
    }
}

fn order_error(e: &orders::OrderError) -> String {
    use orders::OrderError as E;
    match e {
        E::NotFound | E::Illegal(_) => e.to_string(),
        E::Storage(repo) => storage_error(repo),
        e if e.is_bad_input() => e.to_string(),
        e => unavailable(e),
    }
}

fn payment_error(e: &payments::PaymentError) -> String {
    use payments::{GatewayError, PaymentError as E};
    match e {
        E::NotFound | E::AlreadyPaid | E::OrderClosed(_) | E::MethodNotOffered(_) | E::Receipt(_) => {
            e.to_string()
        }
        E::Gateway(GatewayError::Unavailable(_)) => {
            tracing::warn!(error = %e, "merchant-mcp: the payment gateway is unavailable");
            "the bank is unavailable for a moment; try again".into()
        }
        E::Gateway(_) => {
            tracing::error!(error = %e, "merchant-mcp: the payment gateway refused");
            "the bank refused the payment".into()
        }
        E::Repo(repo) => storage_error(repo),
    }
}

fn auth_error(e: &identity::AuthError) -> String {
    match e {
        identity::AuthError::Store(repo) => storage_error(repo),
        identity::AuthError::Random(_) => unavailable(e),
        e => e.to_string(),
    }
}

fn items(items: &[Item]) -> Result<Vec<ItemRequest>, String> {
    // The order's own limit, said before any item is read.
    if items.is_empty() || items.len() > orders::MAX_LINES {
        return Err(orders::OrderError::ItemCount.to_string());
    }
    items
        .iter()
        .map(|i| {
            if !i.quantity.is_finite() || i.quantity <= 0.0 {
                return Err(format!("quantity of {} must be a positive number", i.sku));
            }
            let quantity = Decimal::from_str(&i.quantity.to_string())
                .map_err(|_| format!("quantity of {} is not a number we can take", i.sku))?;
            Ok(ItemRequest { sku: sku(&i.sku)?, quantity, unit: None, price: None })
        })
        .collect()
}

impl MerchantMcp {
    pub fn new(state: std::sync::Arc<McpServerState>) -> Self {
        MerchantMcp { state, shopper: Shopper::default(), tool_router: Self::tool_router() }
    }

    /// The shopper: signed in within this session, or by `X-Access-Token`.
    async fn shopper(&self, extensions: &rmcp::model::Extensions) -> Result<UserId, String> {
        if let Some(user) = self.shopper.get() {
            return Ok(user);
        }
        let header = extensions
            .get::<http::request::Parts>()
            .and_then(|p| p.headers.get("x-access-token"))
            .and_then(|v| v.to_str().ok());
        match header {
            Some(token) => self
                .state
                .authenticator
                .authenticate_user(Some(token))
                .await
                .map_err(|e| format!("the shopper's access token: {e}")),
            None => Err("the shopper is not signed in: call sign_in first".into()),
        }
    }

    async fn payment_state(&self, order: &OrderId) -> Option<String> {
        let payments = self.state.payments.as_ref()?;
        let attempts = payments.repo.attempts(order).await.ok()?;
        attempts.last().map(|p| p.status.as_str().to_owned())
    }

    /// A link as the shopper's browser can open it: a relative one (the
    /// sandbox's page) is completed with this server's address.
    fn absolute(&self, url: &str, extensions: &rmcp::model::Extensions) -> String {
        if url.starts_with("http://") || url.starts_with("https://") {
            return url.to_owned();
        }
        let host = extensions
            .get::<http::request::Parts>()
            .and_then(|p| p.headers.get(http::header::HOST))
            .and_then(|v| v.to_str().ok())
            .map(|h| format!("http://{h}"));
        let base = host.or_else(|| self.state.public_url.get().cloned()).unwrap_or_default();
        format!("{}{url}", base.trim_end_matches('/'))
    }
}

fn product_out(item: &catalog::Item) -> ProductOut {
    ProductOut {
        sku: item.product.sku.to_string(),
        name: item.product.name.clone(),
        brand: item.product.brand.clone(),
        category: item.product.category.clone(),
        unit: item.product.unit.as_str().into(),
        price: money(item.offer.price),
        old_price: item.offer.old_price.map(money),
        currency: item.offer.price.currency().to_string(),
        in_stock: item.offer.in_stock(),
        store_id: item.store.id.to_string(),
        store_name: item.store.name.clone(),
        photo_url: item.product.photo_url.clone(),
    }
}

#[tool_router]
impl MerchantMcp {
    /// Search the catalog.
    #[tool(
        name = "search_products",
        description = "Find products the merchant sells near the shopper, best match first, with price and stock. \
                       Give the shopper's location (latitude, longitude) or a store_id. \
                       Ищет товары магазина рядом с покупателем: лучшие совпадения первыми, с ценой и наличием. \
                       Укажите координаты покупателя или store_id.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn search_products(
        &self,
        Parameters(input): Parameters<SearchProducts>,
    ) -> Result<Json<Products>, String> {
        let query = text(&input.query, "query")?;
        let limit = input.limit.unwrap_or(10);
        if !(1..=50).contains(&limit) {
            return Err("limit must be from 1 to 50".into());
        }
        let store = input.store_id.as_deref().map(store).transpose()?;
        let point = match (input.latitude, input.longitude, &store) {
            (Some(lat), Some(lon), _) => point(lat, lon)?,
            // A store alone: its own location does not matter for the search.
            (None, None, Some(_)) => point(0.0, 0.0)?,
            _ => return Err("give the shopper's latitude and longitude, or a store_id".into()),
        };
        let wanted =
            catalog::SearchQuery { point, text: query.to_owned(), max_results: i64::from(limit), store };
        let found = catalog::search(
            self.state.catalog.as_ref(),
            self.state.index.as_ref(),
            self.state.reach,
            &wanted,
        )
        .await
        .map_err(|e| catalog_error(&e))?;
        Ok(Json(Products { products: found.iter().map(product_out).collect() }))
    }

    #[tool(
        name = "get_products",
        description = "Current price and stock of products by id, in one store or each product's best offer. \
                       Use before ordering to confirm what the shopper chose. \
                       Текущие цена и наличие товаров по id — в одном магазине или лучшее предложение.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn get_products(
        &self,
        Parameters(input): Parameters<GetProducts>,
    ) -> Result<Json<Products>, String> {
        if input.skus.is_empty() || input.skus.len() > catalog::MAX_SKUS {
            return Err(format!("skus must hold 1 to {} ids", catalog::MAX_SKUS));
        }
        let skus = input.skus.iter().map(|s| sku(s)).collect::<Result<Vec<_>, _>>()?;
        let store = input.store_id.as_deref().map(store).transpose()?;
        // The seed's /actualize answers an unknown store with no items; an
        // agent is better told it named a store that is not there.
        if let Some(id) = &store
            && self.state.catalog.store(id).await.map_err(|e| storage_error(&e))?.is_none()
        {
            return Err(format!("unknown store {id}"));
        }
        let found = catalog::actualize(self.state.catalog.as_ref(), &catalog::ActualizeQuery { skus, store })
            .await
            .map_err(|e| catalog_error(&e))?;
        Ok(Json(Products { products: found.iter().map(product_out).collect() }))
    }

    #[tool(
        name = "delivery_options",
        description = "The store that can serve these items and its free slots with prices: for delivery give the \
                       address's latitude and longitude (and the address text); for pickup give pickup_store_id. \
                       Магазин, который соберёт эти товары, и свободные слоты с ценой доставки и суммой заказа.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn delivery_options(
        &self,
        Parameters(input): Parameters<DeliveryOptionsInput>,
    ) -> Result<Json<DeliveryOptionsOut>, String> {
        let requested = items(&input.items)?;
        let (destination, shipping) =
            match (input.pickup_store_id.as_deref(), input.latitude, input.longitude) {
                (Some(id), _, _) => (Destination::Pickup { store: store(id)? }, Shipping::Pickup),
                (None, Some(lat), Some(lon)) => {
                    let address = input.address.as_deref().map(|a| text(a, "address")).transpose()?;
                    (
                        Destination::Delivery {
                            point: point(lat, lon)?,
                            address: address.map(str::to_owned),
                        },
                        Shipping::Delivery,
                    )
                }
                _ => {
                    return Err(
                        "give the delivery address's latitude and longitude, or a pickup_store_id".into()
                    );
                }
            };
        let options = self
            .state
            .ordering
            .delivery_options(&destination, &requested)
            .await
            .map_err(|e| order_error(&e))?;
        let currency =
            options.options.first().map(|o| o.order_price.currency().to_string()).unwrap_or_default();
        Ok(Json(DeliveryOptionsOut {
            store_id: options.store.id.to_string(),
            store_name: options.store.name.clone(),
            store_address: options.store.address.clone(),
            shipping,
            currency,
            slots: options
                .options
                .iter()
                .map(|o| SlotOut {
                    slot_start: o.slot.starts_at.with_timezone(&options.zone).to_rfc3339(),
                    slot_end: o.slot.ends_at.with_timezone(&options.zone).to_rfc3339(),
                    delivery_price: money(o.delivery_price),
                    order_price: money(o.order_price),
                })
                .collect(),
        }))
    }

    #[tool(
        name = "place_order",
        description = "Place the order in the chosen store and slot for the signed-in shopper; it holds the goods \
                       until paid (see pay_before). Call payment_link next. The same idempotency_key again returns \
                       the same order. Оформляет заказ на выбранный слот; товар резервируется до оплаты.",
        annotations(destructive_hint = false, idempotent_hint = true, open_world_hint = false)
    )]
    async fn place_order(
        &self,
        Parameters(input): Parameters<PlaceOrder>,
        extensions: rmcp::model::Extensions,
    ) -> Result<Json<OrderOut>, String> {
        let user = self.shopper(&extensions).await?;
        let key = text(&input.idempotency_key, "idempotency_key")?;
        let requested = items(&input.items)?;
        let store_id = store(&input.store_id)?;
        let address = match input.shipping {
            Shipping::Pickup => None,
            Shipping::Delivery => {
                let (Some(lat), Some(lon)) = (input.latitude, input.longitude) else {
                    return Err("delivery needs the address's latitude and longitude".into());
                };
                let text = input.address.as_deref().map(|a| text(a, "address")).transpose()?;
                Some((point(lat, lon)?, text.map(str::to_owned)))
            }
        };
        let slot = Slot {
            starts_at: instant(&input.slot_start, "slot_start")?,
            ends_at: instant(&input.slot_end, "slot_end")?,
        };
        let expected = input
            .expected_total
            .as_deref()
            .map(|t| {
                Decimal::from_str(t.trim())
                    .ok()
                    .and_then(|d| Money::from_decimal_exact(d, domain::Currency::Rub).ok())
                    .ok_or_else(|| format!("expected_total {t:?} is not an amount"))
            })
            .transpose()?;
        let digest = format!(
            "mcp-server:{}:{:?}:{}:{}:{:?}",
            input.store_id,
            input.shipping,
            input.slot_start,
            input.slot_end,
            input.items.iter().map(|i| (&i.sku, i.quantity.to_string())).collect::<Vec<_>>()
        );
        let request = CheckoutRequest {
            store: store_id,
            shipping: match input.shipping {
                Shipping::Delivery => ShippingMethod::Delivery,
                Shipping::Pickup => ShippingMethod::Pickup,
            },
            address,
            items: requested,
            slot,
            delivery_price: None,
            order_price: expected,
            request_id: format!("mcp-server:{key}"),
            request_digest: digest,
        };
        let order = self.state.ordering.checkout(&user, request).await.map_err(|e| order_error(&e))?;
        tracing::info!(order = %order.id, user = %user, "merchant-mcp: order placed");
        Ok(Json(order_out(&order, None)))
    }

    #[tool(
        name = "payment_link",
        description = "A link where the shopper pays the order (card, SberPay, SBP as the merchant's bank offers). \
                       Give the link to the shopper, then check order_status. Ссылка на оплату заказа для покупателя.",
        annotations(destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn payment_link(
        &self,
        Parameters(input): Parameters<PaymentLinkInput>,
        extensions: rmcp::model::Extensions,
    ) -> Result<Json<PaymentLinkOut>, String> {
        let user = self.shopper(&extensions).await?;
        let id = order_id(&input.order_id)?;
        let Some(payments) = &self.state.payments else {
            return Err("payments are not set up on this server".into());
        };
        let back = match input.return_url.as_deref() {
            Some(url) => text(url, "return_url")?.to_owned(),
            None => self.absolute("/paid", &extensions),
        };
        if !(back.starts_with("https://") || back.starts_with("http://")) {
            return Err("return_url must be an http(s) URL".into());
        }
        let method = match input.method.unwrap_or(PayBy::Page) {
            PayBy::Page => payments::PaymentMethod::Page,
            PayBy::Sbp => payments::PaymentMethod::Sbp,
            PayBy::Sberpay => payments::PaymentMethod::SberPay,
        };
        let payment = payments.init(&user, &id, &back, method).await.map_err(|e| payment_error(&e))?;
        // For SBP the link is the QR's payload, which a phone opens in its bank's app.
        let link = match method {
            payments::PaymentMethod::Sbp => payment.details["sbp"]["payload"].as_str(),
            _ => payment.confirmation_url.as_deref(),
        };
        let url = link.map(|u| self.absolute(u, &extensions));
        Ok(Json(PaymentLinkOut {
            payment_id: payment.id.clone(),
            url: url.ok_or("the bank gave no payment page for this payment")?,
            amount: money(payment.amount),
            currency: payment.amount.currency().to_string(),
            status: payment.status.as_str().into(),
        }))
    }

    #[tool(
        name = "order_status",
        description = "Where the shopper's order is: its status, lines, totals, slot and payment. \
                       Статус заказа покупателя, состав, суммы, слот и оплата.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn order_status(
        &self,
        Parameters(input): Parameters<OrderRef>,
        extensions: rmcp::model::Extensions,
    ) -> Result<Json<OrderOut>, String> {
        let user = self.shopper(&extensions).await?;
        let id = order_id(&input.order_id)?;
        let order = self.state.ordering.order_for(Some(&user), &id).await.map_err(|e| order_error(&e))?;
        Ok(Json(order_out(&order, self.payment_state(&id).await)))
    }

    #[tool(
        name = "cancel_order",
        description = "Cancel the shopper's order while it allows it (not once it left the store); a paid order \
                       is refunded. Отменяет заказ, пока это возможно; оплаченный заказ возвращается.",
        annotations(destructive_hint = true, idempotent_hint = false, open_world_hint = false)
    )]
    async fn cancel_order(
        &self,
        Parameters(input): Parameters<OrderRef>,
        extensions: rmcp::model::Extensions,
    ) -> Result<Json<OrderOut>, String> {
        let user = self.shopper(&extensions).await?;
        let id = order_id(&input.order_id)?;
        let order = self.state.ordering.cancel_for(&user, &id).await.map_err(|e| order_error(&e))?;
        tracing::info!(order = %order.id, user = %user, "merchant-mcp: order cancelled by the shopper");
        Ok(Json(order_out(&order, self.payment_state(&id).await)))
    }

    #[tool(
        name = "sign_in",
        description = "Sign the shopper in for this session with a token of SberID or of the merchant's identity \
                       service (in the demo: a sandbox token such as \"sandbox:anna\"). Needed before place_order. \
                       Вход покупателя на время сессии по токену SberID или сервиса магазина.",
        annotations(destructive_hint = false, idempotent_hint = true, open_world_hint = true)
    )]
    async fn sign_in(&self, Parameters(input): Parameters<SignIn>) -> Result<Json<SignedIn>, String> {
        let token = text(&input.token, "token")?;
        let (kind, provider) = match input.provider {
            SignInProvider::Sberid => (Provider::SberId, self.state.sberid.as_deref()),
            SignInProvider::MerchantToken => (Provider::MerchantToken, self.state.merchant_token.as_deref()),
        };
        let provider = provider.ok_or("this identity service is not set up on this server")?;
        let secret = secrecy::SecretString::from(token.to_owned());
        let login =
            self.state.authenticator.login(kind, provider, &secret).await.map_err(|e| auth_error(&e))?;
        self.shopper.set(login.user_id.clone());
        Ok(Json(SignedIn { user_id: login.user_id.to_string(), user_status: login.status.as_str().into() }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(sku: &str, quantity: f64) -> Item {
        Item { sku: sku.into(), quantity }
    }

    #[test]
    fn items_a_model_may_send_and_what_is_refused() {
        for (given, taken) in [
            (vec![item("MILK", 2.0)], true),
            (vec![item("CHEESE", 0.35)], true),
            (vec![item("MILK", 0.0)], false),
            (vec![item("MILK", -1.0)], false),
            (vec![item("MILK", f64::NAN)], false),
            (vec![item("MILK", f64::INFINITY)], false),
            (vec![item(" ", 1.0)], false),
            (vec![item(&"x".repeat(200), 1.0)], false),
            (vec![], false),
            ((0..=orders::MAX_LINES).map(|_| item("MILK", 1.0)).collect(), false),
            ((0..orders::MAX_LINES).map(|_| item("MILK", 1.0)).collect(), true),
        ] {
            assert_eq!(items(&given).is_ok(), taken, "{} items, first {:?}", given.len(), given.first());
        }
        assert_eq!(items(&[item("CHEESE", 0.35)]).unwrap()[0].quantity.to_string(), "0.35");
    }

    #[test]
    fn texts_times_and_places() {
        assert!(text("  молоко ", "query").is_ok_and(|t| t == "молоко"));
        assert!(text("   ", "query").unwrap_err().contains("empty"));
        assert!(text(&"я".repeat(MAX_TEXT + 1), "query").unwrap_err().contains("longer"));
        assert!(text(&"я".repeat(MAX_TEXT), "query").is_ok(), "characters, not bytes");
        let start = instant("2026-12-01T10:00:00+03:00", "slot_start").unwrap();
        assert_eq!(start.to_rfc3339(), "2026-12-01T07:00:00+00:00");
        assert!(instant("tomorrow at ten", "slot_start").unwrap_err().contains("RFC 3339"));
        assert!(point(55.75, 37.61).is_ok());
        assert!(point(95.0, 37.61).is_err());
        assert!(point(f64::NAN, 0.0).is_err());
        assert!(order_id("").is_err());
    }

    #[test]
    fn a_model_is_told_to_try_again_only_when_it_can_help() {
        use domain::RepoError;
        let cases = [
            (RepoError::Unavailable("pool timed out".into()), true),
            (
                RepoError::Corrupt { row: "orders ord_1 (orders.status)".into(), detail: "bogus".into() },
                false,
            ),
            (RepoError::Failed("not null".into()), false),
            (RepoError::Conflict("duplicate".into()), false),
        ];
        for (e, retry) in cases {
            let told = storage_error(&e);
            assert_eq!(told.contains("try again"), retry, "{e}: {told}");
            assert!(!told.contains("bogus") && !told.contains("pool"), "no database words: {told}");
        }
    }
}
