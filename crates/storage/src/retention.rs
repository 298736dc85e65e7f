//! What can go once it is old: notifications Kuper acknowledged (or staff
//! gave up), checkout idempotency keys no retry will use again, expired
//! access tokens and staff sessions, sign-in failure windows long over.
//! Kept: the Kuper inbox (it deduplicates Kuper's retries and a re-applied
//! `order.created` must never happen), order history, the staff audit
//! trail, and `offer_removals` (the feed's projections read them by
//! position, not age).
//!
//! [`erase_personal_data`] carries out `orders::retention`: what of a
//! closed order names a person is erased once it is old enough, the order
//! itself stays.

use ::orders::kuper::details::KuperDetails;
use ::orders::kuper::states::OutboxState;
use ::orders::retention;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::{
    access_tokens, auth_failures, idempotency_keys, kuper_inbox, kuper_orders, kuper_outbox, orders,
    payments, staff_sessions, users,
};
use crate::{AnyConnection, StorageError};

/// Rows deleted, per table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub notifications: usize,
    pub idempotency_keys: usize,
    pub access_tokens: usize,
    pub staff_sessions: usize,
    pub failure_windows: usize,
}

/// Deletes what is older than `before`, a table at a time (each its own
/// short statement, so that no long lock blocks the services).
pub fn purge(conn: &mut AnyConnection, before: DateTime<Utc>) -> Result<Purged, StorageError> {
    let before = before.naive_utc();
    let notifications = diesel::delete(
        kuper_outbox::table
            .filter(kuper_outbox::state.eq_any(finished_notifications()))
            .filter(kuper_outbox::created_at.lt(before)),
    )
    .execute(conn)?;
    let idempotency_keys =
        diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(before)))
            .execute(conn)?;
    let access_tokens =
        diesel::delete(access_tokens::table.filter(access_tokens::expires_at.lt(before))).execute(conn)?;
    let staff_sessions =
        diesel::delete(staff_sessions::table.filter(staff_sessions::expires_at.lt(before))).execute(conn)?;
    // A window started before `before` has long ended (windows last minutes).
    let failure_windows = diesel::delete(
        auth_failures::table.filter(auth_failures::started_ms.lt(before.and_utc().timestamp_millis())),
    )
    .execute(conn)?;
    Ok(Purged { notifications, idempotency_keys, access_tokens, staff_sessions, failure_windows })
}

/// Personal data erased, per kind of record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Erased {
    pub mcp_orders: usize,
    pub kuper_orders: usize,
    pub shoppers: usize,
}

/// Orders erased per transaction: short transactions, so the services
/// never wait long on a pass.
const ERASE_BATCH: i64 = 200;

