//! Carries out `catalog::stock` on the offers' rows. Every stock move locks
//! the rows it touches (PostgreSQL: `FOR UPDATE`, in primary-key `(sku,
//! store)` order by bytes so concurrent writers never wait in a circle;
//! SQLite: the write transaction is already exclusive), asks the domain,
//! and writes back what it says, stamped with the transaction's position in
//! the stock feed. Moves made by orders are kept in `stock_moves` for the
//! merchant's systems.
//!
//! The procedure is written once; the statements whose SQL differs between
//! the backends (the feed position, the locking read, the bulk write) match
//! on the connection.

use std::collections::{BTreeMap, HashMap};

use catalog::stock::{MoveKind, OfferStock, Sale, Shortfall, StaleReport, StockQty, StockReport};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text, Timestamp};

use crate::schema::{offers, stock_moves, stock_report_times};
use crate::{AnyConnection, StorageError, with_conn};

/// An offer's stock columns as read under lock.
#[derive(Clone, Debug, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = offers)]
pub(crate) struct StockRow {
    pub sku: String,
    pub store_id: String,
    shelf: i64,
    shelf_as_of: Option<NaiveDateTime>,
    held: i64,
    sold_after: i64,
}

impl StockRow {
    pub fn stock(&self) -> OfferStock {
        OfferStock {
            shelf: StockQty::from_thousandths(self.shelf),
            as_of: self.shelf_as_of.map(|t| t.and_utc()),
            sold_after: StockQty::from_thousandths(self.sold_after),
            held: StockQty::from_thousandths(self.held),
        }
    }
}

/// What to write back to one offer: its stock and, from a price update, its
/// price (`None`: unchanged) and old price (`None`: unchanged, `Some(None)`:
/// none any more).
#[derive(Clone, Debug)]
pub(crate) struct StockWrite {
    pub sku: String,
    pub store_id: String,
    pub stock: OfferStock,
    pub price_minor: Option<i64>,
    #[allow(clippy::option_option)] // absent: unchanged; Some(None): no old price any more
    pub old_price_minor: Option<Option<i64>>,
}

impl StockWrite {
    fn stock_only(row: &StockRow, stock: OfferStock) -> Self {
        StockWrite {
            sku: row.sku.clone(),
            store_id: row.store_id.clone(),
            stock,
            price_minor: None,
            old_price_minor: None,
        }
    }
}

/// One of our moves, for `stock_moves`.
#[derive(Clone, Debug, Insertable)]
#[diesel(table_name = stock_moves)]
pub(crate) struct MoveRow<'a> {
    txn: i64,
    sku: &'a str,
    store_id: &'a str,
    kind: &'static str,
    quantity: i64,
    channel: &'a str,
    order_id: &'a str,
    at: NaiveDateTime,
}

/// This transaction's position in the stock feed: PostgreSQL's transaction
/// id, SQLite's next counter value (a SQLite write transaction is exclusive,
/// so positions commit in order).
pub(crate) fn txn(c: &mut AnyConnection) -> QueryResult<i64> {
    match c {
        AnyConnection::Sqlite(c) => {
            // A counter of SQLite's own (its migration only).
            #[derive(QueryableByName)]
            struct Value {
                #[diesel(sql_type = BigInt)]
                value: i64,
            }
            let next: Value =
                diesel::sql_query("UPDATE stock_sequence SET value = value + 1 WHERE id = 1 RETURNING value")
                    .get_result(c)?;
            Ok(next.value)
        }
        AnyConnection::Postgres(c) => {
            diesel::select(diesel::dsl::sql::<BigInt>("pg_current_xact_id()::text::bigint")).get_result(c)
        }
    }
}

