//! The stock batch's wire format (`POST /merchant/stock`, and the file
//! `merchantctl stock apply` reads): one reader for both, with its limits,
//! so neither borrows it from the other.

use chrono::{DateTime, Utc};
use domain::Decimal;
use serde::{Deserialize, Deserializer};
use sha2::{Digest, Sha256};

use super::{RawStockUpdate, RefusedLine, StockUpdate};

/// The largest batch body: a hundred thousand lines with room to spare.
pub const MAX_BATCH_BYTES: usize = 64 * 1024 * 1024;
/// The most lines in one batch.
pub const MAX_BATCH_LINES: usize = 200_000;
pub const MAX_BATCH_ID_LEN: usize = 128;

/// A batch of stock and price updates.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StockBatchRequest {
    /// The sender's id of this batch: sending it again answers the first
    /// answer and changes nothing.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 128))]
    pub batch_id: String,
    pub updates: Vec<StockUpdateLine>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StockUpdateLine {
    pub sku: String,
    pub store_id: String,
    /// On the shelf, in the offer's unit of sale (to three decimals).
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub stock: f64,
    /// When the shelf held that much (RFC 3339). An update older than the
    /// one applied changes nothing.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub as_of: String,
    /// New price in roubles; absent: unchanged.
    #[serde(default)]
    pub price: Option<f64>,
    /// Price before the discount; absent: unchanged; `null`: none.
    #[serde(default, deserialize_with = "present")]
    #[allow(clippy::option_option)] // absent: unchanged; null: no old price any more
    pub old_price: Option<Option<f64>>,
}

/// Tells a field sent as `null` (`Some(None)`) from one left out (`None`).
#[allow(clippy::option_option)] // the three states of a field that may be null
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<f64>>, D::Error> {
    Option::<f64>::deserialize(d).map(Some)
}

/// The decimal a JSON number says: its shortest round-trip spelling, so
/// `0.734` is exactly 0.734.
fn decimal(what: &str, n: f64) -> Result<Decimal, String> {
    if !n.is_finite() {
        return Err(format!("{what} must be a number"));
    }
    n.to_string().parse::<Decimal>().map_err(|_| format!("{what} {n} is out of range"))
}

/// A batch read and checked, ready for [`StockLedger::apply_batch`].
#[derive(Debug)]
pub struct CheckedBatch {
    pub batch_id: String,
    /// Of the body's bytes: the same id with other contents is a conflict.
    pub digest: String,
    pub updates: Vec<(usize, StockUpdate)>,
    pub refused: Vec<RefusedLine>,
}

/// Reads a batch body (the API's, or `merchantctl stock apply`'s file):
/// `Err` when it is not a batch at all; lines with bad figures are refused
/// one by one.
pub fn read_batch(bytes: &[u8]) -> Result<CheckedBatch, String> {
    let batch: StockBatchRequest =
        serde_json::from_slice(bytes).map_err(|e| format!("invalid request body: {e}"))?;
    let id = batch.batch_id.trim();
    if id.is_empty() || id.len() > MAX_BATCH_ID_LEN || id.contains('\0') {
        return Err(format!("batchId must be 1 to {MAX_BATCH_ID_LEN} characters"));
    }
    if batch.updates.len() > MAX_BATCH_LINES {
        return Err(format!("a batch has at most {MAX_BATCH_LINES} updates"));
    }
    let (updates, refused) = check(&batch.updates);
    Ok(CheckedBatch {
        batch_id: id.to_owned(),
        digest: domain::hex(&Sha256::digest(bytes)),
        updates,
        refused,
    })
}

/// Checks a batch's lines: the good ones with their indices, and the refused.
fn check(updates: &[StockUpdateLine]) -> (Vec<(usize, StockUpdate)>, Vec<RefusedLine>) {
    let (mut good, mut refused) = (Vec::new(), Vec::new());
    for (i, line) in updates.iter().enumerate() {
        let raw = || -> Result<RawStockUpdate, String> {
            Ok(RawStockUpdate {
                sku: line.sku.clone(),
                store: line.store_id.clone(),
                stock: decimal("stock", line.stock)?,
                as_of: DateTime::parse_from_rfc3339(&line.as_of)
                    .map_err(|e| format!("asOf {:?} is not an RFC 3339 time: {e}", line.as_of))?
                    .with_timezone(&Utc),
                price: line.price.map(|p| decimal("price", p)).transpose()?,
                old_price: match line.old_price {
                    None => None,
                    Some(None) => Some(None),
                    Some(Some(p)) => Some(Some(decimal("oldPrice", p)?)),
                },
            })
        };
        match raw().and_then(|raw| StockUpdate::check(&raw)) {
            Ok(update) => good.push((i, update)),
            Err(reason) => refused.push(RefusedLine {
                line: i,
                sku: line.sku.clone(),
                store_id: line.store_id.clone(),
                reason,
            }),
        }
    }
    (good, refused)
}
