//! The order book as staff read it: the orders of both channels in one
//! list, newest first. Each channel keeps its own record (an MCP order has
//! a shopper, a slot and a store of ours; a Kuper order may name a store we
//! do not have and is canceled with the reason), so the book is read from
//! both, not stored twice.

use std::fmt::Write as _;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use ::orders::book::{BookEntry, BookFilter, Contents, OrderBook};
use ::orders::pick_list::LineToPick;
use catalog::stock::StockQty;
use domain::RepoError;

use crate::error::reported;
use crate::rows::corrupt;
use crate::schema::{kuper_orders, orders};
use crate::{AnyConnection, Database, StorageError};

/// The order book on the database: the console's [`OrderBook`].
#[derive(Clone, Debug)]
pub struct DbOrderBook {
    db: Database,
}

type Backend = <AnyConnection as diesel::Connection>::Backend;

/// The MCP orders of the filter's stores: what the list and its stamp both
/// look at.
fn mcp_orders_of(filter: &BookFilter) -> orders::BoxedQuery<'static, Backend> {
    let mut query = orders::table.filter(orders::channel.eq("mcp")).into_boxed();
    if let Some(store) = &filter.store {
        query = query.filter(orders::store_id.eq(store.clone()));
    }
    if let Some(within) = &filter.within {
        query = query.filter(orders::store_id.eq_any(within.clone()));
    }
    query
}

/// The Kuper orders of the filter's stores.
fn kuper_orders_of(filter: &BookFilter) -> kuper_orders::BoxedQuery<'static, Backend> {
    let mut query = kuper_orders::table.into_boxed();
    if let Some(store) = &filter.store {
        query = query.filter(kuper_orders::store_id.eq(store.clone()));
    }
    if let Some(within) = &filter.within {
        query = query.filter(kuper_orders::store_id.eq_any(within.clone()));
    }
    query
}

type McpRow = (String, String, String, String, String, NaiveDateTime, NaiveDateTime);
type KuperRow = (String, String, String, String, String, bool, NaiveDateTime, Option<NaiveDateTime>);

impl DbOrderBook {
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    /// Up to `limit` orders of both channels, newest first.
    pub fn list(
        conn: &mut AnyConnection,
        filter: &BookFilter,
        limit: i64,
    ) -> Result<Vec<BookEntry>, StorageError> {
        let wants = |channel: &str| filter.channel.as_deref().is_none_or(|c| c == channel);
        let mut book = Vec::new();
        if wants("mcp") {
            let rows: Vec<McpRow> = {
                let mut query = mcp_orders_of(filter);
                if let Some(status) = &filter.status {
                    query = query.filter(orders::status.eq(status.clone()));
                }
                if let Some(by) = filter.due_by {
                    query = query.filter(orders::slot_starts_at.le(by.naive_utc()));
                }
                query
                    .order(orders::created_at.desc())
                    .limit(limit)
                    .select((
                        orders::channel,
                        orders::id,
                        orders::store_id,
                        orders::status,
                        orders::shipping,
                        orders::created_at,
                        orders::slot_starts_at,
                    ))
                    .load(conn)?
            };
            book.extend(rows.into_iter().map(|(channel, id, store, status, shipping, at, due)| BookEntry {
                channel,
                id,
                external_id: None,
                store,
                status,
                fulfilment: shipping,
                restaurant: false,
                created_at: at.and_utc(),
                due_at: Some(due.and_utc()),
                customer: None,
                contents: Contents::default(),
                total: None,
            }));
        }
        if wants("kuper") {
            let rows: Vec<KuperRow> = {
                let mut query = kuper_orders_of(filter);
                if let Some(status) = &filter.status {
                    query = query.filter(kuper_orders::status.eq(status.clone()));
                }
                if let Some(by) = filter.due_by {
                    query = query.filter(kuper_orders::due_at.le(by.naive_utc()));
                }
                query
                    .order(kuper_orders::created_at.desc())
                    .limit(limit)
                    .select((
                        kuper_orders::order_id,
                        kuper_orders::original_order_id,
                        kuper_orders::store_id,
                        kuper_orders::status,
                        kuper_orders::integration,
                        kuper_orders::restaurant,
                        kuper_orders::created_at,
                        kuper_orders::due_at,
                    ))
                    .load(conn)?
            };
            book.extend(rows.into_iter().map(
                |(id, original, store, status, integration, restaurant, at, due)| BookEntry {
                    channel: "kuper".into(),
                    id,
                    external_id: Some(original),
                    store,
                    status,
                    fulfilment: integration,
                    restaurant,
                    created_at: at.and_utc(),
                    due_at: due.map(|d| d.and_utc()),
                    customer: None,
                    contents: Contents::default(),
                    total: None,
                },
            ));
        }
        book.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| b.id.cmp(&a.id)));
        book.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        fill_contents(conn, &mut book)?;
        Ok(book)
    }

    /// A mark that changes whenever the orders `filter` lists change: a
    /// new order, a status moved (each channel's count and latest update).
    /// The console's live queue compares it instead of the whole list.
    pub fn stamp(conn: &mut AnyConnection, filter: &BookFilter) -> Result<String, StorageError> {
        use diesel::dsl::{count_star, max};
        let wants = |channel: &str| filter.channel.as_deref().is_none_or(|c| c == channel);
        let mut stamp = String::new();
        if wants("mcp") {
            let (n, latest): (i64, Option<NaiveDateTime>) =
                mcp_orders_of(filter).select((count_star(), max(orders::updated_at))).first(conn)?;
            let _ = write!(stamp, "m{n}@{latest:?}");
        }
        if wants("kuper") {
            let (n, latest): (i64, Option<NaiveDateTime>) =
                kuper_orders_of(filter).select((count_star(), max(kuper_orders::updated_at))).first(conn)?;
            let _ = write!(stamp, "k{n}@{latest:?}");
        }
        Ok(stamp)
    }
}

