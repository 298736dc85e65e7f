//! How a payment follows what its gateway reports, as a table. The gateway
//! is the truth, but its reports can come late, twice, or out of order (a
//! notification and a read racing): a report never moves a payment
//! backwards, and nothing leaves a final status.

use orders::OrderStatus;

use crate::model::PaymentStatus;

/// What a report does to a payment in status `from`: the status to move
/// to, or `None` to keep it (stale, repeated, or after the end).
pub fn follow(from: PaymentStatus, reported: PaymentStatus) -> Option<PaymentStatus> {
    use PaymentStatus as S;
    match (from, reported) {
        (S::Pending, S::WaitingForCapture | S::Succeeded | S::Canceled | S::Failed)
        | (S::WaitingForCapture, S::Succeeded | S::Canceled | S::Failed) => Some(reported),
        _ => None,
    }
}

/// What a payment that has just succeeded does to its order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnSuccess {
    /// The order waits for this money: it is paid. Should the order's
    /// state machine refuse that by the time it is applied (expired
    /// meanwhile), the money goes back as with [`OnSuccess::Refund`].
    PayOrder,
    /// Money for an order that can no longer take it (cancelled, expired,
    /// paid by another attempt, or gone): a refund is queued.
    Refund,
}

/// [`OnSuccess`] for an order in `order` (`None`: no such order).
pub fn on_success(order: Option<OrderStatus>) -> OnSuccess {
    match order {
        Some(OrderStatus::New) => OnSuccess::PayOrder,
        _ => OnSuccess::Refund,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_order_waiting_for_money_takes_it_any_other_gives_it_back() {
        let cases = [
            (Some(OrderStatus::New), OnSuccess::PayOrder),
            (Some(OrderStatus::Paid), OnSuccess::Refund),
            (Some(OrderStatus::Processing), OnSuccess::Refund),
            (Some(OrderStatus::Delivering), OnSuccess::Refund),
            (Some(OrderStatus::ReadyForPickup), OnSuccess::Refund),
            (Some(OrderStatus::Completed), OnSuccess::Refund),
            (Some(OrderStatus::Cancelled), OnSuccess::Refund),
            (None, OnSuccess::Refund),
        ];
        assert_eq!(cases.len(), OrderStatus::ALL.len() + 1, "every status is in the table");
        for (order, effect) in cases {
            assert_eq!(on_success(order), effect, "{order:?}");
        }
    }
    use PaymentStatus as S;

    #[test]
    fn the_whole_table() {
        // (from, reported) → to, for every pair, written out independently.
        let moves = [
            (S::Pending, S::WaitingForCapture),
            (S::Pending, S::Succeeded),
            (S::Pending, S::Canceled),
            (S::Pending, S::Failed),
            (S::WaitingForCapture, S::Succeeded),
            (S::WaitingForCapture, S::Canceled),
            (S::WaitingForCapture, S::Failed),
        ];
        for from in S::ALL {
            for reported in S::ALL {
                let expected = moves.contains(&(from, reported)).then_some(reported);
                assert_eq!(follow(from, reported), expected, "{from} reported {reported}");
            }
        }
    }

    #[test]
    fn final_statuses_never_move_and_reports_never_go_back() {
        for from in S::ALL.into_iter().filter(|s| s.is_final()) {
            for reported in S::ALL {
                assert_eq!(follow(from, reported), None);
            }
        }
        assert_eq!(follow(S::WaitingForCapture, S::Pending), None);
    }

    #[test]
    fn names_are_the_seed_s() {
        let names: Vec<&str> = S::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["pending", "waiting_for_capture", "succeeded", "canceled", "failed"]);
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
    }
}
