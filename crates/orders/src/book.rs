//! The order book as staff work it, across both channels: which orders a
//! person still has to pick, and which of those are due soon enough to
//! come first in the queue.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use domain::RepoError;

use crate::OrderStatus;
use crate::kuper::flow::KuperStatus;

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
    /// Whom it is for, as a bag may say it (Kuper's customer: first name,
    /// the phone's last four digits); `None` when not known here.
    pub customer: Option<String>,
    /// How big it is.
    pub contents: Contents,
    /// Its total as the channel states it (ours in roubles; Kuper's as it
    /// sent it).
    pub total: Option<String>,
}

/// How big an order is: its lines (replacements not counted), the pieces
/// of goods sold by the piece, the grams of goods sold by weight.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Contents {
    pub lines: u32,
    pub pieces: i64,
    pub grams: i64,
}

/// How pressing an order is for the store's people.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Urgency {
    /// Still to pick and past its time.
    Late,
    /// Still to pick and due within [`DUE_SOON_MINUTES`].
    DueSoon,
    /// Still to pick, due later or with no time given.
    Waiting,
    /// Nothing for the store's people to pick.
    Done,
}

/// [`Urgency`] of an order of `channel` in `status` due at `due`, at `now`.
pub fn urgency(channel: &str, status: &str, due: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Urgency {
    if !still_to_pick(channel, status) {
        return Urgency::Done;
    }
    match due {
        Some(due) if due < now => Urgency::Late,
        Some(due) if due <= now + Duration::minutes(DUE_SOON_MINUTES) => Urgency::DueSoon,
        _ => Urgency::Waiting,
    }
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

/// The order book of both channels, as staff read it.
#[async_trait]
pub trait OrderBook: Send + Sync + std::fmt::Debug {
    /// Up to `limit` orders of both channels, newest first.
    async fn list(&self, filter: &BookFilter, limit: i64) -> Result<Vec<BookEntry>, RepoError>;
    /// A mark that changes whenever the orders `filter` lists change (a
    /// new order, a status moved): the live queue compares it instead of
    /// the whole list.
    async fn stamp(&self, filter: &BookFilter) -> Result<String, RepoError>;
    /// The lines of `orders` that hold a product of ours, each named by
    /// its order's reference (`kuper:<Kuper's id>`, `mcp:<our id>`);
    /// replacement lines are not picked from the list.
    async fn lines_to_pick(
        &self,
        orders: &[BookEntry],
    ) -> Result<Vec<crate::pick_list::LineToPick>, RepoError>;
}

impl BookEntry {
    /// How staff and the audit trail name the order.
    pub fn reference(&self) -> String {
        match (self.channel.as_str(), &self.external_id) {
            ("kuper", Some(original)) => format!("kuper:{original}"),
            (channel, _) => format!("{channel}:{}", self.id),
        }
    }
}

/// How long before it is due an order still to be picked comes first.
pub const DUE_SOON_MINUTES: i64 = 30;

/// Whether an order of `channel` (`mcp` or `kuper`) in `status` (the
/// channel's own name) still waits for the store's people: paid and not
/// yet handed over. An unpaid MCP order is not picked; an order ready,
/// on its way or closed is done on our side. Unknown names: not waiting.
pub fn still_to_pick(channel: &str, status: &str) -> bool {
    match channel {
        "mcp" => matches!(status.parse(), Ok(OrderStatus::Paid | OrderStatus::Processing)),
        "kuper" => matches!(
            KuperStatus::parse(status),
            Some(
                KuperStatus::Created
                    | KuperStatus::Accepted
                    | KuperStatus::InWork
                    | KuperStatus::Assembled
                    | KuperStatus::PickupCodeSent
            )
        ),
        _ => false,
    }
}

/// Whether the order comes first in the queue: still to pick and due
/// within [`DUE_SOON_MINUTES`] (or overdue).
pub fn due_soon(channel: &str, status: &str, due: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    still_to_pick(channel, status) && due.is_some_and(|due| due <= now + Duration::minutes(DUE_SOON_MINUTES))
}

/// The queue's order: what is due soon first, the most pressing on top;
/// the rest stays as listed (newest first).
pub fn queue_order(book: &mut [BookEntry], now: DateTime<Utc>) {
    book.sort_by_key(
        |e| if due_soon(&e.channel, &e.status, e.due_at, now) { (0, e.due_at) } else { (1, None) },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_still_to_pick() {
        for (channel, status, waiting) in [
            ("mcp", "new", false),
            ("mcp", "paid", true),
            ("mcp", "processing", true),
            ("mcp", "ready_for_pickup", false),
            ("mcp", "delivering", false),
            ("mcp", "completed", false),
            ("mcp", "cancelled", false),
            ("kuper", "created", true),
            ("kuper", "accepted", true),
            ("kuper", "in_work", true),
            ("kuper", "assembled", true),
            ("kuper", "pickup_code_sent", true),
            ("kuper", "ready", false),
            ("kuper", "received", false),
            ("kuper", "delivering", false),
            ("kuper", "delivered", false),
            ("kuper", "canceled", false),
            ("kuper", "paid", false),
            ("mcp", "created", false),
            ("pigeon", "paid", false),
        ] {
            assert_eq!(still_to_pick(channel, status), waiting, "{channel} {status}");
        }
    }

    #[test]
    fn due_soon_is_within_half_an_hour_or_overdue() {
        let now = DateTime::parse_from_rfc3339("2026-11-30T10:00:00Z").unwrap().with_timezone(&Utc);
        let at = |minutes: i64| Some(now + Duration::minutes(minutes));
        for (status, due, soon) in [
            ("in_work", at(-90), true),
            ("in_work", at(0), true),
            ("in_work", at(30), true),
            ("in_work", at(31), false),
            ("in_work", None, false),
            ("ready", at(5), false),
            ("canceled", at(-5), false),
        ] {
            assert_eq!(due_soon("kuper", status, due, now), soon, "{status} {due:?}");
        }
        assert!(due_soon("mcp", "paid", at(10), now));
        assert!(!due_soon("mcp", "new", at(10), now), "unpaid: nobody picks it yet");
    }

    #[test]
    fn late_is_past_its_time_soon_within_half_an_hour_and_done_is_never_pressing() {
        let now = DateTime::parse_from_rfc3339("2026-11-30T10:00:00Z").unwrap().with_timezone(&Utc);
        let at = |minutes: i64| Some(now + Duration::minutes(minutes));
        for (channel, status, due, expected) in [
            ("kuper", "in_work", at(-1), Urgency::Late),
            ("kuper", "in_work", at(0), Urgency::DueSoon),
            ("kuper", "created", at(30), Urgency::DueSoon),
            ("kuper", "created", at(31), Urgency::Waiting),
            ("kuper", "created", None, Urgency::Waiting),
            ("kuper", "delivered", at(-60), Urgency::Done),
            ("mcp", "paid", at(-5), Urgency::Late),
            ("mcp", "processing", at(10), Urgency::DueSoon),
            ("mcp", "new", at(-5), Urgency::Done),
            ("mcp", "completed", at(-5), Urgency::Done),
        ] {
            assert_eq!(urgency(channel, status, due, now), expected, "{channel} {status} {due:?}");
        }
    }

    #[test]
    fn the_queue_puts_what_is_due_soon_first_most_pressing_on_top() {
        let now = DateTime::parse_from_rfc3339("2026-11-30T10:00:00Z").unwrap().with_timezone(&Utc);
        let entry = |id: &str, status: &str, due: Option<i64>| BookEntry {
            channel: "kuper".into(),
            id: id.into(),
            external_id: None,
            store: "S1".into(),
            status: status.into(),
            fulfilment: "kuper_delivery".into(),
            restaurant: false,
            created_at: now,
            due_at: due.map(|m| now + Duration::minutes(m)),
            customer: None,
            contents: Contents::default(),
            total: None,
        };
        // Listed newest first, as the book answers.
        let mut book = vec![
            entry("new-far", "in_work", Some(120)),
            entry("soon", "in_work", Some(20)),
            entry("done-overdue", "delivered", Some(-60)),
            entry("no-window", "accepted", None),
            entry("overdue", "accepted", Some(-10)),
        ];
        queue_order(&mut book, now);
        let ids: Vec<&str> = book.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["overdue", "soon", "new-far", "done-overdue", "no-window"]);
    }
}
