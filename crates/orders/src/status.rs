//! The MCP channel's order state machine, as a table: for each status and
//! action, the next status and the effects the transition carries. Anything
//! not in the table is an [`IllegalTransition`].
//!
//! ```text
//! new ──pay──▶ paid ──process──▶ processing ──deliver──────────▶ delivering ──complete──▶ completed
//!  │                                    └──ready_for_pickup──▶ ready_for_pickup ──complete──┘
//!  └─expire─▶ cancelled ◀──cancel── (any status before completed; refunded once paid)
//! ```

use std::fmt;
use std::str::FromStr;

use crate::model::ShippingMethod;

/// The seed's `StatusOrderResponse.status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OrderStatus {
    New,
    Paid,
    Processing,
    Delivering,
    ReadyForPickup,
    Completed,
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 7] = [
        OrderStatus::New,
        OrderStatus::Paid,
        OrderStatus::Processing,
        OrderStatus::Delivering,
        OrderStatus::ReadyForPickup,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            OrderStatus::New => "new",
            OrderStatus::Paid => "paid",
            OrderStatus::Processing => "processing",
            OrderStatus::Delivering => "delivering",
            OrderStatus::ReadyForPickup => "ready_for_pickup",
            OrderStatus::Completed => "completed",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    /// No action leaves a final status.
    pub const fn is_final(self) -> bool {
        matches!(self, OrderStatus::Completed | OrderStatus::Cancelled)
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrderStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrderStatus::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| format!("unknown order status {s:?}"))
    }
}

/// What can happen to an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// The payment succeeded.
    Pay,
    /// Staff started assembling the order.
    Process,
    /// A courier took a delivery order.
    Deliver,
    /// A pickup order is waiting at the store.
    ReadyForPickup,
    /// The shopper has the goods.
    Complete,
    /// Staff or the shopper called it off.
    Cancel,
    /// Nobody paid in time.
    Expire,
}

impl Action {
    pub const ALL: [Action; 7] = [
        Action::Pay,
        Action::Process,
        Action::Deliver,
        Action::ReadyForPickup,
        Action::Complete,
        Action::Cancel,
        Action::Expire,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Action::Pay => "pay",
            Action::Process => "process",
            Action::Deliver => "deliver",
            Action::ReadyForPickup => "ready_for_pickup",
            Action::Complete => "complete",
            Action::Cancel => "cancel",
            Action::Expire => "expire",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let names: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
        Action::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| format!("unknown action {s:?}; expected one of {}", names.join(", ")))
    }
}

/// What a transition does besides changing the status. The order store
/// carries them out in the same transaction as the status change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Put the reserved stock back on the shelf.
    ReleaseStock,
    /// Give the order's place in its slot back to other shoppers.
    ReleaseSlot,
    /// The goods left the store: what the order held becomes a sale.
    SellStock,
    /// The shopper paid: the money goes back (queued, sent by the payments
    /// task, in the same transaction as the cancel).
    RefundPayment,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    pub to: OrderStatus,
    pub effects: &'static [Effect],
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("an order that is {from} cannot {action}{}", reason.map(|r| format!(": {r}")).unwrap_or_default())]
pub struct IllegalTransition {
    pub from: OrderStatus,
    pub action: Action,
    pub reason: Option<&'static str>,
}

/// The table. `shipping` guards the two ways an order reaches the shopper.
pub fn transition(
    from: OrderStatus,
    action: Action,
    shipping: ShippingMethod,
) -> Result<Transition, IllegalTransition> {
    use Action as A;
    use Effect::{RefundPayment, ReleaseSlot, ReleaseStock, SellStock};
    use OrderStatus as S;
    let to = |to, effects| Ok(Transition { to, effects });
    let refuse = |reason| Err(IllegalTransition { from, action, reason });
    match (from, action) {
        (S::New, A::Pay) => to(S::Paid, &[]),
        (S::Paid, A::Process) => to(S::Processing, &[]),
        (S::Processing, A::Deliver) if shipping == ShippingMethod::Delivery => {
            to(S::Delivering, &[SellStock])
        }
        (S::Processing, A::Deliver) => refuse(Some("a pickup order is not delivered")),
        (S::Processing, A::ReadyForPickup) if shipping == ShippingMethod::Pickup => {
            to(S::ReadyForPickup, &[])
        }
        (S::Processing, A::ReadyForPickup) => refuse(Some("a delivery order is not picked up")),
        // The goods leave the store with the courier, or with the shopper.
        (S::Delivering, A::Complete) => to(S::Completed, &[]),
        (S::ReadyForPickup, A::Complete) => to(S::Completed, &[SellStock]),
        // Until the goods leave the store they go back on the shelf; after
        // that, putting them back is staff's job.
        // Called off before the goods leave, its place in the slot goes
        // back too.
        (S::New, A::Expire | A::Cancel) => to(S::Cancelled, &[ReleaseStock, ReleaseSlot]),
        (S::Paid | S::Processing | S::ReadyForPickup, A::Cancel) => {
            to(S::Cancelled, &[ReleaseStock, ReleaseSlot, RefundPayment])
        }
        (S::Delivering, A::Cancel) => to(S::Cancelled, &[RefundPayment]),
        (S::Completed | S::Cancelled, _) => refuse(Some("the order is closed")),
        _ => refuse(None),
    }
}

