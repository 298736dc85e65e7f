//! 1C's exchange on the database: its sessions and uploaded files (so that
//! an exchange survives a restart and any instance answers it), the maps of
//! 1C's products and warehouses to ours, and the catalog, prices and stock
//! it brings, applied in one transaction per file. What to apply is
//! `catalog::import::onec`'s to decide.

use std::collections::HashMap;
use std::io::Read;

use catalog::Product;
use catalog::stock::{StockQty, StockReport};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;

use crate::catalog_repo::upsert_batch;
use crate::schema::{
    catalog_sequence, offers, onec_file_parts, onec_products, onec_sessions, onec_warehouses,
};
use crate::stock::{self, ReportLine, ReportOutcome};
use crate::{AnyConnection, CatalogBatch, StorageError, with_conn};

diesel::define_sql_function! {
    /// `length(blob)`: bytes on both backends (SQLite's `length` of a BLOB,
    /// PostgreSQL's of a `bytea`).
    #[sql_name = "length"]
    fn byte_length(x: diesel::sql_types::Binary) -> diesel::sql_types::Integer;
}

/// How many products go to the database at once.
const CHUNK: usize = 1_000;

#[derive(Clone, Copy, Debug)]
pub struct DbOneC;

/// A line of an offers file for one of our offers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfferLine {
    pub sku: String,
    pub store_id: String,
    /// On the shelf as of the exchange; `None`: unchanged.
    pub shelf: Option<StockQty>,
    /// In kopecks; `None`: unchanged.
    pub price_minor: Option<i64>,
}

/// What became of an offer line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OfferOutcome {
    Applied,
    /// A new offer needs a price to be sold at.
    NoPrice,
    /// A count older than one applied.
    Stale(String),
}

