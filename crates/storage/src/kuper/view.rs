//! Kuper orders as staff see them: the order with its lines, what Kuper
//! told us and where each notification is; the list; and what needs a
//! person.

use catalog::stock::StockQty;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use orders::kuper::flow::{IntegrationType, KuperStatus};
use orders::kuper::states::{InboxState, OutboxState};
use orders::kuper::{Attention, HistoryEntry, KuperOrderView, LineView, NoticeView, notice};

use super::{DbKuperInbox, LineRecord, corrupt};
use crate::schema::{kuper_inbox, kuper_order_lines, kuper_orders, kuper_outbox};
use crate::{AnyConnection, StorageError};

type OrderRow = (String, String, String, bool, String, bool, String);
type NoticeRow = (i64, String, String, i32, Option<String>);

impl DbKuperInbox {
    /// Kuper orders, newest first: Kuper's id, our number, status, paid.
    pub fn list(
        conn: &mut AnyConnection,
        limit: i64,
    ) -> Result<Vec<(String, String, String, bool)>, StorageError> {
        Ok(kuper_orders::table
            .order(kuper_orders::created_at.desc())
            .limit(limit)
            .select((
                kuper_orders::original_order_id,
                kuper_orders::order_id,
                kuper_orders::status,
                kuper_orders::paid,
            ))
            .load(conn)?)
    }

    /// The Kuper order with this Kuper id.
    pub fn order(
        conn: &mut AnyConnection,
        original_order_id: &str,
    ) -> Result<Option<KuperOrderView>, StorageError> {
        if !domain::is_plausible_id(original_order_id) {
            return Ok(None);
        }
        let row: Option<OrderRow> = kuper_orders::table
            .filter(kuper_orders::original_order_id.eq(original_order_id))
            .select((
                kuper_orders::order_id,
                kuper_orders::store_id,
                kuper_orders::integration,
                kuper_orders::restaurant,
                kuper_orders::status,
                kuper_orders::paid,
                kuper_orders::details,
            ))
            .first(conn)
            .optional()?;
        let Some((order_id, store_id, integration, restaurant, status, paid, details)) = row else {
            return Ok(None);
        };
        let lines = Self::lines(conn, &order_id)?;
        let (notifications, history) = Self::exchanges(conn, original_order_id, &order_id)?;
        let kuper_status = notifications
            .iter()
            .rev()
            .filter(|n| n.state == OutboxState::Sent.as_str())
            .find_map(|n| notice::acknowledged(&n.kind));
        Ok(Some(KuperOrderView {
            order_id,
            original_order_id: original_order_id.to_owned(),
            store_id,
            integration: IntegrationType::parse(&integration)
                .ok_or_else(|| corrupt("kuper_orders.integration", &integration))?,
            restaurant,
            status: KuperStatus::parse(&status).ok_or_else(|| corrupt("kuper_orders.status", &status))?,
            kuper_status,
            paid,
            lines,
            details: serde_json::from_str(&details).map_err(|e| corrupt("kuper_orders.details", e))?,
            notifications,
            history,
        }))
    }

    /// The order's lines, a replacement naming the position it replaces.
    fn lines(conn: &mut AnyConnection, order_id: &str) -> Result<Vec<LineView>, StorageError> {
        let rows: Vec<LineRecord> = kuper_order_lines::table
            .filter(kuper_order_lines::order_id.eq(order_id))
            .order(kuper_order_lines::line_no)
            .select(LineRecord::as_select())
            .load(conn)?;
        let position_of =
            |line_no: i32| rows.iter().find(|r| r.line_no == line_no).map(|r| r.position_id.clone());
        let lines = rows
            .iter()
            .map(|row| LineView {
                position_id: row.position_id.clone(),
                sku: row.sku(),
                ordered: StockQty::from_thousandths(row.ordered),
                weighted: row.weighted,
                held: StockQty::from_thousandths(row.held),
                picked: row.picked.map(StockQty::from_thousandths),
                replaces: row.replaces.and_then(position_of),
            })
            .collect();
        Ok(lines)
    }

