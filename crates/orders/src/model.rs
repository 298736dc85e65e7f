//! The order aggregate.

use catalog::stock::StockQty;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use domain::{Decimal, GeoPoint, Money, OrderId, SkuId, StoreId, Unit, UserId};

use crate::status::OrderStatus;

/// The seed's `ShippingMethods`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShippingMethod {
    Delivery,
    Pickup,
}

impl ShippingMethod {
    pub const fn as_str(self) -> &'static str {
        match self {
            ShippingMethod::Delivery => "delivery",
            ShippingMethod::Pickup => "pickup",
        }
    }
}

impl fmt::Display for ShippingMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ShippingMethod {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "delivery" => Ok(ShippingMethod::Delivery),
            "pickup" => Ok(ShippingMethod::Pickup),
            _ => Err(format!("unknown shipping method {s:?}")),
        }
    }
}

/// How the goods reach the shopper.
#[derive(Clone, PartialEq)]
pub enum Shipping {
    Delivery { point: GeoPoint, address: Option<String> },
    Pickup,
}

/// The shopper's point and address are theirs: never in `{:?}`.
impl std::fmt::Debug for Shipping {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Shipping::Delivery { address, .. } => f
                .debug_struct("Delivery")
                .field("point", &domain::personal::Hidden)
                .field("address", &domain::personal::Redacted(address))
                .finish(),
            Shipping::Pickup => f.write_str("Pickup"),
        }
    }
}

impl Shipping {
    pub fn method(&self) -> ShippingMethod {
        match self {
            Shipping::Delivery { .. } => ShippingMethod::Delivery,
            Shipping::Pickup => ShippingMethod::Pickup,
        }
    }
}

/// A delivery or pickup window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    Mcp,
}

impl Channel {
    pub const fn as_str(self) -> &'static str {
        match self {
            Channel::Mcp => "mcp",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct OrderLine {
    pub sku: SkuId,
    pub name: String,
    pub unit: Unit,
    /// In `unit`; whole for pieces.
    pub quantity: Decimal,
    pub unit_price: Money,
    pub discount: Money,
    /// `unit_price × quantity − discount`, rounded half-even to the minor unit.
    pub total: Money,
    /// What this line holds of the offer's stock: the quantity ordered, to
    /// the gram for weighted goods.
    pub held: StockQty,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Order {
    pub id: OrderId,
    pub channel: Channel,
    pub user: UserId,
    pub store: StoreId,
    pub shipping: Shipping,
    pub slot: Slot,
    pub lines: Vec<OrderLine>,
    pub items_total: Money,
    pub delivery_price: Money,
    pub total: Money,
    pub status: OrderStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// An unpaid order is cancelled and its stock released after this.
    pub expires_at: Option<DateTime<Utc>>,
    /// The `rqUid` of the checkout that created it, and a digest of that
    /// request's body: a retry with the same `rqUid` gets this order back.
    pub request_id: String,
    pub request_digest: String,
}

/// A new order id: 128 random bits, so ids are not guessable.
pub fn new_order_id() -> Result<OrderId, String> {
    let mut bytes = [0_u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness for an order id: {e}"))?;
    OrderId::new(format!("ord_{}", domain::hex(&bytes))).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_ids_are_long_random_and_distinct() {
        let (a, b) = (new_order_id().unwrap(), new_order_id().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 4 + 32);
        assert!(a.as_str().starts_with("ord_"));
    }
}
