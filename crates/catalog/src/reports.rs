//! What staff check of the catalog: the latest imports and stock batches
//! from the merchant's systems, when each store last reported stock, and
//! one product's stock figures in every store.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::RepoError;
use crate::stock::{BatchReport, OfferStockView};

/// One catalog import as staff see it.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportRecord {
    pub at: DateTime<Utc>,
    /// The file or URL it came from.
    pub source: String,
    /// `stores`, `yml` or `csv`.
    pub kind: String,
    /// `applied`, or `refused` (nothing changed).
    pub outcome: String,
    /// What it did: the counts, the units decided, the first rejected
    /// lines and how many there were; or `{"error": …}`.
    pub report: Value,
}

/// The records the console's catalog page reads.
#[async_trait]
pub trait CatalogReports: Send + Sync + std::fmt::Debug {
    /// The latest imports, newest first.
    async fn recent_imports(&self, limit: i64) -> Result<Vec<ImportRecord>, RepoError>;
    /// The latest stock batches with what each did, newest first.
    async fn recent_batches(&self, limit: i64) -> Result<Vec<(DateTime<Utc>, BatchReport)>, RepoError>;
    /// When each store last reported its stock, by store.
    async fn report_times(&self) -> Result<Vec<(String, DateTime<Utc>)>, RepoError>;
    /// The stock figures of `sku` in every store that sells it.
    async fn offers_of_sku(&self, sku: &str) -> Result<Vec<OfferStockView>, RepoError>;
}
