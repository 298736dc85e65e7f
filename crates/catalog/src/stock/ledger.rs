//! The stock ledger as the merchant's systems use it: batches of stock and
//! price updates in, our stock moves out. [`StockLedger`] is the port;
//! storage implements it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::StockUpdate;

/// What a batch did, line by line where it refused one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchReport {
    pub batch_id: String,
    pub applied: usize,
    pub refused: Vec<RefusedLine>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefusedLine {
    /// Index of the line in the batch, from 0.
    pub line: usize,
    pub sku: String,
    pub store_id: String,
    pub reason: String,
}

/// Why a batch was not applied, or moves could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("batch {0} was applied before with other contents")]
    Conflict(String),
    #[error("the stock ledger is unavailable: {0}")]
    Unavailable(String),
}

/// Where a reader of our moves stands: past every move of an earlier
/// transaction and, within `txn`, past move `id`. Written `txn.id`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct MoveCursor {
    pub txn: i64,
    pub id: i64,
}

impl std::fmt::Display for MoveCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.txn, self.id)
    }
}

impl std::str::FromStr for MoveCursor {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("cursor {s:?} is not one we gave (expected TXN.ID, or 0 to start)");
        if s == "0" || s.is_empty() {
            return Ok(MoveCursor::default());
        }
        let (txn, id) = s.split_once('.').ok_or_else(bad)?;
        Ok(MoveCursor { txn: txn.parse().map_err(|_| bad())?, id: id.parse().map_err(|_| bad())? })
    }
}

/// One of our stock moves, as the merchant's systems read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StockMove {
    /// Where a reader that has booked this move continues from.
    pub cursor: MoveCursor,
    pub sku: String,
    pub store_id: String,
    pub kind: super::MoveKind,
    /// In the offer's unit of sale (to the gram for weighted goods).
    pub quantity: super::StockQty,
    /// `mcp` or `kuper`.
    pub channel: String,
    pub order_id: String,
    pub at: DateTime<Utc>,
}

/// An offer's stock figures, for staff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfferStockView {
    pub sku: String,
    pub store_id: String,
    pub shelf: String,
    pub as_of: Option<DateTime<Utc>>,
    pub held: String,
    pub sold_after_report: String,
    pub available: String,
}

/// The port.
#[async_trait]
pub trait StockLedger: Send + Sync + std::fmt::Debug {
    /// Applies a batch in one transaction, or answers what it answered the
    /// first time when `batch_id` was applied with the same `digest`.
    /// `refused` are lines the caller already refused (bad figures), by
    /// index; `updates` the checked lines with their indices.
    async fn apply_batch(
        &self,
        batch_id: &str,
        digest: &str,
        updates: Vec<(usize, StockUpdate)>,
        refused: Vec<RefusedLine>,
        at: DateTime<Utc>,
    ) -> Result<BatchReport, LedgerError>;

    /// Up to `limit` of our moves after `after`, in the order they committed.
    async fn moves_since(&self, after: MoveCursor, limit: i64) -> Result<Vec<StockMove>, LedgerError>;
}
