//! The Kuper outbox as the dispatcher works it: due notifications claimed
//! under a lease, at most the oldest unsent one of each order (so a later
//! notification never overtakes an earlier one that is still retrying, nor
//! one Kuper refused: a dead letter stops its order's sequence until staff
//! retry or discard it), and each marked sent, rescheduled or dead.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use orders::kuper::OutboxRow;
use orders::kuper::states::OutboxState;

use crate::rows::naive;
use crate::schema::kuper_outbox;
use crate::{AnyConnection, StorageError};

const PENDING: &str = OutboxState::Pending.as_str();
const SENT: &str = OutboxState::Sent.as_str();
const DEAD: &str = OutboxState::Dead.as_str();
const DISCARDED: &str = OutboxState::Discarded.as_str();

/// One notification to send.
#[derive(Clone, Debug, PartialEq, Eq, QueryableByName)]
#[diesel(table_name = kuper_outbox)]
pub struct OutboxItem {
    pub id: i64,
    pub order_id: String,
    pub kind: String,
    pub payload: String,
    /// Attempts before this one.
    pub attempts: i32,
}

#[derive(Clone, Copy, Debug)]
pub struct DbKuperOutbox;

impl DbKuperOutbox {
    /// Claims up to `limit` due notifications for `lease`: for each order its
    /// oldest pending one, if its time has come and nobody holds it. One
    /// statement, so that dispatchers sharing a database never take the same
    /// row (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite writes one at a time).
    pub fn claim(
        conn: &mut AnyConnection,
        now: DateTime<Utc>,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<OutboxItem>, StorageError> {
        use diesel::sql_types::{BigInt, Timestamp};
        let (now, until) = (naive(now), naive(now + lease));
        let ([until_p, now_p, limit_p], lock) = match conn {
            AnyConnection::Postgres(_) => (["$1", "$2", "$3"], "FOR UPDATE SKIP LOCKED"),
            AnyConnection::Sqlite(_) => (["?1", "?2", "?3"], ""),
        };
        // An earlier notification of the order still pending (waiting for its
        // retry, or held by another dispatcher) goes first; one that is dead
        // holds the rest back: Kuper would refuse them out of sequence.
        let sql = format!(
            "UPDATE kuper_outbox SET leased_until = {until_p} WHERE id IN ( \
                   SELECT o.id FROM kuper_outbox o \
                   WHERE o.state = 'pending' \
                     AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= {now_p}) \
                     AND (o.leased_until IS NULL OR o.leased_until < {now_p}) \
                     AND NOT EXISTS (SELECT 1 FROM kuper_outbox e \
                                     WHERE e.order_id = o.order_id AND e.state IN ('pending', 'dead') \
                                       AND e.id < o.id) \
                   ORDER BY o.id LIMIT {limit_p} {lock}) \
                 RETURNING id, order_id, kind, payload, attempts"
        );
        let mut claimed: Vec<OutboxItem> = {
            diesel::sql_query(&sql)
                .bind::<Timestamp, _>(until)
                .bind::<Timestamp, _>(now)
                .bind::<BigInt, _>(limit)
                .load::<OutboxItem>(conn)?
        };
        claimed.sort_by_key(|item| item.id);
        Ok(claimed)
    }

    /// Marks every notification of `ids` sent, in one statement.
    pub fn sent_all(conn: &mut AnyConnection, ids: &[i64], at: DateTime<Utc>) -> Result<(), StorageError> {
        if ids.is_empty() {
            return Ok(());
        }
        diesel::update(kuper_outbox::table.filter(kuper_outbox::id.eq_any(ids)))
            .set((
                kuper_outbox::state.eq(SENT),
                kuper_outbox::sent_at.eq(naive(at)),
                kuper_outbox::attempts.eq(kuper_outbox::attempts + 1),
                kuper_outbox::leased_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// Another attempt at `next`.
    pub fn retry(
        conn: &mut AnyConnection,
        id: i64,
        next: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StorageError> {
        diesel::update(kuper_outbox::table.find(id))
            .set((
                kuper_outbox::attempts.eq(kuper_outbox::attempts + 1),
                kuper_outbox::next_attempt_at.eq(naive(next)),
                kuper_outbox::last_error.eq(error),
                kuper_outbox::leased_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// No more attempts: the dead letter, for staff.
    pub fn dead(conn: &mut AnyConnection, id: i64, error: &str) -> Result<(), StorageError> {
        diesel::update(kuper_outbox::table.find(id))
            .set((
                kuper_outbox::state.eq(DEAD),
                kuper_outbox::attempts.eq(kuper_outbox::attempts + 1),
                kuper_outbox::last_error.eq(error),
                kuper_outbox::leased_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// Puts a dead notification back in the queue, due now; `false` when
    /// there is no dead one with this id.
    pub fn revive(conn: &mut AnyConnection, id: i64) -> Result<bool, StorageError> {
        let changed = diesel::update(kuper_outbox::table.find(id).filter(kuper_outbox::state.eq(DEAD)))
            .set((
                kuper_outbox::state.eq(PENDING),
                kuper_outbox::attempts.eq(0),
                kuper_outbox::next_attempt_at.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
        Ok(changed == 1)
    }

    /// Gives up a dead notification for good; `false` when there is no dead
    /// one with this id.
    pub fn discard(conn: &mut AnyConnection, id: i64) -> Result<bool, StorageError> {
        let changed = diesel::update(kuper_outbox::table.find(id).filter(kuper_outbox::state.eq(DEAD)))
            .set(kuper_outbox::state.eq(DISCARDED))
            .execute(conn)?;
        Ok(changed == 1)
    }

    /// How many notifications are in each state (for the metrics).
    pub fn count_by_state(conn: &mut AnyConnection) -> Result<Vec<(String, i64)>, StorageError> {
        Ok(kuper_outbox::table
            .group_by(kuper_outbox::state)
            .select((kuper_outbox::state, diesel::dsl::count_star()))
            .load::<(String, i64)>(conn)?)
    }

    /// Notifications in `state` (all when `None`), oldest first.
    pub fn list(
        conn: &mut AnyConnection,
        state: Option<OutboxState>,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StorageError> {
        let rows: Vec<(i64, String, String, String, i32, Option<String>)> = {
            let mut query = kuper_outbox::table.into_boxed();
            if let Some(state) = state {
                query = query.filter(kuper_outbox::state.eq(state.as_str()));
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
                .load(conn)?
        };
        let ours: Vec<String> = rows.iter().map(|r| r.1.clone()).collect();
        let originals: std::collections::HashMap<String, String> = crate::schema::kuper_orders::table
            .filter(crate::schema::kuper_orders::order_id.eq_any(&ours))
            .select((crate::schema::kuper_orders::order_id, crate::schema::kuper_orders::original_order_id))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect();
        rows.into_iter()
            .map(|(id, order_id, kind, state, attempts, last_error)| {
                Ok(OutboxRow {
                    id,
                    original_order_id: originals.get(&order_id).cloned(),
                    order_id,
                    kind,
                    state: OutboxState::parse(&state)
                        .ok_or_else(|| StorageError::corrupt("kuper_outbox.state", &state))?,
                    attempts,
                    last_error,
                })
            })
            .collect()
    }

    /// PostgreSQL: the next send slot under Kuper's rate limit shared by
    /// every listener instance (slots `interval` apart, in the database's
    /// clock); how long to wait for it. `None` on SQLite: one process, its
    /// dispatcher paces in memory.
    pub fn reserve_send_slot(
        conn: &mut AnyConnection,
        interval: std::time::Duration,
    ) -> Result<Option<std::time::Duration>, StorageError> {
        #[derive(QueryableByName)]
        struct Wait {
            #[diesel(sql_type = diesel::sql_types::Double)]
            wait_secs: f64,
        }
        let AnyConnection::Postgres(c) = conn else { return Ok(None) };
        let wait: Wait = diesel::sql_query(
            "UPDATE kuper_send_pace \
             SET next_at = GREATEST(next_at, clock_timestamp() AT TIME ZONE 'UTC') + make_interval(secs => $1) \
             WHERE id = 1 \
             RETURNING EXTRACT(EPOCH FROM (next_at - make_interval(secs => $1) \
                 - (clock_timestamp() AT TIME ZONE 'UTC')))::float8 AS wait_secs",
        )
        .bind::<diesel::sql_types::Double, _>(interval.as_secs_f64())
        .get_result(c)?;
        Ok(Some(std::time::Duration::try_from_secs_f64(wait.wait_secs.max(0.0)).unwrap_or_default()))
    }
}
