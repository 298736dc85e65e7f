//! The merchant's systems' side of the stock: batches of stock and price
//! updates (idempotent by batch id, one transaction each), our stock moves
//! read back from a cursor, and what staff and metrics ask of it.

use async_trait::async_trait;
use catalog::stock::{
    BatchReport, LedgerError, MoveCursor, OfferStockView, RefusedLine, StockLedger, StockMove, StockQty,
    StockUpdate, UpdateOutcome,
};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::schema::{offers, stock_batches, stock_moves, stock_report_times};
use crate::stock::{self, ReportLine, ReportOutcome};
use crate::{AnyConnection, Database, StorageError};

/// The stock ledger on the database; its statements are also callable on a
/// connection of one's own (`merchantctl`).
#[derive(Clone, Debug)]
pub struct DbStockLedger {
    db: Database,
}

/// Why a batch was not applied.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("batch {0} was applied before with other contents")]
    Conflict(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<diesel::result::Error> for BatchError {
    fn from(e: diesel::result::Error) -> Self {
        BatchError::Storage(e.into())
    }
}

type MoveRow = (i64, i64, String, String, String, i64, String, String, NaiveDateTime);

impl DbStockLedger {
    pub fn new(db: Database) -> Self {
        DbStockLedger { db }
    }

    /// Applies a batch in one transaction, or answers what it answered the
    /// first time when `batch_id` was applied with the same `digest`.
    /// `refused` are lines the caller already refused (bad figures), by
    /// index; `updates` the checked lines with their indices.
    pub fn apply_batch_on(
        conn: &mut AnyConnection,
        batch_id: &str,
        digest: &str,
        updates: &[(usize, StockUpdate)],
        refused: Vec<RefusedLine>,
        at: DateTime<Utc>,
    ) -> Result<BatchReport, BatchError> {
        conn.write_transaction(|c| {
            let seen: Option<(String, String)> = stock_batches::table
                .find(batch_id)
                .select((stock_batches::digest, stock_batches::report))
                .first(c)
                .optional()?;
            if let Some((seen_digest, report)) = seen {
                if seen_digest != digest {
                    return Err(BatchError::Conflict(batch_id.to_owned()));
                }
                return serde_json::from_str(&report).map_err(|e| {
                    BatchError::Storage(StorageError::Task(format!("stock_batches.report: {e}")))
                });
            }
            let lines: Vec<ReportLine> = updates
                .iter()
                .map(|(_, u)| ReportLine {
                    sku: u.sku.to_string(),
                    store_id: u.store.to_string(),
                    report: Some(u.report),
                    price_minor: u.price.map(domain::Money::minor),
                    old_price_minor: u.old_price.map(|o| o.map(domain::Money::minor)),
                })
                .collect();
            let outcomes = stock::report(c, &lines, at)?;
            let mut refused = refused;
            let mut applied = 0;
            for ((index, update), outcome) in updates.iter().zip(outcomes) {
                let outcome = match outcome {
                    ReportOutcome::Applied => UpdateOutcome::Applied,
                    ReportOutcome::UnknownOffer => UpdateOutcome::Refused(format!(
                        "no offer of SKU {} in store {} (a feed creates offers)",
                        update.sku, update.store
                    )),
                    ReportOutcome::Stale(stale) => UpdateOutcome::Refused(stale.to_string()),
                };
                match outcome {
                    UpdateOutcome::Applied => applied += 1,
                    UpdateOutcome::Refused(reason) => refused.push(RefusedLine {
                        line: *index,
                        sku: update.sku.to_string(),
                        store_id: update.store.to_string(),
                        reason,
                    }),
                }
            }
            refused.sort_by_key(|r| r.line);
            let report = BatchReport { batch_id: batch_id.to_owned(), applied, refused };
            let text = serde_json::to_string(&report).expect("a report serialises");
            diesel::insert_into(stock_batches::table)
                .values((
                    stock_batches::batch_id.eq(batch_id),
                    stock_batches::digest.eq(digest),
                    stock_batches::report.eq(&text),
                    stock_batches::received_at.eq(at.naive_utc()),
                ))
                .execute(c)?;
            Ok(report)
        })
        .map_err(|e| match e {
            // A concurrent first delivery of the same batch took the id.
            BatchError::Storage(e) if e.is_unique_violation() => BatchError::Conflict(batch_id.to_owned()),
            e => e,
        })
    }

    /// Up to `limit` of our moves after `after`, in the order they committed
    /// (a move whose transaction is still running, or older than one still
    /// running, waits: a reader never skips one).
    pub fn moves_since_on(
        conn: &mut AnyConnection,
        after: MoveCursor,
        limit: i64,
    ) -> Result<Vec<StockMove>, StorageError> {
        let horizon = horizon(conn)?;
        let rows: Vec<MoveRow> = stock_moves::table
            .filter(
                stock_moves::txn
                    .gt(after.txn)
                    .or(stock_moves::txn.eq(after.txn).and(stock_moves::id.gt(after.id))),
            )
            .filter(stock_moves::txn.lt(horizon))
            .order((stock_moves::txn, stock_moves::id))
            .limit(limit)
            .select((
                stock_moves::txn,
                stock_moves::id,
                stock_moves::sku,
                stock_moves::store_id,
                stock_moves::kind,
                stock_moves::quantity,
                stock_moves::channel,
                stock_moves::order_id,
                stock_moves::at,
            ))
            .load(conn)?;
        rows.into_iter()
            .map(|(txn, id, sku, store_id, kind, quantity, channel, order_id, at)| {
                Ok(StockMove {
                    cursor: MoveCursor { txn, id },
                    sku,
                    store_id,
                    kind: kind.parse().map_err(|e: String| {
                        diesel::result::Error::DeserializationError(format!("stock_moves.kind: {e}").into())
                    })?,
                    quantity: StockQty::from_thousandths(quantity),
                    channel,
                    order_id,
                    at: at.and_utc(),
                })
            })
            .collect()
    }

    /// Per store, what open orders hold of its shelves, in thousandths of a
    /// unit of sale (grams of a weighted product): a figure that only grows
    /// says orders are not being closed. Read at every metrics scrape, so it
    /// reads only the offers that hold something (a partial index).
    pub fn held_by_store(conn: &mut AnyConnection) -> Result<Vec<(String, i64)>, StorageError> {
        #[derive(diesel::QueryableByName)]
        struct Held {
            #[diesel(sql_type = diesel::sql_types::Text)]
            store_id: String,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            held: i64,
        }
        // SUM of a BIGINT is NUMERIC on PostgreSQL: cast back.
        let rows: Vec<Held> = diesel::sql_query(
            "SELECT s.id AS store_id, CAST(COALESCE(SUM(o.held), 0) AS BIGINT) AS held
             FROM stores s LEFT JOIN offers o ON o.store_id = s.id AND o.held > 0
             GROUP BY s.id ORDER BY s.id",
        )
        .load(conn)?;
        Ok(rows.into_iter().map(|r| (r.store_id, r.held)).collect())
    }

    /// When each store last heard from the merchant's systems (a feed or an
    /// update).
    pub fn report_times(conn: &mut AnyConnection) -> Result<Vec<(String, DateTime<Utc>)>, StorageError> {
        let rows: Vec<(String, NaiveDateTime)> = stock_report_times::table
            .order(stock_report_times::store_id)
            .select((stock_report_times::store_id, stock_report_times::reported_at))
            .load(conn)?;
        Ok(rows.into_iter().map(|(store, at)| (store, at.and_utc())).collect())
    }

    /// The stock figures of `sku` in every store that sells it.
    pub fn offers_of_sku(conn: &mut AnyConnection, sku: &str) -> Result<Vec<OfferStockView>, StorageError> {
        let rows: Vec<stock::StockRow> = offers::table
            .filter(offers::sku.eq(sku))
            .order(offers::store_id)
            .select(stock::StockRow::as_select())
            .load(conn)?;
        Ok(rows.into_iter().map(figures).collect())
    }

    /// The latest stock reports applied, newest first: (when, the report).
    pub fn recent_batches(
        conn: &mut AnyConnection,
        limit: i64,
    ) -> Result<Vec<(DateTime<Utc>, BatchReport)>, StorageError> {
        let rows: Vec<(NaiveDateTime, String)> = stock_batches::table
            .order(stock_batches::received_at.desc())
            .limit(limit)
            .select((stock_batches::received_at, stock_batches::report))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .filter_map(|(at, report)| Some((at.and_utc(), serde_json::from_str(&report).ok()?)))
            .collect())
    }

    /// The stock figures of a store's offers (of `sku` only, when given).
    pub fn offers(
        conn: &mut AnyConnection,
        store: &str,
        sku: Option<&str>,
        limit: i64,
    ) -> Result<Vec<OfferStockView>, StorageError> {
        let rows: Vec<stock::StockRow> = {
            let mut query = offers::table.filter(offers::store_id.eq(store)).into_boxed();
            if let Some(sku) = sku {
                query = query.filter(offers::sku.eq(sku));
            }
            query.order(offers::sku).limit(limit).select(stock::StockRow::as_select()).load(conn)?
        };
        Ok(rows.into_iter().map(figures).collect())
    }
}