/// The offers of `keys` that exist, locked for this transaction in the
/// order given (callers give [`lock_order`]), in one statement where the
/// backend can.
fn lock(c: &mut AnyConnection, keys: &[OfferKey<'_>]) -> QueryResult<Vec<StockRow>> {
    match c {
        AnyConnection::Sqlite(_) => read_unlocked(c, keys),
        // `WITH ORDINALITY` sorts by an integer rather than by collated
        // text, and keys in the primary key's order walk its index once.
        AnyConnection::Postgres(c) => diesel::sql_query(
            "SELECT o.sku, o.store_id, o.shelf, o.shelf_as_of, o.held, o.sold_after
             FROM unnest($1, $2) WITH ORDINALITY AS k (sku, store_id, n)
             JOIN offers o ON o.sku = k.sku AND o.store_id = k.store_id
             ORDER BY k.n FOR UPDATE OF o",
        )
        .bind::<Array<Text>, _>(keys.iter().map(|(sku, _)| *sku).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(keys.iter().map(|(_, store)| *store).collect::<Vec<_>>())
        .load(c),
    }
}

/// The offers of `keys` that exist, read by store: SQLite's write
/// transaction is exclusive already, so the order of reading does not
/// matter.
fn read_unlocked(c: &mut AnyConnection, keys: &[OfferKey<'_>]) -> QueryResult<Vec<StockRow>> {
    let mut by_store: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (sku, store) in keys {
        by_store.entry(store).or_default().push(sku);
    }
    let mut rows = Vec::with_capacity(keys.len());
    for (store, skus) in by_store {
        // Below SQLite's limit of bound parameters.
        for chunk in skus.chunks(500) {
            rows.extend(
                offers::table
                    .filter(offers::store_id.eq(store))
                    .filter(offers::sku.eq_any(chunk))
                    .select(StockRow::as_select())
                    .load(c)?,
            );
        }
    }
    Ok(rows)
}

/// Writes each offer's stock (and whole units available to `stock`),
/// stamped with `txn`: on PostgreSQL in one statement for any number of
/// rows (a batch of a hundred thousand updates is one round trip), on
/// SQLite one statement per row with the same price rule (absent:
/// unchanged; an old price set or removed).
fn write(c: &mut AnyConnection, rows: &[StockWrite], txn: i64) -> QueryResult<()> {
    match c {
        AnyConnection::Sqlite(c) => {
            for row in rows {
                diesel::sql_query(
                    "UPDATE offers SET shelf = ?, shelf_as_of = ?, held = ?, sold_after = ?, stock = ?,
                         stock_txn = ?, price_minor = COALESCE(?, price_minor),
                         old_price_minor = CASE WHEN ? THEN ? ELSE old_price_minor END
                     WHERE sku = ? AND store_id = ?",
                )
                .bind::<BigInt, _>(row.stock.shelf.thousandths())
                .bind::<Nullable<Timestamp>, _>(row.stock.as_of.map(|t| t.naive_utc()))
                .bind::<BigInt, _>(row.stock.held.thousandths())
                .bind::<BigInt, _>(row.stock.sold_after.thousandths())
                .bind::<BigInt, _>(whole_units(&row.stock))
                .bind::<BigInt, _>(txn)
                .bind::<Nullable<BigInt>, _>(row.price_minor)
                .bind::<Bool, _>(row.old_price_minor.is_some())
                .bind::<Nullable<BigInt>, _>(row.old_price_minor.flatten())
                .bind::<Text, _>(&row.sku)
                .bind::<Text, _>(&row.store_id)
                .execute(c)?;
            }
            Ok(())
        }
        AnyConnection::Postgres(_) if rows.is_empty() => Ok(()),
        AnyConnection::Postgres(c) => {
            let column = |f: fn(&StockWrite) -> i64| rows.iter().map(f).collect::<Vec<i64>>();
            diesel::sql_query(
                "UPDATE offers AS o SET shelf = u.shelf, shelf_as_of = u.as_of, held = u.held,
                     sold_after = u.sold_after, stock = u.stock, stock_txn = $1,
                     price_minor = COALESCE(u.price, o.price_minor),
                     old_price_minor = CASE WHEN u.set_old THEN u.old_price ELSE o.old_price_minor END
                 FROM unnest($2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                     AS u (sku, store_id, shelf, as_of, held, sold_after, stock, price, set_old, old_price)
                 WHERE o.sku = u.sku AND o.store_id = u.store_id",
            )
            .bind::<BigInt, _>(txn)
            .bind::<Array<Text>, _>(rows.iter().map(|r| r.sku.as_str()).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(rows.iter().map(|r| r.store_id.as_str()).collect::<Vec<_>>())
            .bind::<Array<BigInt>, _>(column(|r| r.stock.shelf.thousandths()))
            .bind::<Array<Nullable<Timestamp>>, _>(
                rows.iter().map(|r| r.stock.as_of.map(|t| t.naive_utc())).collect::<Vec<_>>(),
            )
            .bind::<Array<BigInt>, _>(column(|r| r.stock.held.thousandths()))
            .bind::<Array<BigInt>, _>(column(|r| r.stock.sold_after.thousandths()))
            .bind::<Array<BigInt>, _>(column(|r| whole_units(&r.stock)))
            .bind::<Array<Nullable<BigInt>>, _>(rows.iter().map(|r| r.price_minor).collect::<Vec<_>>())
            .bind::<Array<Bool>, _>(rows.iter().map(|r| r.old_price_minor.is_some()).collect::<Vec<_>>())
            .bind::<Array<Nullable<BigInt>>, _>(
                rows.iter().map(|r| r.old_price_minor.flatten()).collect::<Vec<_>>(),
            )
            .execute(c)?;
            Ok(())
        }
    }
}

/// Whole units available, as the `stock` column keeps them for the readers
/// that rank offers.
fn whole_units(stock: &OfferStock) -> i64 {
    stock.available().whole_units()
}

/// Our sales of `skus` in `store` made after `after`.
fn sales_after(
    c: &mut AnyConnection,
    store: &str,
    skus: &[&str],
    after: NaiveDateTime,
) -> QueryResult<Vec<(String, Sale)>> {
    let rows: Vec<(String, NaiveDateTime, i64)> = stock_moves::table
        .filter(stock_moves::kind.eq(MoveKind::Sale.as_str()))
        .filter(stock_moves::store_id.eq(store))
        .filter(stock_moves::sku.eq_any(skus))
        .filter(stock_moves::at.gt(after))
        .select((stock_moves::sku, stock_moves::at, stock_moves::quantity))
        .load(c)?;
    Ok(rows
        .into_iter()
        .map(|(sku, at, q)| (sku, Sale { at: at.and_utc(), quantity: StockQty::from_thousandths(q) }))
        .collect())
}

fn record(c: &mut AnyConnection, moves: &[MoveRow<'_>]) -> QueryResult<()> {
    for chunk in moves.chunks(500) {
        // Many rows in one INSERT: not in diesel's common subset.
        with_conn!(c, |c| diesel::insert_into(stock_moves::table).values(chunk).execute(c))?;
    }
    Ok(())
}

/// The store heard from the merchant's systems at `at`.
fn reported(c: &mut AnyConnection, store: &str, at: NaiveDateTime) -> QueryResult<()> {
    let row = (stock_report_times::store_id.eq(store), stock_report_times::reported_at.eq(at));
    with_conn!(c, |c| diesel::insert_into(stock_report_times::table)
        .values(row)
        .on_conflict(stock_report_times::store_id)
        .do_update()
        .set(stock_report_times::reported_at.eq(at))
        .execute(c))?;
    Ok(())
}

/// Which order a move belongs to.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OrderRef<'a> {
    pub channel: &'a str,
    pub order_id: &'a str,
}

/// Moves `kind` of each line's quantity for an order of `store`. Returns,
/// per line in the order given, the shortfall of a hold that could not be
/// placed (an offer that is gone gives nothing); lines that succeeded are
/// written either way, so a caller that cannot take part of an order rolls
/// the transaction back. A release or sale of an offer that is gone moves
/// nothing.
pub(crate) fn order_moves(
    c: &mut AnyConnection,
    order: OrderRef<'_>,
    store: &str,
    kind: MoveKind,
    lines: &[(&str, StockQty)],
    at: DateTime<Utc>,
) -> Result<Vec<Option<Shortfall>>, StorageError> {
    let mut skus: Vec<&str> = lines.iter().filter(|(_, q)| !q.is_zero()).map(|(sku, _)| *sku).collect();
    skus.sort_unstable();
    skus.dedup();
    if skus.is_empty() {
        return Ok(vec![None; lines.len()]);
    }
    let txn = txn(c)?;
    let keys: Vec<OfferKey<'_>> = skus.iter().map(|sku| (*sku, store)).collect();
    let mut rows: BTreeMap<String, (StockRow, OfferStock)> = lock(c, &keys)?
        .into_iter()
        .map(|row| {
            let stock = row.stock();
            (row.sku.clone(), (row, stock))
        })
        .collect();
    let mut outcomes = Vec::with_capacity(lines.len());
    let mut moves = Vec::new();
    let naive = at.naive_utc();
    for (sku, quantity) in lines {
        if quantity.is_zero() {
            outcomes.push(None);
            continue;
        }
        let Some((_, stock)) = rows.get_mut(*sku) else {
            outcomes.push(
                (kind == MoveKind::Hold)
                    .then_some(Shortfall { wanted: *quantity, available: StockQty::ZERO }),
            );
            continue;
        };
        match kind.apply(*stock, *quantity, at) {
            Ok(next) => {
                *stock = next;
                outcomes.push(None);
                moves.push(MoveRow {
                    txn,
                    sku,
                    store_id: store,
                    kind: kind.as_str(),
                    quantity: quantity.thousandths(),
                    channel: order.channel,
                    order_id: order.order_id,
                    at: naive,
                });
            }
            Err(short) => outcomes.push(Some(short)),
        }
    }
    let writes: Vec<StockWrite> =
        rows.values().map(|(row, stock)| StockWrite::stock_only(row, *stock)).collect();
    write(c, &writes, txn)?;
    record(c, &moves)?;
    Ok(outcomes)
}

/// The offers of `keys` (in [`lock_order`]) locked, with our sales of each
/// made after `since`: what a report needs to be decided.
struct Locked {
    rows: Vec<StockRow>,
    /// By store, then SKU.
    sales: HashMap<String, HashMap<String, Vec<Sale>>>,
}

impl Locked {
    fn read(c: &mut AnyConnection, keys: &[OfferKey<'_>], since: DateTime<Utc>) -> QueryResult<Self> {
        let mut rows = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(LOCK_CHUNK) {
            rows.extend(lock(c, chunk)?);
        }
        let mut by_store: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for row in &rows {
            by_store.entry(row.store_id.as_str()).or_default().push(row.sku.as_str());
        }
        let mut sales: HashMap<String, HashMap<String, Vec<Sale>>> = HashMap::new();
        for (store, skus) in by_store {
            for (sku, sale) in sales_after(c, store, &skus, since.naive_utc())? {
                sales.entry(store.to_owned()).or_default().entry(sku).or_default().push(sale);
            }
        }
        Ok(Locked { rows, sales })
    }

    /// Our sales of `sku` in `store` since the time read.
    fn sales_of(&self, store: &str, sku: &str) -> &[Sale] {
        self.sales.get(store).and_then(|s| s.get(sku)).map_or(&[], Vec::as_slice)
    }

    /// The stores of the offers read, once each.
    fn stores(&self) -> Vec<&str> {
        let stores: std::collections::BTreeSet<&str> =
            self.rows.iter().map(|r| r.store_id.as_str()).collect();
        stores.into_iter().collect()
    }
}

/// Keys locked per statement: PostgreSQL takes any number, this keeps one
/// statement's arrays to a few megabytes.
const LOCK_CHUNK: usize = 50_000;

/// An offer's primary key: (SKU, store).
pub(crate) type OfferKey<'a> = (&'a str, &'a str);

/// The key of each item, sorted by bytes and distinct: the order every
/// writer locks offers in, so that concurrent writers never wait for each
/// other in a circle. (An order's moves are one store's SKUs, sorted: the
/// same order.)
fn lock_order<'a, T>(items: &'a [T], key: impl Fn(&'a T) -> OfferKey<'a>) -> Vec<OfferKey<'a>> {
    let mut keys: Vec<OfferKey<'a>> = items.iter().map(key).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The stock of each offer of a feed (SKU, store, shelf), which reports
/// the shelf as of `as_of`, in the order given: a new offer starts from the
/// report; an existing one takes it by the domain's rule, or keeps what it
/// has when its report is newer. Locks the existing offers.
pub(crate) fn feed_stocks(
    c: &mut AnyConnection,
    offers: &[(&str, &str, StockQty)],
    as_of: DateTime<Utc>,
) -> Result<Vec<OfferStock>, StorageError> {
    let report = |shelf| StockReport { shelf, as_of };
    let keys = lock_order(offers, |(sku, store, _)| (*sku, *store));
    let locked = Locked::read(c, &keys, as_of)?;
    let existing: HashMap<OfferKey<'_>, OfferStock> =
        locked.rows.iter().map(|r| ((r.sku.as_str(), r.store_id.as_str()), r.stock())).collect();
    let stocks = offers
        .iter()
        .map(|(sku, store, shelf)| match existing.get(&(*sku, *store)) {
            Some(stock) => stock.report(report(*shelf), locked.sales_of(store, sku)).unwrap_or(*stock),
            None => OfferStock::reported(report(*shelf)),
        })
        .collect();
    // A catalog write without a count time (the epoch) is not word from the
    // merchant's systems.
    if as_of != DateTime::UNIX_EPOCH {
        let stores: std::collections::BTreeSet<&str> = keys.iter().map(|(_, store)| *store).collect();
        for store in stores {
            reported(c, store, as_of.naive_utc())?;
        }
    }
    Ok(stocks)
}

/// One line of a stock and price update.
#[derive(Clone, Debug)]
pub(crate) struct ReportLine {
    pub sku: String,
    pub store_id: String,
    /// `None`: the stock is as it was (a price list without counts).
    pub report: Option<StockReport>,
    pub price_minor: Option<i64>,
    #[allow(clippy::option_option)] // absent: unchanged; Some(None): no old price any more
    pub old_price_minor: Option<Option<i64>>,
}

/// What became of a report line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReportOutcome {
    Applied,
    UnknownOffer,
    Stale(StaleReport),
}

/// Applies stock reports (and their prices) by the domain's rule; returns
/// each line's outcome in the order given. `at` is when they arrived. One
/// locked read and one write for the whole batch, whatever its size.
pub(crate) fn report(
    c: &mut AnyConnection,
    lines: &[ReportLine],
    at: DateTime<Utc>,
) -> Result<Vec<ReportOutcome>, StorageError> {
    if lines.is_empty() {
        return Ok(Vec::new());
    }
    let since = lines.iter().filter_map(|l| l.report.map(|r| r.as_of)).min().unwrap_or(at);
    let txn = txn(c)?;
    let keys = lock_order(lines, |l| (l.sku.as_str(), l.store_id.as_str()));
    let locked = Locked::read(c, &keys, since)?;
    // By key, in the primary key's order: PostgreSQL's bulk write then walks
    // the index once instead of jumping about it.
    let mut writes: BTreeMap<OfferKey<'_>, StockWrite> = locked
        .rows
        .iter()
        .map(|r| ((r.sku.as_str(), r.store_id.as_str()), StockWrite::stock_only(r, r.stock())))
        .collect();
    let outcomes = lines
        .iter()
        .map(|line| {
            let Some(write) = writes.get_mut(&(line.sku.as_str(), line.store_id.as_str())) else {
                return ReportOutcome::UnknownOffer;
            };
            let reported = match line.report {
                Some(report) => write.stock.report(report, locked.sales_of(&line.store_id, &line.sku)),
                None => Ok(write.stock),
            };
            match reported {
                Ok(next) => {
                    write.stock = next;
                    if line.price_minor.is_some() {
                        write.price_minor = line.price_minor;
                    }
                    if line.old_price_minor.is_some() {
                        write.old_price_minor = line.old_price_minor;
                    }
                    ReportOutcome::Applied
                }
                Err(stale) => ReportOutcome::Stale(stale),
            }
        })
        .collect();
    let writes: Vec<StockWrite> = writes.into_values().collect();
    write(c, &writes, txn)?;
    for store in locked.stores() {
        reported(c, store, at.naive_utc())?;
    }
    Ok(outcomes)
}
