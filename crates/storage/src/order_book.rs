//! The order book as staff read it: the orders of both channels in one
//! list, newest first. Each channel keeps its own record (an MCP order has
//! a shopper, a slot and a store of ours; a Kuper order may name a store we
//! do not have and is canceled with the reason), so the book is read from
//! both, not stored twice.

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::{kuper_orders, orders};
use crate::{AnyConnection, StorageError};

/// An order of either channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookEntry {
    /// `mcp` or `kuper`.
    pub channel: String,
    /// Our number.
    pub id: String,
    /// The channel's id of it (Kuper's `originalOrderId`).
    pub external_id: Option<String>,
    pub store: String,
    /// In the channel's own statuses.
    pub status: String,
    /// `delivery` / `pickup` (MCP); the integration type (Kuper).
    pub fulfilment: String,
    pub restaurant: bool,
    pub created_at: DateTime<Utc>,
    /// When it must be ready: the slot's start (MCP), the delivery
    /// window's start (Kuper); `None`: Kuper gave no window.
    pub due_at: Option<DateTime<Utc>>,
}

/// Which orders to list.
#[derive(Clone, Debug, Default)]
pub struct BookFilter {
    pub channel: Option<String>,
    pub store: Option<String>,
    pub status: Option<String>,
    /// Only these stores (a picker's), when set.
    pub within: Option<Vec<String>>,
    /// Only orders due by then.
    pub due_by: Option<DateTime<Utc>>,
}

#[derive(Clone, Copy, Debug)]
pub struct DbOrderBook;

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
                },
            ));
        }
        book.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| b.id.cmp(&a.id)));
        book.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
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