/// When an order now in `status` must be paid by: only an unpaid order
/// (`New`) expires; once it moves on, its deadline goes.
pub fn payment_deadline(
    status: OrderStatus,
    deadline: Option<chrono::DateTime<chrono::Utc>>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    deadline.filter(|_| status == OrderStatus::New)
}

/// Whether the shopper (an agent on their behalf) may still call the
/// order off: until the goods leave the store. Later a cancel is staff's,
/// who also take the goods back.
pub const fn shopper_may_cancel(status: OrderStatus) -> bool {
    matches!(
        status,
        OrderStatus::New | OrderStatus::Paid | OrderStatus::Processing | OrderStatus::ReadyForPickup
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    use Action as A;
    use OrderStatus as S;
    use ShippingMethod::{Delivery, Pickup};

    /// Every (status, action, shipping) and what it must give: the whole
    /// table, written out again independently of `transition`.
    fn expected(from: S, action: A, shipping: ShippingMethod) -> Option<S> {
        Some(match (from, action, shipping) {
            (S::New, A::Pay, _) => S::Paid,
            (S::Paid, A::Process, _) => S::Processing,
            (S::Processing, A::Deliver, Delivery) => S::Delivering,
            (S::Processing, A::ReadyForPickup, Pickup) => S::ReadyForPickup,
            // Either way, whatever the shipping method: the status already
            // says which way the goods went.
            (S::Delivering | S::ReadyForPickup, A::Complete, _) => S::Completed,
            (S::New, A::Expire, _) => S::Cancelled,
            (S::New | S::Paid | S::Processing | S::Delivering | S::ReadyForPickup, A::Cancel, _) => {
                S::Cancelled
            }
            _ => return None,
        })
    }

    #[test]
    fn the_table_is_exactly_the_documented_one() {
        for from in S::ALL {
            for action in A::ALL {
                for shipping in [Delivery, Pickup] {
                    let got = transition(from, action, shipping).map(|t| t.to).ok();
                    assert_eq!(got, expected(from, action, shipping), "{from} --{action}--> ({shipping:?})");
                }
            }
        }
    }

    #[test]
    fn a_shopper_cancels_until_the_goods_leave_the_store() {
        use OrderStatus as S;
        for (status, may) in [
            (S::New, true),
            (S::Paid, true),
            (S::Processing, true),
            (S::ReadyForPickup, true),
            (S::Delivering, false),
            (S::Completed, false),
            (S::Cancelled, false),
        ] {
            assert_eq!(shopper_may_cancel(status), may, "{status}");
        }
    }

    #[test]
    fn a_hold_is_released_while_the_goods_are_in_the_store_sold_when_they_leave_and_money_goes_back_on_any_paid_cancel()
     {
        for (from, action, shipping) in S::ALL
            .into_iter()
            .flat_map(|s| A::ALL.into_iter().flat_map(move |a| [(s, a, Delivery), (s, a, Pickup)]))
        {
            let Ok(t) = transition(from, action, shipping) else { continue };
            let releases = t.effects.contains(&Effect::ReleaseStock);
            let in_store = matches!(from, S::New | S::Paid | S::Processing | S::ReadyForPickup);
            assert_eq!(releases, t.to == S::Cancelled && in_store, "{from} --{action}-->");
            let leaves = matches!(t.to, S::Delivering) || (from == S::ReadyForPickup && t.to == S::Completed);
            assert_eq!(t.effects.contains(&Effect::SellStock), leaves, "{from} --{action}-->");
            // Every hold ends once: released or sold, never both.
            assert!(!(releases && t.effects.contains(&Effect::SellStock)));
            assert_eq!(t.effects.contains(&Effect::ReleaseSlot), releases, "{from} --{action}-->");
            let paid = !matches!(from, S::New);
            assert_eq!(
                t.effects.contains(&Effect::RefundPayment),
                t.to == S::Cancelled && paid,
                "{from} --{action}-->"
            );
        }
    }

    #[test]
    fn only_an_unpaid_order_has_a_payment_deadline() {
        let deadline = Some(chrono::DateTime::UNIX_EPOCH);
        for status in S::ALL {
            let kept = payment_deadline(status, deadline);
            assert_eq!(kept, if status == S::New { deadline } else { None }, "{status}");
            assert_eq!(payment_deadline(status, None), None);
        }
    }

    #[test]
    fn final_statuses_refuse_everything_with_a_reason() {
        for from in [S::Completed, S::Cancelled] {
            for action in A::ALL {
                let e = transition(from, action, Pickup).unwrap_err();
                assert_eq!(
                    e.to_string(),
                    format!("an order that is {from} cannot {action}: the order is closed")
                );
            }
        }
    }

    #[test]
    fn guards_name_the_shipping_method() {
        let e = transition(S::Processing, A::Deliver, Pickup).unwrap_err();
        assert_eq!(
            e.to_string(),
            "an order that is processing cannot deliver: a pickup order is not delivered"
        );
    }

    #[test]
    fn names_round_trip() {
        for s in S::ALL {
            assert_eq!(s.as_str().parse::<S>(), Ok(s));
        }
        for a in A::ALL {
            assert_eq!(a.as_str().parse::<A>(), Ok(a));
        }
        assert!("shipped".parse::<S>().is_err());
    }
}
