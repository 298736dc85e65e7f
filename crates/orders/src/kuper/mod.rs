//! Kuper orders. Every rule of them is a pure function here, and storage
//! carries out what they return:
//!
//! - [`flow`]: the flow of the three integration types, one table of
//!   (status × webhook) and (status × staff step) with their effects;
//! - [`intake`]: taking an `order.created` (store, products, holds, or a
//!   cancel with its reason);
//! - [`method`]: the flow an order takes, by its own `shipmentMethod`;
//! - [`picking`]: the final composition checked and the holds reconciled;
//! - [`update`]: `order.updated` applied or raised to staff;
//! - [`notice`]: the payloads of our notifications;
//! - [`details`]: what Kuper tells us, kept and shown;
//! - [`weight`]: what a weighed position's `weight` means.

pub mod details;
pub mod flow;
pub mod intake;
pub mod method;
pub mod notice;
pub mod picking;
pub mod scan;
pub mod states;
pub mod update;
pub mod weight;

use async_trait::async_trait;
use catalog::stock::StockQty;
use chrono::{DateTime, Utc};
use domain::{Decimal, OrderId};

use crate::ports::RepoError;

/// A position of `order.created` (or of an `order.updated`): Kuper's id, the
/// quantity, and the weight in grams when Kuper gives one.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NewLine {
    pub position_id: String,
    pub quantity: Decimal,
    pub weight_grams: Option<Decimal>,
}

/// What `order.created` asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct NewKuperOrder {
    /// The store as Kuper names it; `None` when it cannot be read.
    pub store: Option<String>,
    pub lines: Vec<NewLine>,
    pub details: details::KuperDetails,
    /// Why the order cannot be read (no store, no positions, …): it is
    /// created canceled with this reason.
    pub unreadable: Option<String>,
}

impl NewLine {
    /// `quantity` of the position `id`, without a weight.
    pub fn of(id: &str, quantity: Decimal) -> NewLine {
        NewLine { position_id: id.to_owned(), quantity, weight_grams: None }
    }
}

impl NewKuperOrder {
    /// A readable order of `store` with nothing but its lines.
    pub fn of(store: &str, lines: Vec<NewLine>) -> NewKuperOrder {
        NewKuperOrder {
            store: Some(store.to_owned()),
            lines,
            details: details::KuperDetails::default(),
            unreadable: None,
        }
    }
}

/// What an event other than `order.created` brings besides its type (kept
/// with an event that waits for its order).
#[derive(Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum EventNews {
    #[default]
    Nothing,
    /// `courier.assigned` / `courier.arrived`: Kuper's payload.
    Courier(serde_json::Value),
    /// `order.canceled`: Kuper's reason.
    Cancel {
        code: Option<String>,
        comment: Option<String>,
    },
    Update(Box<update::OrderUpdate>),
}

/// Debug names the news, never what the courier or the customer said.
impl std::fmt::Debug for EventNews {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use domain::personal::{Hidden, Redacted};
        match self {
            EventNews::Nothing => f.write_str("Nothing"),
            EventNews::Courier(_) => f.debug_tuple("Courier").field(&Hidden).finish(),
            EventNews::Cancel { code, comment } => {
                f.debug_struct("Cancel").field("code", code).field("comment", &Redacted(comment)).finish()
            }
            EventNews::Update(_) => f.debug_tuple("Update").field(&Hidden).finish(),
        }
    }
}

/// A webhook worth keeping, as the listener hands it over.
#[derive(Clone, PartialEq)]
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
    pub news: EventNews,
}

impl std::fmt::Debug for ReceivedEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceivedEvent")
            .field("key", &self.key)
            .field("event_type", &self.event_type)
            .field("original_order_id", &self.original_order_id)
            .field("body", &domain::personal::Hidden)
            .field("received_at", &self.received_at)
            .field("new_order", &self.new_order)
            .field("news", &self.news)
            .finish()
    }
}

/// What the listener answers Kuper.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// `order.created`: `{"status": "created", "number": …}`, the same
    /// number for every delivery of the same Kuper order, with the time the
    /// store expects to have it assembled when it says.
    Created { number: OrderId, expected_assembly_time: Option<String> },
    /// Any other event: stored (and applied, or kept until its order comes).
    Stored,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventOutcome {
    /// The event was in the inbox already; the reply is the first one's.
    pub duplicate: bool,
    pub reply: Reply,
}

/// Settings of the Kuper rules that are the merchant's to choose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KuperRules {
    /// How far a weighted line may exceed the ordered weight, in
    /// thousandths (100: 10 %).
    pub weight_tolerance_permille: u32,
    /// What Kuper's `weight` means: the line's grams or a piece's.
    pub weight_reading: weight::WeightReading,
}

impl Default for KuperRules {
    fn default() -> Self {
        KuperRules { weight_tolerance_permille: 100, weight_reading: weight::WeightReading::Line }
    }
}

/// The durable inbox: an event is committed before Kuper hears a 2xx.
#[async_trait]
pub trait KuperInbox: Send + Sync + std::fmt::Debug {
    /// Stores `event` once (deduplicated on its key), applies it to its
    /// order by the flow (or records why not), and returns the reply to
    /// give, all in one transaction. `order.created` creates the order and
    /// holds its stock, or, when the order cannot be taken, creates it
    /// canceled with an `order.canceled` in the outbox; events that came
    /// before it are applied with it.
    async fn receive(&self, event: &ReceivedEvent) -> Result<EventOutcome, RepoError>;
}