fn figures(row: stock::StockRow) -> OfferStockView {
    let s = row.stock();
    OfferStockView {
        sku: row.sku,
        store_id: row.store_id,
        shelf: s.shelf.to_string(),
        as_of: s.as_of,
        held: s.held.to_string(),
        sold_after_report: s.sold_after.to_string(),
        available: s.available().to_string(),
    }
}

/// The stock feed's horizon: every position below it is final. PostgreSQL:
/// the oldest transaction still running (`pg_snapshot_xmin`); SQLite, whose
/// writers are serial and commit in position order: no limit.
pub(crate) fn horizon(conn: &mut AnyConnection) -> Result<i64, StorageError> {
    match conn {
        AnyConnection::Sqlite(_) => Ok(i64::MAX),
        AnyConnection::Postgres(c) => Ok(diesel::select(diesel::dsl::sql::<BigInt>(
            "pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
        ))
        .get_result(c)?),
    }
}

#[async_trait]
impl StockLedger for DbStockLedger {
    async fn apply_batch(
        &self,
        batch_id: &str,
        digest: &str,
        updates: Vec<(usize, StockUpdate)>,
        refused: Vec<RefusedLine>,
        at: DateTime<Utc>,
    ) -> Result<BatchReport, LedgerError> {
        let (batch_id, digest) = (batch_id.to_owned(), digest.to_owned());
        let outcome = self
            .db
            .run(move |conn| {
                Ok::<_, StorageError>(DbStockLedger::apply_batch_on(
                    conn, &batch_id, &digest, &updates, refused, at,
                ))
            })
            .await
            .map_err(|e| LedgerError::Unavailable(e.to_string()))?;
        outcome.map_err(|e| match e {
            BatchError::Conflict(id) => LedgerError::Conflict(id),
            BatchError::Storage(e) => LedgerError::Unavailable(e.to_string()),
        })
    }

    async fn moves_since(&self, after: MoveCursor, limit: i64) -> Result<Vec<StockMove>, LedgerError> {
        self.db
            .run(move |conn| DbStockLedger::moves_since_on(conn, after, limit))
            .await
            .map_err(|e| LedgerError::Unavailable(e.to_string()))
    }
}
