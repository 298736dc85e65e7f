//! The record of catalog imports: when, from where, what each did (or why
//! it changed nothing). Staff read it on the console beside the stock
//! reports; `merchantctl import` writes it.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::error::reported;
use crate::schema::catalog_imports;
use catalog::reports::{CatalogReports, ImportRecord};
use catalog::stock::{BatchReport, OfferStockView};
use domain::RepoError;

use crate::{AnyConnection, Database, DbStockLedger, ImportReport, StorageError};

/// Rejected lines kept with an import's record; the count is kept whole.
const REJECTS_KEPT: usize = 50;

impl ImportReport {
    /// What an import's record keeps of its report.
    pub fn summary(&self) -> Value {
        let c = &self.counts;
        let rejected: Vec<Value> = self
            .rejected
            .iter()
            .take(REJECTS_KEPT)
            .map(|r| json!({"line": r.line, "reason": r.reason}))
            .collect();
        json!({
            "stores": {"added": c.stores_added, "updated": c.stores_updated},
            "products": {"added": c.products_added, "updated": c.products_updated},
            "offers": {"added": c.offers_added, "updated": c.offers_updated, "removed": c.offers_removed},
            "units": self.units,
            "rejectedCount": self.rejected.len(),
            "rejected": rejected,
        })
    }
}

/// The record of catalog imports, and the console's [`CatalogReports`]
/// (imports here, stock batches and figures from the ledger).
#[derive(Clone, Debug)]
pub struct DbCatalogImports {
    db: Database,
}

impl DbCatalogImports {
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    pub fn record(conn: &mut AnyConnection, record: &ImportRecord) -> Result<(), StorageError> {
        diesel::insert_into(catalog_imports::table)
            .values((
                catalog_imports::at.eq(record.at.naive_utc()),
                catalog_imports::source.eq(&record.source),
                catalog_imports::kind.eq(&record.kind),
                catalog_imports::outcome.eq(&record.outcome),
                catalog_imports::report.eq(record.report.to_string()),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// The latest imports, newest first.
    pub fn recent(conn: &mut AnyConnection, limit: i64) -> Result<Vec<ImportRecord>, StorageError> {
        let rows: Vec<(NaiveDateTime, String, String, String, String)> = {
            catalog_imports::table
                .order((catalog_imports::at.desc(), catalog_imports::id.desc()))
                .limit(limit)
                .select((
                    catalog_imports::at,
                    catalog_imports::source,
                    catalog_imports::kind,
                    catalog_imports::outcome,
                    catalog_imports::report,
                ))
                .load(conn)?
        };
        Ok(rows
            .into_iter()
            .map(|(at, source, kind, outcome, report)| ImportRecord {
                at: at.and_utc(),
                source,
                kind,
                outcome,
                report: serde_json::from_str(&report).unwrap_or(Value::Null),
            })
            .collect())
    }
}

#[async_trait::async_trait]
impl CatalogReports for DbCatalogImports {
    async fn recent_imports(&self, limit: i64) -> Result<Vec<ImportRecord>, RepoError> {
        self.db.run(move |conn| Self::recent(conn, limit)).await.map_err(reported)
    }

    async fn recent_batches(&self, limit: i64) -> Result<Vec<(DateTime<Utc>, BatchReport)>, RepoError> {
        self.db.run(move |conn| DbStockLedger::recent_batches(conn, limit)).await.map_err(reported)
    }

    async fn report_times(&self) -> Result<Vec<(String, DateTime<Utc>)>, RepoError> {
        self.db.run(DbStockLedger::report_times).await.map_err(reported)
    }

    async fn offers_of_sku(&self, sku: &str) -> Result<Vec<OfferStockView>, RepoError> {
        let sku = sku.to_owned();
        self.db.run(move |conn| DbStockLedger::offers_of_sku(conn, &sku)).await.map_err(reported)
    }
}
