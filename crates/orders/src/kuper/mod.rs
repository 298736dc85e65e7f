//! Kuper orders: the inbox that holds every acknowledged webhook, and the
//! flow of each integration type ([`flow`]). (Applying inbox events to
//! orders comes next.)

pub mod flow;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::OrderId;

use crate::ports::RepoError;

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
}

/// What the listener answers Kuper.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// `order.created`: `{"status": "created", "number": …}`, the same
    /// number for every delivery of the same Kuper order.
    Created { number: OrderId },
    /// Any other event: stored.
    Stored,
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
    /// Stores `event` once (deduplicated on its key) and returns the reply
    /// to give; for `order.created` allocates our order number, once per
    /// Kuper order.
    async fn receive(&self, event: &ReceivedEvent) -> Result<Receipt, RepoError>;
}