impl DbOrderBook {
    /// See [`OrderBook::lines_to_pick`].
    pub fn lines_to_pick(
        conn: &mut AnyConnection,
        book: &[BookEntry],
    ) -> Result<Vec<LineToPick>, StorageError> {
        use crate::schema::{kuper_order_lines, order_lines};
        let of = |channel: &str| -> std::collections::HashMap<String, String> {
            book.iter().filter(|e| e.channel == channel).map(|e| (e.id.clone(), e.reference())).collect()
        };
        let (mcp, kuper) = (of("mcp"), of("kuper"));
        let mut lines = Vec::new();
        for ids in mcp.keys().collect::<Vec<_>>().chunks(CHUNK) {
            let rows: Vec<(String, String, String, i64)> = order_lines::table
                .filter(order_lines::order_id.eq_any(ids))
                .order((order_lines::order_id, order_lines::line_no))
                .select((order_lines::order_id, order_lines::sku, order_lines::unit, order_lines::held))
                .load(conn)?;
            lines.extend(rows.into_iter().map(|(order, sku, unit, held)| LineToPick {
                order: mcp[&order].clone(),
                sku,
                quantity: StockQty::from_thousandths(held),
                weighted: ::orders::kuper::intake::sold_by_weight(&unit),
            }));
        }
        for ids in kuper.keys().collect::<Vec<_>>().chunks(CHUNK) {
            let rows: Vec<(String, String, i64, bool)> = kuper_order_lines::table
                .filter(kuper_order_lines::order_id.eq_any(ids))
                .filter(kuper_order_lines::replaces.is_null())
                .filter(kuper_order_lines::sku.ne(""))
                .order((kuper_order_lines::order_id, kuper_order_lines::line_no))
                .select((
                    kuper_order_lines::order_id,
                    kuper_order_lines::sku,
                    kuper_order_lines::ordered,
                    kuper_order_lines::weighted,
                ))
                .load(conn)?;
            lines.extend(rows.into_iter().map(|(order, sku, ordered, weighted)| LineToPick {
                order: kuper[&order].clone(),
                sku,
                quantity: StockQty::from_thousandths(ordered),
                weighted,
            }));
        }
        Ok(lines)
    }
}

/// What a queue row reads of a Kuper order's details (`KuperDetails`'
/// own field names): the rest of the document is skipped unread.
#[derive(serde::Deserialize)]
struct Brief {
    #[serde(default)]
    customer: Option<::orders::kuper::details::Customer>,
    #[serde(default)]
    total: Option<::orders::kuper::details::Totals>,
}

