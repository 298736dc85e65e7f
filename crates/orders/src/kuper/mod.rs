//! Kuper orders: the inbox that holds every acknowledged webhook and applies
//! it to its order in the same transaction, and the flow of each
//! integration type ([`flow`]).

pub mod flow;

use async_trait::async_trait;
use catalog::stock::StockQty;
use chrono::{DateTime, Utc};
use domain::{Decimal, OrderId};

use crate::ports::RepoError;

/// What `order.created` asks for: the store as Kuper names it and each
/// position's SKU and quantity.
#[derive(Clone, Debug, PartialEq)]
pub struct NewKuperOrder {
    pub store: String,
    pub lines: Vec<(String, Decimal)>,
}

/// A webhook worth keeping, as the listener hands it over.
#[derive(Clone, Debug, PartialEq)]
pub struct ReceivedEvent {
    /// Stable across Kuper's retries: the inbox deduplicates on it.
    pub key: String,
    pub event_type: String,
    pub original_order_id: String,
    /// The body as received (canonical JSON).
    pub body: String,
    pub received_at: DateTime<Utc>,
    /// For `order.created`.
    pub new_order: Option<NewKuperOrder>,
}

/// What the listener answers Kuper.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// `order.created`: `{"status": "created", "number": …}`, the same
    /// number for every delivery of the same Kuper order, with the time the
    /// store expects to have it assembled when it says.
    Created { number: OrderId, expected_assembly_time: Option<String> },
    /// Any other event: stored.
    Stored,
    /// An event about an order we never had: stored for inspection, 404.
    UnknownOrder,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The event was in the inbox already; the reply is the first one's.
    pub duplicate: bool,
    pub reply: Reply,
}

/// The durable inbox: an event is committed before Kuper hears a 2xx.
#[async_trait]
pub trait KuperInbox: Send + Sync + std::fmt::Debug {
    /// Stores `event` once (deduplicated on its key), applies it to its
    /// order by the flow (or records why not), and returns the reply to
    /// give, all in one transaction. `order.created` creates the order and
    /// reserves its stock, or, when the order cannot be taken, creates it
    /// canceled with an `order.canceled` in the outbox.
    async fn receive(&self, event: &ReceivedEvent) -> Result<Receipt, RepoError>;
}

/// A Kuper order as staff and tests see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KuperOrderView {
    pub order_id: String,
    pub original_order_id: String,
    pub status: flow::KuperStatus,
    pub paid: bool,
    /// Per line: SKU and what it holds of the offer's stock (zero once
    /// released or sold).
    pub held: Vec<(String, StockQty)>,
    /// Notifications waiting for the dispatcher, oldest first.
    pub outbox: Vec<String>,
}

/// Why a staff action did not happen.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ActError {
    #[error("no Kuper order with this id")]
    UnknownOrder,
    #[error(transparent)]
    Illegal(#[from] flow::IllegalAction),
    /// The final composition names a position the order does not have.
    #[error("{0}")]
    Composition(String),
}

/// Staff actions on Kuper orders, for the operator API and the CLI.
#[async_trait]
pub trait KuperStaff: Send + Sync + std::fmt::Debug {
    /// The flow decides; the notification (with `payload`) is queued in the
    /// same transaction as the change.
    async fn act(
        &self,
        original: &str,
        action: flow::StaffAction,
        payload: &serde_json::Value,
        at: DateTime<Utc>,
    ) -> Result<Result<flow::KuperStatus, ActError>, RepoError>;
    async fn order(&self, original: &str) -> Result<Option<KuperOrderView>, RepoError>;
}