/// A line of a Kuper order as staff see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineView {
    pub position_id: String,
    /// Our SKU; `None`: a position we do not sell.
    pub sku: Option<String>,
    pub ordered: StockQty,
    pub weighted: bool,
    /// What it holds of the offer's stock (zero once released or sold).
    pub held: StockQty,
    /// Set by `ready_for_delivery`.
    pub picked: Option<StockQty>,
    /// For a replacement: the position it replaces.
    pub replaces: Option<String>,
}

/// A notification of the order and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoticeView {
    pub id: i64,
    pub kind: String,
    /// `pending` (on its way), `sent` (Kuper has it), `dead` (refused or
    /// given up: the order's later notifications wait for staff),
    /// `discarded`.
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
}

/// One entry of a Kuper order's history: an event Kuper sent us (and what
/// became of it) or a notification we sent (and Kuper's answer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    /// `in` (a webhook) or `out` (a notification).
    pub direction: &'static str,
    pub kind: String,
    /// In: `applied`, `recorded`, `waiting`, `raised`; out: the
    /// notification's state.
    pub outcome: String,
    /// Why it was recorded or raised; Kuper's last refusal.
    pub note: Option<String>,
}

/// A Kuper order as staff and tests see it.
#[derive(Clone, Debug, PartialEq)]
pub struct KuperOrderView {
    pub order_id: String,
    pub original_order_id: String,
    pub store_id: String,
    pub integration: flow::IntegrationType,
    pub restaurant: bool,
    /// Where our side of the flow is (every step taken, its notification
    /// queued).
    pub status: flow::KuperStatus,
    /// Where Kuper's side is: the last status it acknowledged.
    pub kuper_status: Option<flow::KuperStatus>,
    pub paid: bool,
    pub lines: Vec<LineView>,
    pub details: details::KuperDetails,
    pub notifications: Vec<NoticeView>,
    /// Every event in and notification out, oldest first.
    pub history: Vec<HistoryEntry>,
}

impl KuperOrderView {
    /// Notifications still on their way to Kuper.
    pub fn on_the_way(&self) -> Vec<&str> {
        self.notifications.iter().filter(|n| n.state == "pending").map(|n| n.kind.as_str()).collect()
    }
}

/// What staff ask for: a step of the flow with its notification's payload
/// and, for `ready_for_delivery`, the final composition.
#[derive(Clone, Debug, PartialEq)]
pub struct StaffRequest {
    pub action: flow::StaffAction,
    /// Checked by `kuper-client`; the order's ids are added when queued.
    pub payload: serde_json::Value,
    pub picking: Option<picking::Picking>,
}

impl StaffRequest {
    /// A step whose notification carries nothing but the order's ids.
    pub fn step(action: flow::StaffAction) -> StaffRequest {
        StaffRequest { action, payload: serde_json::json!({}), picking: None }
    }
}

/// Why a staff action did not happen.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ActError {
    #[error("no Kuper order with this id")]
    UnknownOrder,
    #[error(transparent)]
    Illegal(#[from] flow::IllegalAction),
    #[error(transparent)]
    Composition(#[from] picking::PickingError),
    /// `ready_for_delivery` without a final composition.
    #[error("ready_for_delivery needs the final composition")]
    NoComposition,
    /// A replacement (or weight over the order) the shelf cannot give, by
    /// our figures.
    #[error("not enough {sku} in the store: {wanted} wanted, {available} available")]
    NotAvailable { sku: String, wanted: StockQty, available: StockQty },
}

/// Something about a Kuper order that needs a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attention {
    pub original_order_id: String,
    /// `update` (an `order.updated` not applied), `dead_letter`, `orphan`
    /// (an event whose order never came).
    pub kind: String,
    pub note: String,
    pub at: DateTime<Utc>,
}

/// A notification to Kuper as staff see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: i64,
    pub order_id: String,
    /// Kuper's id of the order (`None` if the order is gone).
    pub original_order_id: Option<String>,
    pub kind: String,
    pub state: states::OutboxState,
    pub attempts: i32,
    pub last_error: Option<String>,
}

/// Staff actions on Kuper orders, for the console, the operator API and
/// the CLI.
#[async_trait]
pub trait KuperStaff: Send + Sync + std::fmt::Debug {
    /// The flow decides; the notification is queued in the same transaction
    /// as the change.
    async fn act(
        &self,
        original: &str,
        request: &StaffRequest,
        at: DateTime<Utc>,
    ) -> Result<Result<flow::KuperStatus, ActError>, RepoError>;
    async fn order(&self, original: &str) -> Result<Option<KuperOrderView>, RepoError>;
    /// What needs a person, oldest first.
    async fn attention(&self, limit: i64) -> Result<Vec<Attention>, RepoError>;
    /// Puts the dead notification `id` back in the queue; `false` when
    /// there is none.
    async fn retry_notification(&self, id: i64) -> Result<bool, RepoError>;
    /// Gives the dead notification `id` up for good, letting the order's
    /// later ones go; `false` when there is none.
    async fn discard_notification(&self, id: i64) -> Result<bool, RepoError>;
    /// Up to `limit` notifications in `state`, oldest first.
    async fn notifications(
        &self,
        state: states::OutboxState,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, RepoError>;
}
