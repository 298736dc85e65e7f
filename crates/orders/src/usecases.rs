//! `/delivery`, `/checkout`, order status, staff moves and expiry.
//!
//! Prices are never taken from the request: every line is re-priced from
//! the catalog, and a request that names a price we no longer charge is
//! refused with the SKU and both prices in the message.

use std::sync::Arc;

use catalog::stock::StockQty;
use catalog::{CatalogRepo, Offer, Product, Store};
use chrono::Duration;
use chrono_tz::Tz;
use domain::{Clock, Decimal, GeoPoint, Money, OrderId, Rounding, SkuId, StoreId, Unit, UserId};

use crate::model::{Channel, Order, OrderLine, Shipping, ShippingMethod, Slot, new_order_id};
use crate::ports::{ApplyError, CreateError, OrderRepo, RepoError};
use crate::schedule::{DeliveryPricing, OpeningHours, SlotSettings, slot_grid};
use crate::status::{Action, OrderStatus};

pub const MAX_LINES: usize = 100;
/// More of one item than anyone orders online: a typo, not an order.
const MAX_QUANTITY: i64 = 10_000;
/// Weighted goods are sold to the gram or millilitre of their unit.
const MAX_DECIMALS: u32 = 3;

#[derive(Clone, Debug)]
pub struct OrderSettings {
    pub delivery: SlotSettings,
    pub pickup: SlotSettings,
    pub pricing: DeliveryPricing,
    /// An order not paid within this is cancelled and its stock released.
    pub unpaid_ttl: Duration,
    /// What one shopper may hold with unpaid orders.
    pub hold_limits: crate::limits::HoldLimits,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OrderError {
    #[error("items must hold 1 to {MAX_LINES} lines")]
    ItemCount,
    #[error("item {0} appears twice")]
    DuplicateItem(SkuId),
    #[error("unknown skuId {0}")]
    UnknownSku(SkuId),
    #[error("{sku} is not available for {method} at store {store}")]
    Unavailable { sku: SkuId, store: StoreId, method: ShippingMethod },
    #[error("{sku} is sold in {expected}, not {got}")]
    UnitMismatch { sku: SkuId, expected: Unit, got: Unit },
    #[error("quantity {quantity} of {sku} is not allowed: {why}")]
    Quantity { sku: SkuId, quantity: Decimal, why: &'static str },
    #[error("the price of {sku} changed from {was} to {now}")]
    PriceChanged { sku: SkuId, was: Money, now: Money },
    #[error("the order price changed from {was} to {now}")]
    OrderPriceChanged { was: Money, now: Money },
    #[error("the delivery price changed from {was} to {now}")]
    DeliveryPriceChanged { was: Money, now: Money },
    #[error("not enough {sku} in stock at store {store}")]
    OutOfStock { sku: SkuId, store: StoreId },
    #[error("unknown storeId {0}")]
    UnknownStore(StoreId),
    #[error("store {0} has no pickup")]
    NoPickup(StoreId),
    #[error("store {0} does not deliver to this address")]
    NotDeliveredThere(StoreId),
    #[error("no store delivers to this address")]
    OutsideEveryZone,
    #[error("no store delivering to this address has every item")]
    NoStoreHasEverything,
    #[error("delivery needs the delivery address")]
    MissingAddress,
    #[error("the slot {0} is not one we offer; ask /delivery for the current ones")]
    SlotNotOffered(String),
    #[error("the slot {0} is fully booked; ask /delivery for the current ones")]
    SlotFull(String),
    /// The shopper's unpaid orders hold too much already (a 409).
    #[error(transparent)]
    ShopperLimit(#[from] crate::limits::HoldLimitExceeded),
    #[error("prices in one order must share a currency")]
    MixedCurrencies,
    #[error("unknown order")]
    NotFound,
    #[error(transparent)]
    Illegal(#[from] crate::status::IllegalTransition),
    /// The order book or the catalog could not be read or written: try again.
    #[error("storage unavailable: {0}")]
    StorageDown(String),
    /// The store of record failed otherwise (a corrupt row, a broken
    /// constraint): not the caller's to retry.
    #[error(transparent)]
    Storage(RepoError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl OrderError {
    /// 400: the caller can fix the request.
    pub fn is_bad_input(&self) -> bool {
        !matches!(
            self,
            OrderError::NotFound
                | OrderError::Illegal(_)
                | OrderError::ShopperLimit(_)
                | OrderError::StorageDown(_)
                | OrderError::Storage(_)
                | OrderError::Internal(_)
        )
    }
}

impl From<RepoError> for OrderError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::Unavailable(detail) => OrderError::StorageDown(detail),
            other => OrderError::Storage(other),
        }
    }
}

impl From<ApplyError> for OrderError {
    fn from(e: ApplyError) -> Self {
        match e {
            ApplyError::NotFound => OrderError::NotFound,
            ApplyError::Illegal(e) => OrderError::Illegal(e),
            ApplyError::Repo(e) => e.into(),
        }
    }
}

/// One requested line.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemRequest {
    pub sku: SkuId,
    pub quantity: Decimal,
    pub unit: Option<Unit>,
    /// The unit price the shopper saw, if the request says.
    pub price: Option<Money>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Destination {
    Delivery { point: GeoPoint, address: Option<String> },
    Pickup { store: StoreId },
}

/// A slot we offer, priced.
#[derive(Clone, Debug, PartialEq)]
pub struct SlotOption {
    pub slot: Slot,
    pub delivery_price: Money,
    pub order_price: Money,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryOptions {
    pub store: Store,
    pub zone: Tz,
    pub options: Vec<SlotOption>,
}

#[derive(Clone, Debug)]
pub struct CheckoutRequest {
    pub store: StoreId,
    pub shipping: ShippingMethod,
    pub address: Option<(GeoPoint, Option<String>)>,
    pub items: Vec<ItemRequest>,
    pub slot: Slot,
    /// The delivery price and the order price the shopper was shown.
    pub delivery_price: Option<Money>,
    pub order_price: Option<Money>,
    /// The caller's `rqUid`.
    pub request_id: String,
    /// A digest of the request body.
    pub request_digest: String,
}

impl CheckoutRequest {
    /// What makes a checkout a retry of an earlier one: the same user, the
    /// same `rqUid` and the same body. The seed calls `rqUid` an
    /// end-to-end id for tracing a chain of operations, so a platform may
    /// reuse it along a chain: with another body (or from another user) it
    /// is a new checkout, never a refusal.
    pub fn retry_key(&self, user: &UserId) -> String {
        format!("{user} {} {}", self.request_id, self.request_digest)
    }
}

/// The order use cases over the catalog and the order book.
#[derive(Clone, Debug)]
pub struct Ordering {
    pub catalog: Arc<dyn CatalogRepo>,
    pub orders: Arc<dyn OrderRepo>,
    pub clock: Arc<dyn Clock>,
    pub settings: OrderSettings,
}

fn zone_of(store: &Store) -> Result<(OpeningHours, Tz), OrderError> {
    let hours = store
        .opening_hours
        .parse::<OpeningHours>()
        .map_err(|e| OrderError::Internal(format!("store {}: {e}", store.id)))?;
    let zone = store.time_zone.parse::<Tz>().map_err(|_| {
        OrderError::Internal(format!("store {}: unknown time zone {:?}", store.id, store.time_zone))
    })?;
    Ok((hours, zone))
}

fn check_quantity(sku: &SkuId, unit: Unit, quantity: Decimal) -> Result<(), OrderError> {
    let why = if quantity <= Decimal::ZERO {
        Some("it must be more than zero")
    } else if quantity > Decimal::from(MAX_QUANTITY) {
        Some("it is more than we sell in one order")
    } else if unit == Unit::Pcs && quantity.fract() != Decimal::ZERO {
        Some("pieces are sold whole")
    } else if quantity.normalize().scale() > MAX_DECIMALS {
        Some("weighted goods are sold to three decimals")
    } else {
        None
    };
    why.map_or(Ok(()), |why| Err(OrderError::Quantity { sku: sku.clone(), quantity, why }))
}

impl Ordering {
    /// The store's own grid for `method`, or the configured one.
    async fn slot_settings(
        &self,
        store: &StoreId,
        method: ShippingMethod,
    ) -> Result<SlotSettings, OrderError> {
        Ok(match self.orders.slot_settings(store, method).await? {
            Some(own) => own,
            None => match method {
                ShippingMethod::Delivery => self.settings.delivery.clone(),
                ShippingMethod::Pickup => self.settings.pickup.clone(),
            },
        })
    }

    async fn known_store(&self, id: &StoreId) -> Result<Store, OrderError> {
        self.catalog.store(id).await?.ok_or_else(|| OrderError::UnknownStore(id.clone()))
    }

    /// Prices `items` at `store` from the catalog and checks that each can
    /// be sold there by `method` in the quantity asked.
    async fn price_lines(
        &self,
        store: &StoreId,
        method: ShippingMethod,
        items: &[ItemRequest],
    ) -> Result<Vec<OrderLine>, OrderError> {
        if items.is_empty() || items.len() > MAX_LINES {
            return Err(OrderError::ItemCount);
        }
        for (i, item) in items.iter().enumerate() {
            if items[..i].iter().any(|other| other.sku == item.sku) {
                return Err(OrderError::DuplicateItem(item.sku.clone()));
            }
        }
        let skus: Vec<SkuId> = items.iter().map(|i| i.sku.clone()).collect();
        let products: Vec<Product> = self.catalog.products(&skus).await?;
        let offers: Vec<Offer> = self.catalog.offers(&skus, Some(std::slice::from_ref(store))).await?;
        let mut lines = Vec::with_capacity(items.len());
        for item in items {
            let sku = &item.sku;
            let product =
                products.iter().find(|p| &p.sku == sku).ok_or_else(|| OrderError::UnknownSku(sku.clone()))?;
            if let Some(unit) = item.unit.filter(|u| *u != product.unit) {
                return Err(OrderError::UnitMismatch { sku: sku.clone(), expected: product.unit, got: unit });
            }
            check_quantity(sku, product.unit, item.quantity)?;
            let offer = offers
                .iter()
                .find(|o| &o.sku == sku)
                .filter(|o| match method {
                    ShippingMethod::Delivery => o.delivery,
                    ShippingMethod::Pickup => o.pickup,
                })
                .ok_or_else(|| OrderError::Unavailable { sku: sku.clone(), store: store.clone(), method })?;
            // `check_quantity` keeps a quantity within what a stock amount
            // can say exactly.
            let held =
                StockQty::from_decimal(item.quantity).map_err(|e| OrderError::Internal(e.to_string()))?;
            // A first look at the whole units the offer shows (it may have up
            // to one more unit's fraction); the order store decides on the
            // record, to the gram.
            if Decimal::from(offer.stock) + Decimal::ONE <= item.quantity {
                return Err(OrderError::OutOfStock { sku: sku.clone(), store: store.clone() });
            }
            if let Some(seen) = item.price.filter(|p| *p != offer.price) {
                return Err(OrderError::PriceChanged { sku: sku.clone(), was: seen, now: offer.price });
            }
            let money = |e: domain::MoneyError| OrderError::Internal(e.to_string());
            let total = offer.price.checked_mul(item.quantity, Rounding::HalfEven).map_err(money)?;
            let discount = match offer.old_price.filter(|old| old.minor() > offer.price.minor()) {
                Some(old) => old
                    .checked_sub(offer.price)
                    .and_then(|d| d.checked_mul(item.quantity, Rounding::HalfEven))
                    .map_err(money)?,
                None => Money::zero(offer.price.currency()),
            };
            lines.push(OrderLine {
                sku: sku.clone(),
                name: product.name.clone(),
                unit: product.unit,
                quantity: item.quantity,
                unit_price: offer.price,
                discount,
                total,
                held,
            });
        }
        Ok(lines)
    }

    fn items_total(lines: &[OrderLine]) -> Result<Money, OrderError> {
        let currency = lines.first().map(|l| l.total.currency()).ok_or(OrderError::ItemCount)?;
        if lines.iter().any(|l| l.total.currency() != currency) {
            return Err(OrderError::MixedCurrencies);
        }
        Money::checked_sum(lines.iter().map(|l| l.total), currency)
            .map_err(|e| OrderError::Internal(e.to_string()))
    }

    fn delivery_price(
        &self,
        store: &Store,
        shipping: &Shipping,
        items_total: Money,
    ) -> Result<Money, OrderError> {
        match shipping {
            Shipping::Pickup => Ok(Money::zero(items_total.currency())),
            Shipping::Delivery { point, .. } => self
                .settings
                .pricing
                .price(items_total, store.location.distance_m(*point))
                .map_err(|e| OrderError::Internal(e.to_string())),
        }
    }

    /// Slots with a free place, earliest first.
    async fn open_slots(&self, store: &Store, method: ShippingMethod) -> Result<Vec<Slot>, OrderError> {
        let (hours, zone) = zone_of(store)?;
        let settings = self.slot_settings(&store.id, method).await?;
        let grid = slot_grid(&hours, zone, &settings, self.clock.now());
        let booked = self.orders.booked(&store.id, method, &grid).await?;
        Ok(grid.into_iter().zip(booked).filter(|(_, n)| *n < settings.capacity).map(|(s, _)| s).collect())
    }

    /// The next slots and prices for `items`: for pickup at the store asked
    /// for, for delivery from the nearest store that delivers to the point
    /// and has every item.
    pub async fn delivery_options(
        &self,
        destination: &Destination,
        items: &[ItemRequest],
    ) -> Result<DeliveryOptions, OrderError> {
        let (store, shipping, lines) = match destination {
            Destination::Pickup { store } => {
                let store = self.known_store(store).await?;
                if !store.pickup {
                    return Err(OrderError::NoPickup(store.id));
                }
                let lines = self.price_lines(&store.id, ShippingMethod::Pickup, items).await?;
                (store, Shipping::Pickup, lines)
            }
            Destination::Delivery { point, address } => {
                let stores = self.catalog.stores().await?;
                let mut delivering: Vec<&Store> = stores.iter().filter(|s| s.delivers_to(*point)).collect();
                if delivering.is_empty() {
                    return Err(OrderError::OutsideEveryZone);
                }
                delivering
                    .sort_by(|a, b| a.location.distance_m(*point).total_cmp(&b.location.distance_m(*point)));
                let mut chosen = None;
                for store in delivering {
                    match self.price_lines(&store.id, ShippingMethod::Delivery, items).await {
                        Ok(lines) => {
                            chosen = Some((store.clone(), lines));
                            break;
                        }
                        Err(OrderError::Unavailable { .. } | OrderError::OutOfStock { .. }) => {}
                        Err(e) => return Err(e),
                    }
                }
                let (store, lines) = chosen.ok_or(OrderError::NoStoreHasEverything)?;
                (store, Shipping::Delivery { point: *point, address: address.clone() }, lines)
            }
        };
        let items_total = Self::items_total(&lines)?;
        let delivery_price = self.delivery_price(&store, &shipping, items_total)?;
        let order_price =
            items_total.checked_add(delivery_price).map_err(|e| OrderError::Internal(e.to_string()))?;
        let (_, zone) = zone_of(&store)?;
        let options = self
            .open_slots(&store, shipping.method())
            .await?
            .into_iter()
            .map(|slot| SlotOption { slot, delivery_price, order_price })
            .collect();
        Ok(DeliveryOptions { store, zone, options })
    }

    /// Creates the order, or returns the one this `rqUid` created before.
    pub async fn checkout(&self, user: &UserId, request: CheckoutRequest) -> Result<Order, OrderError> {
        if let Some(existing) = self.same_request(user, &request).await? {
            return Ok(existing);
        }
        let store = self.known_store(&request.store).await?;
        let shipping = match (request.shipping, &request.address) {
            (ShippingMethod::Pickup, _) if !store.pickup => return Err(OrderError::NoPickup(store.id)),
            (ShippingMethod::Pickup, _) => Shipping::Pickup,
            (ShippingMethod::Delivery, None) => return Err(OrderError::MissingAddress),
            (ShippingMethod::Delivery, Some((point, _))) if !store.delivers_to(*point) => {
                return Err(OrderError::NotDeliveredThere(store.id));
            }
            (ShippingMethod::Delivery, Some((point, address))) => {
                Shipping::Delivery { point: *point, address: address.clone() }
            }
        };
        let lines = self.price_lines(&store.id, request.shipping, &request.items).await?;
        let items_total = Self::items_total(&lines)?;
        let delivery_price = self.delivery_price(&store, &shipping, items_total)?;
        if let Some(seen) = request.delivery_price.filter(|p| *p != delivery_price) {
            return Err(OrderError::DeliveryPriceChanged { was: seen, now: delivery_price });
        }
        let (hours, zone) = zone_of(&store)?;
        let settings = self.slot_settings(&store.id, request.shipping).await?;
        let now = self.clock.now();
        let describe = |slot: &Slot| {
            format!(
                "{}..{}",
                slot.starts_at.with_timezone(&zone).to_rfc3339(),
                slot.ends_at.with_timezone(&zone).to_rfc3339()
            )
        };
        if !slot_grid(&hours, zone, &settings, now).contains(&request.slot) {
            return Err(OrderError::SlotNotOffered(describe(&request.slot)));
        }
        let total =
            items_total.checked_add(delivery_price).map_err(|e| OrderError::Internal(e.to_string()))?;
        if let Some(seen) = request.order_price.filter(|p| *p != total) {
            return Err(OrderError::OrderPriceChanged { was: seen, now: total });
        }
        let order = Order {
            id: new_order_id().map_err(OrderError::Internal)?,
            channel: Channel::Mcp,
            user: user.clone(),
            store: store.id.clone(),
            shipping,
            slot: request.slot,
            lines,
            items_total,
            delivery_price,
            total,
            status: OrderStatus::New,
            created_at: now,
            updated_at: now,
            expires_at: Some(now + self.settings.unpaid_ttl),
            request_id: request.retry_key(user),
            request_digest: request.request_digest.clone(),
        };
        match self.orders.create(&order, settings.capacity, self.settings.hold_limits).await {
            Ok(()) => Ok(order),
            Err(CreateError::OutOfStock { sku }) => Err(OrderError::OutOfStock { sku, store: store.id }),
            Err(CreateError::SlotFull) => Err(OrderError::SlotFull(describe(&request.slot))),
            Err(CreateError::ShopperLimit(why)) => Err(OrderError::ShopperLimit(why)),
            // A concurrent retry of the same checkout won the race.
            Err(CreateError::DuplicateRequest) => self
                .same_request(user, &request)
                .await?
                .ok_or_else(|| OrderError::Internal("a concurrent retry's order is not readable".into())),
            Err(CreateError::Repo(e)) => Err(e.into()),
        }
    }

    async fn same_request(
        &self,
        user: &UserId,
        request: &CheckoutRequest,
    ) -> Result<Option<Order>, OrderError> {
        Ok(self.orders.by_request(&request.retry_key(user)).await?)
    }

    /// The order as its owner may see it; another user's order is as
    /// unknown as a missing one.
    pub async fn order_for(&self, user: Option<&UserId>, id: &OrderId) -> Result<Order, OrderError> {
        match self.orders.get(id).await? {
            Some(order) if user.is_none_or(|u| &order.user == u) => Ok(order),
            _ => Err(OrderError::NotFound),
        }
    }

    /// A staff move.
    pub async fn advance(&self, id: &OrderId, action: Action) -> Result<Order, OrderError> {
        Ok(self.orders.apply(id, action, self.clock.now()).await?)
    }

    /// The shopper calls their order off ([`status::shopper_may_cancel`]);
    /// a paid one is refunded, its stock goes back on the shelf.
    pub async fn cancel_for(&self, user: &UserId, id: &OrderId) -> Result<Order, OrderError> {
        let order = self.order_for(Some(user), id).await?;
        if !crate::status::shopper_may_cancel(order.status) {
            return Err(OrderError::Illegal(crate::status::IllegalTransition {
                from: order.status,
                action: Action::Cancel,
                reason: Some("the goods have left the store; the store can still help"),
            }));
        }
        self.advance(id, Action::Cancel).await
    }

    /// Cancels every unpaid order whose time ran out, releasing its stock;
    /// returns how many. An order paid in the meantime is left alone.
    pub async fn expire_due(&self) -> Result<usize, OrderError> {
        const BATCH: i64 = 100;
        let mut expired = 0;
        loop {
            let due = self.orders.expired(self.clock.now(), BATCH).await?;
            let full = i64::try_from(due.len()).unwrap_or(i64::MAX) >= BATCH;
            for id in due {
                match self.orders.apply(&id, Action::Expire, self.clock.now()).await {
                    Ok(_) => expired += 1,
                    Err(ApplyError::Illegal(_) | ApplyError::NotFound) => {}
                    Err(ApplyError::Repo(e)) => return Err(e.into()),
                }
            }
            if !full {
                return Ok(expired);
            }
        }
    }
}

#[cfg(test)]
mod tests;
