//! `order.updated`: what Kuper changed, applied where it still can be, and
//! raised to staff where it cannot (never dropped). Changed positions move
//! the holds; a changed window, address, comment or customer replaces what
//! we keep.

use std::collections::HashMap;

use catalog::stock::StockQty;

use super::NewLine;
use super::details::{Address, Customer, DeliveryWindow, KuperDetails};
use super::flow::KuperStatus;
use super::intake::IntakeLine;

/// What an `order.updated` says changed; `None`: not mentioned.
#[derive(Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OrderUpdate {
    pub kind: Option<String>,
    /// The order's positions as they now are (all of them).
    pub lines: Option<Vec<NewLine>>,
    pub customer: Option<Customer>,
    pub address: Option<Address>,
    pub delivery: Option<DeliveryWindow>,
    pub comment: Option<String>,
    pub replacement_policy: Option<String>,
}

/// The customer's words and whereabouts are theirs: never in `{:?}`.
impl std::fmt::Debug for OrderUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderUpdate")
            .field("kind", &self.kind)
            .field("lines", &self.lines)
            .field("customer", &self.customer)
            .field("address", &self.address)
            .field("delivery", &self.delivery)
            .field("comment", &domain::personal::Redacted(&self.comment))
            .field("replacement_policy", &self.replacement_policy)
            .finish()
    }
}

impl OrderUpdate {
    fn changes_details(&self) -> bool {
        self.customer.is_some()
            || self.address.is_some()
            || self.delivery.is_some()
            || self.comment.is_some()
            || self.replacement_policy.is_some()
    }
}

/// What becomes of an update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Apply it: new details, and new lines when `lines`.
    Apply { lines: bool },
    /// Staff decide; the order is not changed.
    Raise(&'static str),
}

/// The table: before assembly everything applies; once assembled the goods
/// are picked, so new positions go to staff; once `ready_for_delivery` is
/// sent Kuper has the final composition and charges by it, so every change
/// goes to staff.
pub fn decide(status: KuperStatus, update: &OrderUpdate) -> Decision {
    if status.is_final() {
        return Decision::Raise("the order is closed");
    }
    if status >= KuperStatus::Ready {
        return Decision::Raise("the final composition is with Kuper already: staff decide");
    }
    if update.lines.is_some() && status >= KuperStatus::Assembled {
        return Decision::Raise("the order is assembled: staff re-pick or cancel");
    }
    if update.lines.is_none() && !update.changes_details() {
        return Decision::Raise("the update names nothing we know how to apply");
    }
    Decision::Apply { lines: update.lines.is_some() }
}

/// Replaces what the update names in `details`.
pub fn apply_details(details: &mut KuperDetails, update: &OrderUpdate) {
    fn set<T: Clone>(field: &mut Option<T>, value: Option<&T>) {
        if let Some(value) = value {
            *field = Some(value.clone());
        }
    }
    set(&mut details.customer, update.customer.as_ref());
    set(&mut details.address, update.address.as_ref());
    set(&mut details.delivery, update.delivery.as_ref());
    set(&mut details.comment, update.comment.as_ref());
    set(&mut details.replacement_policy, update.replacement_policy.as_ref());
}

/// A line as it holds now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentLine {
    pub position_id: String,
    pub sku: Option<String>,
    pub held: StockQty,
}

/// The stock moves that take the holds from `current` to `new` (matched by
/// Kuper's position id): releases of what is held no more, holds of what
/// is held more.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HoldChanges {
    pub release: Vec<(String, StockQty)>,
    pub hold: Vec<(String, StockQty)>,
}

pub fn hold_changes(current: &[CurrentLine], new: &[IntakeLine]) -> HoldChanges {
    let mut changes = HoldChanges::default();
    let wanted: HashMap<&str, &IntakeLine> = new.iter().map(|l| (l.position_id.as_str(), l)).collect();
    for line in current {
        let Some(sku) = &line.sku else { continue };
        let target = wanted.get(line.position_id.as_str()).map_or(StockQty::ZERO, |l| l.hold);
        if target < line.held {
            let less = StockQty::from_thousandths(line.held.thousandths() - target.thousandths());
            changes.release.push((sku.clone(), less));
        }
    }
    let before: HashMap<&str, &CurrentLine> = current.iter().map(|l| (l.position_id.as_str(), l)).collect();
    for line in new {
        let Some(sku) = &line.sku else { continue };
        let held = before.get(line.position_id.as_str()).map_or(StockQty::ZERO, |l| l.held);
        if line.hold > held {
            changes.hold.push((
                sku.clone(),
                StockQty::from_thousandths(line.hold.thousandths() - held.thousandths()),
            ));
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use KuperStatus as S;

    fn with_lines() -> OrderUpdate {
        OrderUpdate { lines: Some(Vec::new()), ..OrderUpdate::default() }
    }

    fn with_comment() -> OrderUpdate {
        OrderUpdate { comment: Some("call me".into()), ..OrderUpdate::default() }
    }

    #[test]
    fn every_status_decides_for_lines_details_and_nothing() {
        for status in S::ALL {
            let lines = decide(status, &with_lines());
            let details = decide(status, &with_comment());
            let nothing = decide(status, &OrderUpdate::default());
            let (lines_apply, details_apply) = match status {
                S::Created | S::Accepted | S::InWork => (true, true),
                S::Assembled | S::PickupCodeSent => (false, true),
                _ => (false, false),
            };
            assert_eq!(matches!(lines, Decision::Apply { lines: true }), lines_apply, "{status} lines");
            assert_eq!(
                matches!(details, Decision::Apply { lines: false }),
                details_apply,
                "{status} details"
            );
            assert!(matches!(nothing, Decision::Raise(_)), "{status}: an empty update is raised");
        }
    }

    #[test]
    fn details_named_are_replaced_the_rest_kept() {
        let mut details = KuperDetails {
            comment: Some("old".into()),
            shipment_method: Some("by_courier".into()),
            ..KuperDetails::default()
        };
        let window =
            DeliveryWindow { expected_from: Some("12:00".into()), expected_to: Some("13:00".into()) };
        apply_details(&mut details, &OrderUpdate { delivery: Some(window.clone()), ..with_comment() });
        assert_eq!(details.comment.as_deref(), Some("call me"));
        assert_eq!(details.delivery, Some(window));
        assert_eq!(details.shipment_method.as_deref(), Some("by_courier"));
    }

    #[test]
    fn holds_follow_the_new_quantities() {
        let q = StockQty::from_thousandths;
        let current = |id: &str, held| CurrentLine {
            position_id: id.into(),
            sku: Some(format!("S-{id}")),
            held: q(held),
        };
        let new = |id: &str, hold| IntakeLine {
            position_id: id.into(),
            sku: Some(format!("S-{id}")),
            ordered: q(hold),
            weighted: false,
            hold: q(hold),
        };
        let changes = hold_changes(
            &[current("a", 3000), current("b", 1000), current("c", 2000)],
            &[new("a", 1000), new("b", 4000), new("d", 1000)],
        );
        assert_eq!(changes.release, vec![("S-a".into(), q(2000)), ("S-c".into(), q(2000))]);
        assert_eq!(changes.hold, vec![("S-b".into(), q(3000)), ("S-d".into(), q(1000))]);
        assert_eq!(hold_changes(&[current("a", 1000)], &[new("a", 1000)]), HoldChanges::default());
    }
}
