//! How a payment follows what its gateway reports, as a table. The gateway
//! is the truth, but its reports can come late, twice, or out of order (a
//! notification and a read racing): a report never moves a payment
//! backwards, and nothing leaves a final status.

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

#[cfg(test)]
mod tests {
    use super::*;
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
