//! The Kuper outbox as the dispatcher works it: due notifications claimed
//! under a lease, at most the oldest unsent one of each order (so a later
//! notification never overtakes an earlier one that is still retrying), and
//! each marked sent, rescheduled or dead.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::schema::kuper_outbox;
use crate::{DbConn, StorageError, with_conn};

const PENDING: &str = "pending";
const SENT: &str = "sent";
const DEAD: &str = "dead";
const DISCARDED: &str = "discarded";

/// One notification to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxItem {
    pub id: i64,
    pub order_id: String,
    pub kind: String,
    pub payload: String,
    /// Attempts before this one.
    pub attempts: i32,
}

/// A notification as staff see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: i64,
    pub order_id: String,
    pub kind: String,
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
}

#[derive(Clone, Copy, Debug)]
pub struct DbKuperOutbox;

fn naive(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

impl DbKuperOutbox {
    /// Claims up to `limit` due notifications for `lease`: for each order its
    /// oldest pending one, if its time has come and nobody holds it.
    pub fn claim(
        conn: &mut DbConn,
        now: DateTime<Utc>,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<OutboxItem>, StorageError> {
        let (now, until) = (naive(now), naive(now + lease));
        with_conn!(conn, |c| {
            let candidates: Vec<(i64, String, String, String, i32)> = kuper_outbox::table
                .filter(kuper_outbox::state.eq(PENDING))
                .filter(kuper_outbox::next_attempt_at.is_null().or(kuper_outbox::next_attempt_at.le(now)))
                .filter(kuper_outbox::leased_until.is_null().or(kuper_outbox::leased_until.lt(now)))
                .order(kuper_outbox::id)
                .limit(limit * 4)
                .select((
                    kuper_outbox::id,
                    kuper_outbox::order_id,
                    kuper_outbox::kind,
                    kuper_outbox::payload,
                    kuper_outbox::attempts,
                ))
                .load(c)?;
            let mut claimed = Vec::new();
            for (id, order_id, kind, payload, attempts) in candidates {
                if i64::try_from(claimed.len()).unwrap_or(i64::MAX) >= limit
                    || claimed.iter().any(|i: &OutboxItem| i.order_id == order_id)
                {
                    continue;
                }
                // An earlier notification of the order still pending (waiting
                // for its retry, or held by another dispatcher) goes first.
                let earlier: i64 = kuper_outbox::table
                    .filter(kuper_outbox::order_id.eq(&order_id))
                    .filter(kuper_outbox::state.eq(PENDING))
                    .filter(kuper_outbox::id.lt(id))
                    .count()
                    .get_result(c)?;
                if earlier > 0 {
                    continue;
                }
                // The lease is taken only if nobody took it meanwhile.
                let taken = diesel::update(
                    kuper_outbox::table
                        .find(id)
                        .filter(kuper_outbox::leased_until.is_null().or(kuper_outbox::leased_until.lt(now))),
                )
                .set(kuper_outbox::leased_until.eq(until))
                .execute(c)?;
                if taken == 1 {
                    claimed.push(OutboxItem { id, order_id, kind, payload, attempts });
                }
            }
            Ok::<_, diesel::result::Error>(claimed)
        })
        .map_err(StorageError::from)
    }

    pub fn sent(conn: &mut DbConn, id: i64, at: DateTime<Utc>) -> Result<(), StorageError> {
        with_conn!(conn, |c| diesel::update(kuper_outbox::table.find(id))
            .set((
                kuper_outbox::state.eq(SENT),
                kuper_outbox::sent_at.eq(naive(at)),
                kuper_outbox::attempts.eq(kuper_outbox::attempts + 1),
                kuper_outbox::leased_until.eq(None::<NaiveDateTime>),
            ))
            .execute(c))?;
        Ok(())
    }

    /// Another attempt at `next`.
    pub fn retry(conn: &mut DbConn, id: i64, next: DateTime<Utc>, error: &str) -> Result<(), StorageError> {
        with_conn!(conn, |c| diesel::update(kuper_outbox::table.find(id))
            .set((
                kuper_outbox::attempts.eq(kuper_outbox::attempts + 1),
                kuper_outbox::next_attempt_at.eq(naive(next)),
                kuper_outbox::last_error.eq(error),
                kuper_outbox::leased_until.eq(None::<NaiveDateTime>),
            ))
            .execute(c))?;
        Ok(())
    }

    /// No more attempts: the dead letter, for staff.
    pub fn dead(conn: &mut DbConn, id: i64, error: &str) -> Result<(), StorageError> {
        with_conn!(conn, |c| diesel::update(kuper_outbox::table.find(id))
            .set((
                kuper_outbox::state.eq(DEAD),
                kuper_outbox::attempts.eq(kuper_outbox::attempts + 1),
                kuper_outbox::last_error.eq(error),
                kuper_outbox::leased_until.eq(None::<NaiveDateTime>),
            ))
            .execute(c))?;
        Ok(())
    }

    /// Puts a dead notification back in the queue, due now; `false` when
    /// there is no dead one with this id.
    pub fn revive(conn: &mut DbConn, id: i64) -> Result<bool, StorageError> {
        let changed = with_conn!(conn, |c| diesel::update(
            kuper_outbox::table.find(id).filter(kuper_outbox::state.eq(DEAD))
        )
        .set((
            kuper_outbox::state.eq(PENDING),
            kuper_outbox::attempts.eq(0),
            kuper_outbox::next_attempt_at.eq(None::<NaiveDateTime>),
        ))
        .execute(c))?;
        Ok(changed == 1)
    }

    /// Gives up a dead notification for good; `false` when there is no dead
    /// one with this id.
    pub fn discard(conn: &mut DbConn, id: i64) -> Result<bool, StorageError> {
        let changed = with_conn!(conn, |c| diesel::update(
            kuper_outbox::table.find(id).filter(kuper_outbox::state.eq(DEAD))
        )
        .set(kuper_outbox::state.eq(DISCARDED))
        .execute(c))?;
        Ok(changed == 1)
    }

    /// Notifications in `state` (all when `None`), oldest first.
    pub fn list(conn: &mut DbConn, state: Option<&str>, limit: i64) -> Result<Vec<OutboxRow>, StorageError> {
        let rows: Vec<(i64, String, String, String, i32, Option<String>)> = with_conn!(conn, |c| {
            let mut query = kuper_outbox::table.into_boxed();
            if let Some(state) = state {
                query = query.filter(kuper_outbox::state.eq(state.to_owned()));
            }
            query
                .order(kuper_outbox::id)
                .limit(limit)
                .select((
                    kuper_outbox::id,
                    kuper_outbox::order_id,
                    kuper_outbox::kind,
                    kuper_outbox::state,
                    kuper_outbox::attempts,
                    kuper_outbox::last_error,
                ))
                .load(c)
        })?;
        Ok(rows
            .into_iter()
            .map(|(id, order_id, kind, state, attempts, last_error)| OutboxRow {
                id,
                order_id,
                kind,
                state,
                attempts,
                last_error,
            })
            .collect())
    }
}