    /// The order's notifications, and its history: every event in and
    /// notification out, oldest first.
    fn exchanges(
        conn: &mut AnyConnection,
        original_order_id: &str,
        order_id: &str,
    ) -> Result<(Vec<NoticeView>, Vec<HistoryEntry>), StorageError> {
        let events: Vec<(NaiveDateTime, String, String, Option<String>)> = kuper_inbox::table
            .filter(kuper_inbox::original_order_id.eq(original_order_id))
            .order((kuper_inbox::received_at, kuper_inbox::event_key))
            .select((
                kuper_inbox::received_at,
                kuper_inbox::event_type,
                kuper_inbox::state,
                kuper_inbox::note,
            ))
            .load(conn)?;
        let sent: Vec<(NaiveDateTime, Option<NaiveDateTime>)> = kuper_outbox::table
            .filter(kuper_outbox::order_id.eq(order_id))
            .order(kuper_outbox::id)
            .select((kuper_outbox::created_at, kuper_outbox::sent_at))
            .load(conn)?;
        let notices: Vec<NoticeRow> = kuper_outbox::table
            .filter(kuper_outbox::order_id.eq(order_id))
            .order(kuper_outbox::id)
            .select((
                kuper_outbox::id,
                kuper_outbox::kind,
                kuper_outbox::state,
                kuper_outbox::attempts,
                kuper_outbox::last_error,
            ))
            .load(conn)?;
        let notifications: Vec<NoticeView> = notices
            .into_iter()
            .map(|(id, kind, state, attempts, last_error)| NoticeView {
                id,
                kind,
                state,
                attempts,
                last_error,
            })
            .collect();
        let mut history: Vec<HistoryEntry> = events
            .into_iter()
            .map(|(at, kind, outcome, note)| HistoryEntry {
                at: at.and_utc(),
                direction: "in",
                kind,
                outcome,
                note,
            })
            .chain(notifications.iter().zip(sent).map(|(n, (queued, sent))| HistoryEntry {
                at: sent.unwrap_or(queued).and_utc(),
                direction: "out",
                kind: n.kind.clone(),
                outcome: n.state.clone(),
                note: n.last_error.clone(),
            }))
            .collect();
        history.sort_by_key(|h| h.at);
        Ok((notifications, history))
    }

    /// What needs a person, oldest first: updates we could not apply, dead
    /// letters (the order's later notifications wait for them), events
    /// whose order never came.
    pub fn attention(conn: &mut AnyConnection, limit: i64) -> Result<Vec<Attention>, StorageError> {
        let events: Vec<(String, String, Option<String>, NaiveDateTime)> = kuper_inbox::table
            .filter(kuper_inbox::state.eq_any(needs_staff()))
            .order(kuper_inbox::received_at)
            .limit(limit)
            .select((
                kuper_inbox::original_order_id,
                kuper_inbox::state,
                kuper_inbox::note,
                kuper_inbox::received_at,
            ))
            .load(conn)?;
        let dead: Vec<(String, String, Option<String>, NaiveDateTime)> = kuper_outbox::table
            .inner_join(kuper_orders::table.on(kuper_orders::order_id.eq(kuper_outbox::order_id)))
            .filter(kuper_outbox::state.eq(OutboxState::Dead.as_str()))
            .order(kuper_outbox::id)
            .limit(limit)
            .select((
                kuper_orders::original_order_id,
                kuper_outbox::kind,
                kuper_outbox::last_error,
                kuper_outbox::created_at,
            ))
            .load(conn)?;
        let mut all: Vec<Attention> = events
            .into_iter()
            .map(|(original, state, note, at)| Attention {
                original_order_id: original,
                kind: if state == InboxState::Raised.as_str() { "update" } else { "orphan" }.into(),
                note: note.unwrap_or_default(),
                at: at.and_utc(),
            })
            .chain(dead.into_iter().map(|(original, kind, error, at)| Attention {
                original_order_id: original,
                kind: "dead_letter".into(),
                note: format!("{kind}: {}", error.unwrap_or_default()),
                at: at.and_utc(),
            }))
            .collect();
        all.sort_by_key(|a| a.at);
        all.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(all)
    }

    /// How many things need a person, by kind (for the metrics); every
    /// kind is present, zero included, so an alert can watch it.
    pub fn attention_by_kind(conn: &mut AnyConnection) -> Result<Vec<(String, i64)>, StorageError> {
        let events: Vec<(String, i64)> = kuper_inbox::table
            .filter(kuper_inbox::state.eq_any(needs_staff()))
            .group_by(kuper_inbox::state)
            .select((kuper_inbox::state, diesel::dsl::count_star()))
            .load(conn)?;
        let dead: i64 = kuper_outbox::table
            .filter(kuper_outbox::state.eq(OutboxState::Dead.as_str()))
            .count()
            .get_result(conn)?;
        let of = |state: &str| events.iter().find(|(s, _)| s == state).map_or(0, |(_, n)| *n);
        Ok(vec![
            ("update".into(), of(InboxState::Raised.as_str())),
            ("dead_letter".into(), dead),
            ("orphan".into(), of(InboxState::Waiting.as_str())),
        ])
    }
}

/// The inbox states staff must look at, as stored.
fn needs_staff() -> Vec<&'static str> {
    InboxState::ALL.into_iter().filter(|s| s.needs_staff()).map(InboxState::as_str).collect()
}
