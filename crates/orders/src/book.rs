//! The order book as staff work it, across both channels: which orders a
//! person still has to pick, and which of those are due soon enough to
//! come first in the queue.

use chrono::{DateTime, Duration, Utc};

use crate::OrderStatus;
use crate::kuper::flow::KuperStatus;

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
}