/// Fills what a queue row says beyond the order's record: its size, its
/// total, whom it is for. Two statements per channel for the whole page.
fn fill_contents(conn: &mut AnyConnection, book: &mut [BookEntry]) -> Result<(), StorageError> {
    use crate::schema::{kuper_order_lines, order_lines};
    let ids = |channel: &str| -> Vec<String> {
        book.iter().filter(|e| e.channel == channel).map(|e| e.id.clone()).collect()
    };
    let (mcp, kuper) = (ids("mcp"), ids("kuper"));
    let mut contents: std::collections::HashMap<(bool, String), Contents> = std::collections::HashMap::new();
    let mut totals: std::collections::HashMap<(bool, String), String> = std::collections::HashMap::new();
    let mut customers: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut add = |key: (bool, String), weighted: bool, amount: i64| {
        let c = contents.entry(key).or_default();
        c.lines += 1;
        if weighted { c.grams += amount } else { c.pieces += amount / 1000 }
    };
    for chunk in mcp.chunks(CHUNK) {
        let lines: Vec<(String, String, i64)> = order_lines::table
            .filter(order_lines::order_id.eq_any(chunk))
            .select((order_lines::order_id, order_lines::unit, order_lines::held))
            .load(conn)?;
        for (id, unit, held) in lines {
            add((true, id), ::orders::kuper::intake::sold_by_weight(&unit), held);
        }
        let sums: Vec<(String, String, i64, i64)> = orders::table
            .filter(orders::id.eq_any(chunk))
            .select((orders::id, orders::currency, orders::items_total_minor, orders::delivery_price_minor))
            .load(conn)?;
        for (id, currency, items, delivery) in sums {
            let total = items.saturating_add(delivery);
            totals.insert((true, id), format!("{}.{:02} {currency}", total / 100, (total % 100).abs()));
        }
    }
    for chunk in kuper.chunks(CHUNK) {
        let lines: Vec<(String, bool, i64)> = kuper_order_lines::table
            .filter(kuper_order_lines::order_id.eq_any(chunk))
            .filter(kuper_order_lines::replaces.is_null())
            .select((kuper_order_lines::order_id, kuper_order_lines::weighted, kuper_order_lines::ordered))
            .load(conn)?;
        for (id, weighted, ordered) in lines {
            add((false, id), weighted, ordered);
        }
        let details: Vec<(String, String)> = kuper_orders::table
            .filter(kuper_orders::order_id.eq_any(chunk))
            .select((kuper_orders::order_id, kuper_orders::details))
            .load(conn)?;
        for (id, text) in details {
            let details: Brief = serde_json::from_str(&text)
                .map_err(|e| corrupt(&format!("kuper_orders {id} (details)"), e))?;
            if let Some(total) = details.total.and_then(|t| t.discount_total_price.or(t.total_price)) {
                totals.insert((false, id.clone()), total);
            }
            if let Some(customer) = details.customer.map(|c| c.on_the_bag()).filter(|c| !c.is_empty()) {
                customers.insert(id, customer);
            }
        }
    }
    for entry in book.iter_mut() {
        let key = (entry.channel == "mcp", entry.id.clone());
        entry.contents = contents.get(&key).copied().unwrap_or_default();
        entry.total = totals.remove(&key);
        if entry.channel == "kuper" {
            entry.customer = customers.remove(&entry.id);
        }
    }
    Ok(())
}

/// Orders per statement: far below either backend's parameter limit.
const CHUNK: usize = 1_000;

#[async_trait::async_trait]
impl OrderBook for DbOrderBook {
    async fn list(&self, filter: &BookFilter, limit: i64) -> Result<Vec<BookEntry>, RepoError> {
        let filter = filter.clone();
        self.db.run(move |conn| Self::list(conn, &filter, limit)).await.map_err(reported)
    }

    async fn lines_to_pick(&self, orders: &[BookEntry]) -> Result<Vec<LineToPick>, RepoError> {
        let orders = orders.to_vec();
        self.db.run(move |conn| Self::lines_to_pick(conn, &orders)).await.map_err(reported)
    }

    async fn stamp(&self, filter: &BookFilter) -> Result<String, RepoError> {
        let filter = filter.clone();
        self.db.run(move |conn| Self::stamp(conn, &filter)).await.map_err(reported)
    }
}
