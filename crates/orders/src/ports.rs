//! What the order use cases need from the outside: the order book's store.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{OrderId, SkuId, StoreId};

use crate::limits::HoldLimits;
use crate::model::{Order, ShippingMethod, Slot};
use crate::schedule::SlotSettings;
use crate::status::{Action, IllegalTransition, OrderStatus};

pub use domain::RepoError;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CreateError {
    #[error("not enough {sku} in stock")]
    OutOfStock { sku: SkuId },
    #[error("the slot is fully booked")]
    SlotFull,
    /// The shopper holds too much with unpaid orders already.
    #[error(transparent)]
    ShopperLimit(#[from] crate::limits::HoldLimitExceeded),
    /// Another order was created with the same request id first.
    #[error("request id already used")]
    DuplicateRequest,
    #[error(transparent)]
    Repo(#[from] RepoError),
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApplyError {
    #[error("unknown order")]
    NotFound,
    #[error(transparent)]
    Illegal(#[from] IllegalTransition),
    #[error(transparent)]
    Repo(#[from] RepoError),
}

/// One status change of an order, as its history keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderEvent {
    pub at: DateTime<Utc>,
    pub from: Option<String>,
    pub to: String,
    pub action: String,
}

/// An order's history, for staff.
#[async_trait]
pub trait OrderHistory: Send + Sync + std::fmt::Debug {
    /// Its status changes, oldest first.
    async fn events(&self, id: &OrderId) -> Result<Vec<OrderEvent>, RepoError>;
}

/// The order book's store of record.
#[async_trait]
pub trait OrderRepo: Send + Sync + std::fmt::Debug {
    /// Writes `order`, reserves the stock of its lines and books one place
    /// in its slot (of `capacity`), all in one transaction: on any error
    /// nothing is written.
    /// `limits` are checked against the shopper's unpaid orders in the
    /// same transaction ([`HoldLimits::admit`](crate::limits::HoldLimits::admit)),
    /// so concurrent checkouts of one shopper cannot pass them together.
    async fn create(&self, order: &Order, capacity: u32, limits: HoldLimits) -> Result<(), CreateError>;
    async fn get(&self, id: &OrderId) -> Result<Option<Order>, RepoError>;
    /// The order a checkout with this `rqUid` created.
    async fn by_request(&self, request_id: &str) -> Result<Option<Order>, RepoError>;
    /// Places booked in each of `slots` at `store` for `method`.
    async fn booked(
        &self,
        store: &StoreId,
        method: ShippingMethod,
        slots: &[Slot],
    ) -> Result<Vec<u32>, RepoError>;
    /// Moves the order by the state machine and carries out the effects
    /// (release or commit of stock, the slot's place) in one transaction.
    async fn apply(&self, id: &OrderId, action: Action, at: DateTime<Utc>) -> Result<Order, ApplyError>;
    /// Unpaid orders whose time ran out by `now`, oldest first.
    async fn expired(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<OrderId>, RepoError>;
    /// Newest first.
    async fn list(&self, status: Option<OrderStatus>, limit: i64) -> Result<Vec<Order>, RepoError>;
    /// The store's own slot grid for `method`, if it has one.
    async fn slot_settings(
        &self,
        store: &StoreId,
        method: ShippingMethod,
    ) -> Result<Option<SlotSettings>, RepoError>;
}
