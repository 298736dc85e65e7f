//! What can go once it is old: notifications Kuper acknowledged (or staff
//! gave up), checkout idempotency keys no retry will use again, expired
//! access tokens and staff sessions, sign-in failure windows long over.
//! Kept: the Kuper inbox (it deduplicates Kuper's retries and a re-applied
//! `order.created` must never happen), order history, the staff audit
//! trail, and `offer_removals` (the feed's projections read them by
//! position, not age).

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::{access_tokens, auth_failures, idempotency_keys, kuper_outbox, staff_sessions};
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
            .filter(kuper_outbox::state.eq_any(["sent", "discarded"]))
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
