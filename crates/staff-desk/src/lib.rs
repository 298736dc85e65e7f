//! The staff desk: what the merchant's people may see and do at the
//! console. Every decision about an account's reach is made here, with
//! the account's permissions (`identity::staff`), over the domain's ports;
//! the console only reads forms into requests and shows the answers.
//!
//! - Sessions: sign-in (the password checked where the hash is read, a
//!   throttled caller's against nothing), a session of
//!   [`identity::staff::SESSION_HOURS`], sign-out.
//! - The queue: both channels' orders, limited to a picker's stores in the
//!   query itself, what is due soon first, what is stuck for those who
//!   resolve it.
//! - An order of either channel: its page and the staff steps it allows,
//!   each step recorded in the audit trail.
//! - The outbox's dead letters (retry, discard) for those who resolve
//!   what is stuck; the catalog's reports, a picker's own stores only.

mod catalog_view;
mod kuper_orders;
mod mcp_orders;
mod pick_lists;
mod queue;
mod sessions;

use std::sync::Arc;

use catalog::CatalogRepo;
use catalog::reports::CatalogReports;
use domain::{Clock, RepoError};
use identity::staff::{AuditEntry, StaffAccount, StaffStore};
use orders::book::OrderBook;
use orders::kuper::KuperStaff;
use orders::{OrderError, OrderHistory, Ordering};
use payments::PaymentRepo;

pub use catalog_view::{CatalogOverview, ProductInStores};
pub use kuper_orders::{KuperOrderPage, Resolution};
pub use mcp_orders::{McpOrderPage, STAFF_ACTIONS, staff_steps};
pub use pick_lists::{MAX_DUE_MINUTES, PickList};
pub use queue::{Queue, live_filter};

/// Why the desk did not do or show what was asked.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("no such order or notification")]
    NotFound,
    /// Not this account's: another store's order, or a role without the
    /// permission.
    #[error("not permitted to this account")]
    Forbidden,
    /// The form names a step staff do not take.
    #[error("no such step «{0}»")]
    UnknownStep(String),
    /// The order's state does not allow the step now.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error(transparent)]
    Orders(OrderError),
}

impl DeskError {
    /// Whether waiting for the database may help (a 503 rather than a 500).
    pub fn is_unavailable(&self) -> bool {
        match self {
            DeskError::Repo(e) => e.is_unavailable(),
            DeskError::Orders(e) => matches!(e, OrderError::StorageDown(_)),
            _ => false,
        }
    }
}

impl From<OrderError> for DeskError {
    fn from(e: OrderError) -> Self {
        match e {
            OrderError::NotFound => DeskError::NotFound,
            OrderError::Illegal(illegal) => DeskError::Conflict(illegal.to_string()),
            other => DeskError::Orders(other),
        }
    }
}

/// What the desk works through.
#[derive(Clone, Debug)]
pub struct DeskPorts {
    pub staff: Arc<dyn StaffStore>,
    pub book: Arc<dyn OrderBook>,
    pub kuper: Arc<dyn KuperStaff>,
    pub history: Arc<dyn OrderHistory>,
    pub payments: Arc<dyn PaymentRepo>,
    pub reports: Arc<dyn CatalogReports>,
    pub catalog: Arc<dyn CatalogRepo>,
    /// MCP orders' state machine and its effects.
    pub ordering: Arc<Ordering>,
    pub clock: Arc<dyn Clock>,
}

/// The console's use cases.
#[derive(Clone, Debug)]
pub struct StaffDesk {
    ports: DeskPorts,
}

impl StaffDesk {
    pub fn new(ports: DeskPorts) -> Self {
        Self { ports }
    }

    /// An entry of the audit trail by `account`, now.
    fn entry(
        &self,
        account: &StaffAccount,
        action: &str,
        order_ref: Option<String>,
        detail: String,
    ) -> AuditEntry {
        AuditEntry {
            at: self.ports.clock.now(),
            login: account.login.clone(),
            action: action.into(),
            order_ref,
            detail,
        }
    }

    /// Records a step already taken: the step stands even if its record
    /// cannot be written, so a failure here is logged by the caller, not
    /// undone.
    async fn record(&self, entry: AuditEntry) -> Result<(), RepoError> {
        self.ports.staff.audit(&entry).await
    }
}