/// Erases the personal data of every order closed before `closed_before`
/// (`orders::retention`), and the contacts of shoppers with nothing open
/// or recent, as of `now`. Each order is erased once, in batches; a pass
/// stopped half way is finished by the next.
pub fn erase_personal_data(
    conn: &mut AnyConnection,
    closed_before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Erased, StorageError> {
    let (before, now) = (closed_before.naive_utc(), now.naive_utc());
    let mut erased = Erased::default();
    loop {
        let n = conn.write_transaction(|c| erase_mcp_orders(c, before, now))?;
        erased.mcp_orders += n;
        if n == 0 {
            break;
        }
    }
    loop {
        let n = conn.write_transaction(|c| erase_kuper_orders(c, before, now))?;
        erased.kuper_orders += n;
        if n == 0 {
            break;
        }
    }
    erased.shoppers = conn.write_transaction(|c| erase_shoppers(c, before))?;
    Ok(erased)
}

/// A batch of closed MCP orders: the delivery point coarsened, the
/// address gone, the receipts' contact gone.
fn erase_mcp_orders(
    c: &mut AnyConnection,
    before: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<usize, StorageError> {
    let due: Vec<(String, Option<String>)> = orders::table
        .filter(orders::personal_data_erased_at.is_null())
        .filter(orders::status.eq_any(retention::closed_mcp_statuses()))
        .filter(orders::updated_at.lt(before))
        .order(orders::updated_at)
        .limit(ERASE_BATCH)
        .select((orders::id, orders::destination))
        .load(c)?;
    for (id, destination) in &due {
        let destination = destination.as_deref().map(erased_destination);
        diesel::update(orders::table.find(id))
            .set((orders::destination.eq(destination), orders::personal_data_erased_at.eq(now)))
            .execute(c)?;
        let receipts: Vec<(String, Option<String>)> = payments::table
            .filter(payments::order_id.eq(id))
            .select((payments::id, payments::receipt))
            .load(c)?;
        for (payment, receipt) in receipts {
            let Some(receipt) = receipt.and_then(|r| serde_json::from_str::<serde_json::Value>(&r).ok())
            else {
                continue;
            };
            let receipt = ::payments::receipt::without_contact(&receipt).to_string();
            diesel::update(payments::table.find(&payment)).set(payments::receipt.eq(receipt)).execute(c)?;
        }
    }
    Ok(due.len())
}

/// `orders.destination` as the order book writes it, with the point
/// coarsened and no address; what cannot be read is replaced whole.
fn erased_destination(stored: &str) -> String {
    let point = serde_json::from_str::<serde_json::Value>(stored)
        .ok()
        .and_then(|v| domain::GeoPoint::new(v["lat"].as_f64()?, v["lon"].as_f64()?).ok())
        .map(retention::coarse_point);
    let (lat, lon) = point.map_or((0.0, 0.0), |p| (p.lat(), p.lon()));
    serde_json::json!({"lat": lat, "lon": lon, "address": null}).to_string()
}

/// A batch of closed Kuper orders: their details without the customer,
/// and the webhooks that carried them reduced to a marker.
fn erase_kuper_orders(
    c: &mut AnyConnection,
    before: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<usize, StorageError> {
    let due: Vec<(String, String, String)> = kuper_orders::table
        .filter(kuper_orders::personal_data_erased_at.is_null())
        .filter(kuper_orders::status.eq_any(retention::closed_kuper_statuses()))
        .filter(kuper_orders::updated_at.lt(before))
        .order(kuper_orders::updated_at)
        .limit(ERASE_BATCH)
        .select((kuper_orders::order_id, kuper_orders::original_order_id, kuper_orders::details))
        .load(c)?;
    for (id, original, details) in &due {
        // Details that cannot be read cannot be sifted either: a closed
        // order's whole details go rather than stop every later pass.
        let details: KuperDetails = serde_json::from_str(details).unwrap_or_else(|e| {
            tracing::warn!(order = %id, error = %e, "retention: unreadable details of a closed Kuper order erased whole");
            KuperDetails::default()
        });
        let details = serde_json::to_string(&retention::erase_kuper_details(&details))
            .map_err(|e| StorageError::Task(e.to_string()))?;
        diesel::update(kuper_orders::table.find(id))
            .set((kuper_orders::details.eq(details), kuper_orders::personal_data_erased_at.eq(now)))
            .execute(c)?;
        diesel::update(kuper_inbox::table.filter(kuper_inbox::original_order_id.eq(original)))
            .set((
                kuper_inbox::body.eq(retention::erased_webhook_body()),
                kuper_inbox::news.eq(None::<String>),
            ))
            .execute(c)?;
    }
    Ok(due.len())
}

/// Shoppers' names, phones and emails, once nothing needs them: no order
/// of theirs open or closed since `before`, and no sign-in since then.
/// They sign in again as anyone does; a SberID sign-in fills the profile
/// anew.
fn erase_shoppers(c: &mut AnyConnection, before: NaiveDateTime) -> Result<usize, StorageError> {
    let candidates: Vec<String> = users::table
        .filter(users::name.is_not_null().or(users::phone.is_not_null()).or(users::email.is_not_null()))
        .filter(users::created_at.lt(before))
        .select(users::id)
        .load(c)?;
    let mut erased = 0;
    for chunk in candidates.chunks(500) {
        let mut busy: std::collections::HashSet<String> = orders::table
            .filter(orders::user_id.eq_any(chunk))
            .filter(orders::status.ne_all(retention::closed_mcp_statuses()).or(orders::updated_at.ge(before)))
            .select(orders::user_id)
            .load::<String>(c)?
            .into_iter()
            .collect();
        busy.extend(
            access_tokens::table
                .filter(access_tokens::user_id.eq_any(chunk))
                .filter(access_tokens::created_at.ge(before))
                .select(access_tokens::user_id)
                .load::<String>(c)?,
        );
        let idle: Vec<&String> = chunk.iter().filter(|id| !busy.contains(*id)).collect();
        erased += diesel::update(users::table.filter(users::id.eq_any(idle)))
            .set((
                users::name.eq(None::<String>),
                users::phone.eq(None::<String>),
                users::email.eq(None::<String>),
            ))
            .execute(c)?;
    }
    Ok(erased)
}

/// The outbox states a notification is finished in, as stored.
fn finished_notifications() -> Vec<&'static str> {
    OutboxState::ALL.into_iter().filter(|s| s.finished()).map(OutboxState::as_str).collect()
}