impl DbOneC {
    /// Opens the session `token_hash` (checkauth).
    pub fn open_session(
        conn: &mut AnyConnection,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let at = at.naive_utc();
        diesel::insert_into(onec_sessions::table)
            .values((
                onec_sessions::token_hash.eq(token_hash),
                onec_sessions::created_at.eq(at),
                onec_sessions::last_seen_at.eq(at),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// Whether `token_hash` is a session seen since `since`; marks it seen
    /// at `at`.
    pub fn touch_session(
        conn: &mut AnyConnection,
        token_hash: &str,
        since: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        let touched = diesel::update(
            onec_sessions::table
                .filter(onec_sessions::token_hash.eq(token_hash))
                .filter(onec_sessions::last_seen_at.ge(since.naive_utc())),
        )
        .set(onec_sessions::last_seen_at.eq(at.naive_utc()))
        .execute(conn)?;
        Ok(touched > 0)
    }

    /// Forgets sessions (and their files) not seen since `before`.
    pub fn end_idle_sessions(conn: &mut AnyConnection, before: DateTime<Utc>) -> Result<usize, StorageError> {
        let idle = onec_sessions::table.filter(onec_sessions::last_seen_at.lt(before.naive_utc()));
        let hashes: Vec<String> = idle.select(onec_sessions::token_hash).load(conn)?;
        diesel::delete(onec_file_parts::table.filter(onec_file_parts::token_hash.eq_any(&hashes)))
            .execute(conn)?;
        Ok(diesel::delete(onec_sessions::table.filter(onec_sessions::token_hash.eq_any(&hashes)))
            .execute(conn)?)
    }

    /// The size of `filename` so far in the session.
    pub fn file_size(
        conn: &mut AnyConnection,
        token_hash: &str,
        filename: &str,
    ) -> Result<u64, StorageError> {
        // The parts' lengths, not their bytes: a file near its limit is
        // hundreds of megabytes, asked about at every part.
        let lengths: Vec<i32> = onec_file_parts::table
            .filter(onec_file_parts::token_hash.eq(token_hash))
            .filter(onec_file_parts::filename.eq(filename))
            .select(byte_length(onec_file_parts::content))
            .load(conn)?;
        Ok(lengths.iter().map(|n| u64::try_from(*n).unwrap_or(0)).sum())
    }

    /// Appends a part to `filename`.
    pub fn append(
        conn: &mut AnyConnection,
        token_hash: &str,
        filename: &str,
        part: &[u8],
    ) -> Result<(), StorageError> {
        conn.write_transaction(|c| Self::append_within(c, token_hash, filename, part))
    }

    /// [`append`](Self::append) inside the caller's transaction.
    pub fn append_within(
        c: &mut AnyConnection,
        token_hash: &str,
        filename: &str,
        part: &[u8],
    ) -> Result<(), StorageError> {
        let last: Option<i32> = onec_file_parts::table
            .filter(onec_file_parts::token_hash.eq(token_hash))
            .filter(onec_file_parts::filename.eq(filename))
            .select(diesel::dsl::max(onec_file_parts::seq))
            .first(c)?;
        diesel::insert_into(onec_file_parts::table)
            .values((
                onec_file_parts::token_hash.eq(token_hash),
                onec_file_parts::filename.eq(filename),
                onec_file_parts::seq.eq(last.map_or(0, |s| s + 1)),
                onec_file_parts::content.eq(part),
            ))
            .execute(c)?;
        Ok(())
    }

    /// Every file of the session, by name.
    pub fn files(conn: &mut AnyConnection, token_hash: &str) -> Result<Vec<String>, StorageError> {
        Ok(onec_file_parts::table
            .filter(onec_file_parts::token_hash.eq(token_hash))
            .select(onec_file_parts::filename)
            .distinct()
            .order(onec_file_parts::filename)
            .load(conn)?)
    }

    pub fn drop_file(conn: &mut AnyConnection, token_hash: &str, filename: &str) -> Result<(), StorageError> {
        diesel::delete(
            onec_file_parts::table
                .filter(onec_file_parts::token_hash.eq(token_hash))
                .filter(onec_file_parts::filename.eq(filename)),
        )
        .execute(conn)?;
        Ok(())
    }

    /// `filename` read part by part on `conn`: one part in memory at a time.
    pub fn reader<'c>(conn: &'c mut AnyConnection, token_hash: &str, filename: &str) -> PartsReader<'c> {
        PartsReader {
            conn,
            token_hash: token_hash.to_owned(),
            filename: filename.to_owned(),
            next: 0,
            part: std::io::Cursor::new(Vec::new()),
        }
    }

    /// The merchant's map of 1C's warehouses to our stores.
    pub fn warehouses(conn: &mut AnyConnection) -> Result<HashMap<String, String>, StorageError> {
        let rows: Vec<(String, String)> = onec_warehouses::table
            .select((onec_warehouses::warehouse_id, onec_warehouses::store_id))
            .load(conn)?;
        Ok(rows.into_iter().collect())
    }

    pub fn map_warehouse(conn: &mut AnyConnection, warehouse: &str, store: &str) -> Result<(), StorageError> {
        with_conn!(conn, |c| diesel::insert_into(onec_warehouses::table)
            .values((onec_warehouses::warehouse_id.eq(warehouse), onec_warehouses::store_id.eq(store)))
            .on_conflict(onec_warehouses::warehouse_id)
            .do_update()
            .set(onec_warehouses::store_id.eq(excluded(onec_warehouses::store_id)))
            .execute(c))?;
        Ok(())
    }

    /// Our SKUs of 1C's products `ids` (those we know).
    pub fn skus(conn: &mut AnyConnection, ids: &[&str]) -> Result<HashMap<String, String>, StorageError> {
        let mut found = HashMap::new();
        for chunk in ids.chunks(CHUNK) {
            let rows: Vec<(String, String)> = onec_products::table
                .filter(onec_products::onec_id.eq_any(chunk))
                .select((onec_products::onec_id, onec_products::sku))
                .load(conn)?;
            found.extend(rows);
        }
        Ok(found)
    }

    /// Applies `products` (1C's `Ид` and ours) under one catalog position:
    /// the products and which `Ид` is which SKU. Runs inside the caller's
    /// transaction (`write_transaction`), so a file applies whole or not.
    pub fn apply_products(c: &mut AnyConnection, products: &[(String, Product)]) -> Result<(), StorageError> {
        let seq: i64 = diesel::update(catalog_sequence::table.find(1))
            .set(catalog_sequence::value.eq(catalog_sequence::value + 1))
            .returning(catalog_sequence::value)
            .get_result(c)?;
        let txn = stock::txn(c)?;
        for chunk in products.chunks(CHUNK) {
            let batch = CatalogBatch {
                products: chunk.iter().map(|(_, p)| p.clone()).collect(),
                ..CatalogBatch::default()
            };
            upsert_batch(c, &batch, seq, txn, DateTime::UNIX_EPOCH)?;
            let rows: Vec<_> = chunk
                .iter()
                .map(|(id, p)| {
                    (onec_products::onec_id.eq(id.as_str()), onec_products::sku.eq(p.sku.as_str()))
                })
                .collect();
            with_conn!(c, |c| diesel::insert_into(onec_products::table)
                .values(&rows)
                .on_conflict(onec_products::onec_id)
                .do_update()
                .set(onec_products::sku.eq(excluded(onec_products::sku)))
                .execute(c))?;
        }
        Ok(())
    }

    /// Applies offer lines as the merchant's count at `at` (a count never
    /// touches a hold: available = shelf − our sales after it − held) and
    /// their prices; an offer we do not have yet is created when the line
    /// has a price. Runs inside the caller's transaction.
    pub fn apply_offers(
        c: &mut AnyConnection,
        lines: &[OfferLine],
        at: DateTime<Utc>,
    ) -> Result<Vec<OfferOutcome>, StorageError> {
        let mut outcomes = Vec::with_capacity(lines.len());
        for chunk in lines.chunks(CHUNK) {
            let existing: Vec<(String, String)> = offers::table
                .filter(offers::sku.eq_any(chunk.iter().map(|l| l.sku.as_str())))
                .select((offers::sku, offers::store_id))
                .load(c)?;
            let missing: Vec<&OfferLine> = chunk
                .iter()
                .filter(|l| !existing.iter().any(|(s, st)| s == &l.sku && st == &l.store_id))
                .collect();
            let created = create_offers(c, &missing)?;
            let report: Vec<ReportLine> = chunk
                .iter()
                .map(|l| ReportLine {
                    sku: l.sku.clone(),
                    store_id: l.store_id.clone(),
                    report: l.shelf.map(|shelf| StockReport { shelf, as_of: at }),
                    price_minor: l.price_minor,
                    old_price_minor: None,
                })
                .collect();
            let reported = stock::report(c, &report, at)?;
            for (line, outcome) in chunk.iter().zip(reported) {
                let new_without_price = missing.iter().any(|m| m == &line)
                    && !created.contains(&(line.sku.as_str(), line.store_id.as_str()));
                outcomes.push(match outcome {
                    _ if new_without_price => OfferOutcome::NoPrice,
                    ReportOutcome::Applied => OfferOutcome::Applied,
                    ReportOutcome::UnknownOffer => OfferOutcome::NoPrice,
                    ReportOutcome::Stale(stale) => OfferOutcome::Stale(stale.to_string()),
                });
            }
        }
        Ok(outcomes)
    }
}

/// Creates the offers of `lines` that carry a price, with nothing on the
/// shelf (the line's count is applied after); returns which were created.
fn create_offers<'l>(
    c: &mut AnyConnection,
    lines: &[&'l OfferLine],
) -> Result<Vec<(&'l str, &'l str)>, StorageError> {
    let priced: Vec<&&OfferLine> = lines.iter().filter(|l| l.price_minor.is_some()).collect();
    if priced.is_empty() {
        return Ok(Vec::new());
    }
    let mut batch = CatalogBatch::default();
    let mut created = Vec::new();
    for line in priced {
        let (Ok(sku), Ok(store), Some(minor)) =
            (domain::SkuId::new(&line.sku), domain::StoreId::new(&line.store_id), line.price_minor)
        else {
            continue;
        };
        batch.offers.push(catalog::Offer {
            store,
            sku,
            price: domain::Money::from_minor(minor, domain::Currency::Rub),
            old_price: None,
            stock: 0,
            delivery: true,
            pickup: true,
        });
        created.push((line.sku.as_str(), line.store_id.as_str()));
    }
    let seq: i64 = diesel::update(catalog_sequence::table.find(1))
        .set(catalog_sequence::value.eq(catalog_sequence::value + 1))
        .returning(catalog_sequence::value)
        .get_result(c)?;
    let txn = stock::txn(c)?;
    upsert_batch(c, &batch, seq, txn, DateTime::UNIX_EPOCH)?;
    Ok(created)
}

/// A file of a session, read part by part.
pub struct PartsReader<'c> {
    conn: &'c mut AnyConnection,
    token_hash: String,
    filename: String,
    next: i32,
    part: std::io::Cursor<Vec<u8>>,
}

impl std::fmt::Debug for PartsReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartsReader")
            .field("filename", &self.filename)
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

impl Read for PartsReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.part.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            let next: Option<Vec<u8>> = onec_file_parts::table
                .find((self.token_hash.as_str(), self.filename.as_str(), self.next))
                .select(onec_file_parts::content)
                .first(self.conn)
                .optional()
                .map_err(std::io::Error::other)?;
            let Some(part) = next else { return Ok(0) };
            self.next += 1;
            self.part = std::io::Cursor::new(part);
        }
    }
}
