//! The Kuper order flow of each integration type, as one table: events Kuper
//! sends us (webhooks) and actions staff take (each sent to Kuper as a
//! notification), with their guards and effects.
//!
//! Webhooks are never refused: one that does not fit the order's state (a
//! late retry, a resend, an event of another integration type) is
//! [`Incoming::Record`]ed for staff and changes nothing; in particular an
//! event never moves an order backwards. Staff actions the flow forbids are
//! an [`IllegalAction`] naming the reason.

use std::fmt;

/// How a store works with Kuper; configured per store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntegrationType {
    /// Merchant assembles, Kuper's courier delivers.
    KuperDelivery,
    /// Merchant assembles, the customer picks up.
    Pickup,
    /// Merchant assembles and delivers.
    MerchantDelivery,
}

impl IntegrationType {
    pub const ALL: [IntegrationType; 3] =
        [IntegrationType::KuperDelivery, IntegrationType::Pickup, IntegrationType::MerchantDelivery];

    pub const fn as_str(self) -> &'static str {
        match self {
            IntegrationType::KuperDelivery => "kuper_delivery",
            IntegrationType::Pickup => "pickup",
            IntegrationType::MerchantDelivery => "merchant_delivery",
        }
    }

    pub fn parse(name: &str) -> Option<IntegrationType> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// Where a Kuper order stands, in the order the flow reaches them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KuperStatus {
    Created,
    /// Restaurants only: we sent `order.accepted`.
    Accepted,
    InWork,
    Assembled,
    /// Pickup only: the code is with Kuper.
    PickupCodeSent,
    /// `order.ready_for_delivery` with the final composition is sent.
    Ready,
    /// Kuper's courier has the goods.
    Received,
    Delivering,
    Delivered,
    Canceled,
}

impl KuperStatus {
    pub const ALL: [KuperStatus; 10] = [
        KuperStatus::Created,
        KuperStatus::Accepted,
        KuperStatus::InWork,
        KuperStatus::Assembled,
        KuperStatus::PickupCodeSent,
        KuperStatus::Ready,
        KuperStatus::Received,
        KuperStatus::Delivering,
        KuperStatus::Delivered,
        KuperStatus::Canceled,
    ];

    pub const fn is_final(self) -> bool {
        matches!(self, KuperStatus::Delivered | KuperStatus::Canceled)
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            KuperStatus::Created => "created",
            KuperStatus::Accepted => "accepted",
            KuperStatus::InWork => "in_work",
            KuperStatus::Assembled => "assembled",
            KuperStatus::PickupCodeSent => "pickup_code_sent",
            KuperStatus::Ready => "ready",
            KuperStatus::Received => "received",
            KuperStatus::Delivering => "delivering",
            KuperStatus::Delivered => "delivered",
            KuperStatus::Canceled => "canceled",
        }
    }

    pub fn parse(name: &str) -> Option<KuperStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Whether the goods are still with the merchant (a cancel puts them
    /// back on the shelf).
    pub const fn goods_in_store(self) -> bool {
        (self as u8) <= (KuperStatus::Ready as u8)
    }
}

impl fmt::Display for KuperStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Webhooks that concern an existing order (`order.created` makes one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    Paid,
    CourierAssigned,
    CourierArrived,
    Received,
    Delivering,
    Delivered,
    Canceled,
    Updated,
}

impl Event {
    /// The event of a webhook's `event_type`; `None` for `order.created`
    /// and for types we do not know.
    pub fn from_wire(event_type: &str) -> Option<Event> {
        Some(match event_type {
            "order.paid" => Event::Paid,
            "courier.assigned" => Event::CourierAssigned,
            "courier.arrived" => Event::CourierArrived,
            "order.received" => Event::Received,
            "order.delivering" => Event::Delivering,
            "order.delivered" => Event::Delivered,
            "order.canceled" => Event::Canceled,
            "order.updated" => Event::Updated,
            _ => return None,
        })
    }

    pub const ALL: [Event; 8] = [
        Event::Paid,
        Event::CourierAssigned,
        Event::CourierArrived,
        Event::Received,
        Event::Delivering,
        Event::Delivered,
        Event::Canceled,
        Event::Updated,
    ];
}

/// Staff actions; each is a notification to Kuper.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StaffAction {
    Accept,
    StartAssembly,
    Assembled,
    PickupCode,
    Ready,
    EstimatedDeliveryTime,
    Delivering,
    Delivered,
    Cancel,
}

impl StaffAction {
    pub const ALL: [StaffAction; 9] = [
        StaffAction::Accept,
        StaffAction::StartAssembly,
        StaffAction::Assembled,
        StaffAction::PickupCode,
        StaffAction::Ready,
        StaffAction::EstimatedDeliveryTime,
        StaffAction::Delivering,
        StaffAction::Delivered,
        StaffAction::Cancel,
    ];

    /// The notification's `event.type` on Kuper's wire.
    pub const fn notification(self) -> &'static str {
        match self {
            StaffAction::Accept => "order.accepted",
            StaffAction::StartAssembly => "order.in_work",
            StaffAction::Assembled => "order.assembled",
            StaffAction::PickupCode => "order.pickup_code_created",
            StaffAction::Ready => "order.ready_for_delivery",
            StaffAction::EstimatedDeliveryTime => "order.estimated_delivery_time",
            StaffAction::Delivering => "order.delivering",
            StaffAction::Delivered => "order.delivered",
            StaffAction::Cancel => "order.canceled",
        }
    }
}

impl std::str::FromStr for StaffAction {
    type Err = String;

    /// The notification's name, with or without `order.`: `in_work`,
    /// `order.ready_for_delivery`, `pickup_code_created`, …
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let short = |a: StaffAction| a.notification().trim_start_matches("order.");
        let name = name.trim().trim_start_matches("order.");
        // The imperative staff say as well as the notification's name.
        let alias = match name {
            "accept" => Some(StaffAction::Accept),
            "start" | "start_assembly" => Some(StaffAction::StartAssembly),
            "ready" => Some(StaffAction::Ready),
            "cancel" => Some(StaffAction::Cancel),
            _ => None,
        };
        alias.or_else(|| StaffAction::ALL.into_iter().find(|a| short(*a) == name)).ok_or_else(|| {
            let names: Vec<&str> = StaffAction::ALL.into_iter().map(short).collect();
            format!("unknown action {name:?}; expected one of {}", names.join(", "))
        })
    }
}

impl fmt::Display for StaffAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.notification())
    }
}

/// What a step does besides moving the status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KuperEffect {
    /// Put the held stock back on the shelf.
    ReleaseStock,
    /// The goods left the store: what the order holds becomes a sale.
    SellStock,
    /// Kuper charged the customer.
    MarkPaid,
    /// Queue the action's notification to Kuper (in the same transaction).
    Notify,
    /// Keep what Kuper says of its courier (`courier.assigned`/`arrived`).
    RecordCourier,
    /// Keep the reason Kuper gives for its cancel.
    RecordCancelReason,
    /// `order.updated`: applied or raised to staff by [`super::update`].
    ApplyUpdate,
}

/// A step of the flow: the status after it (`None`: unchanged) and its
/// effects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub to: Option<KuperStatus>,
    pub effects: &'static [KuperEffect],
}

/// What becomes of a webhook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Incoming {
    Apply(Step),
    /// Kept for staff with the reason; the order is not changed.
    Record(&'static str),
}

/// What an order is, for the flow's guards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Facts {
    pub integration: IntegrationType,
    pub status: KuperStatus,
    pub restaurant: bool,
    pub paid: bool,
    /// The final composition is set (needed by `Ready`).
    pub composition_final: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{action} is not allowed for an order that is {status}: {reason}")]
pub struct IllegalAction {
    pub action: StaffAction,
    pub status: KuperStatus,
    pub reason: &'static str,
}

const NONE: &[KuperEffect] = &[];
const PAID: &[KuperEffect] = &[KuperEffect::MarkPaid];
const NOTIFY: &[KuperEffect] = &[KuperEffect::Notify];
const NOTIFY_RELEASE: &[KuperEffect] = &[KuperEffect::Notify, KuperEffect::ReleaseStock];
const SELL: &[KuperEffect] = &[KuperEffect::SellStock];
const NOTIFY_SELL: &[KuperEffect] = &[KuperEffect::Notify, KuperEffect::SellStock];
const COURIER: &[KuperEffect] = &[KuperEffect::RecordCourier];
const CANCELED_BY_KUPER: &[KuperEffect] = &[KuperEffect::RecordCancelReason, KuperEffect::ReleaseStock];
const CANCELED_BY_KUPER_LATE: &[KuperEffect] = &[KuperEffect::RecordCancelReason];
const UPDATE: &[KuperEffect] = &[KuperEffect::ApplyUpdate];

/// A step that takes the goods out of the store (to Kuper's courier, our
/// courier or the customer) also turns the order's holds into sales: by
/// then the holds are what was picked (`ready_for_delivery` reconciled
/// them). Goods that left before the final composition was set (Kuper's
/// courier took them while our `ready_for_delivery` was still to come) are
/// sold when it is.
fn with_sale(facts: Facts, step: Step) -> Step {
    let leaves = step.to.is_some_and(|to| to != KuperStatus::Canceled && !to.goods_in_store());
    if !(facts.status.goods_in_store() && leaves && facts.composition_final) {
        return step;
    }
    let effects = if step.effects.contains(&KuperEffect::Notify) { NOTIFY_SELL } else { SELL };
    Step { effects, ..step }
}

fn to(status: KuperStatus, effects: &'static [KuperEffect]) -> Step {
    Step { to: Some(status), effects }
}

/// The webhook half of the table.
pub fn incoming(facts: Facts, event: Event) -> Incoming {
    match incoming_step(facts, event) {
        Incoming::Apply(step) => Incoming::Apply(with_sale(facts, step)),
        record @ Incoming::Record(_) => record,
    }
}

fn incoming_step(facts: Facts, event: Event) -> Incoming {
    use Event as E;
    use IntegrationType::KuperDelivery;
    use KuperStatus as S;
    let status = facts.status;
    // Goods still held go back to the shelf; goods the courier took before
    // the composition was final are still held and go back too.
    let holds_left = status.goods_in_store() || !facts.composition_final;
    let cancel_effects = if holds_left { CANCELED_BY_KUPER } else { CANCELED_BY_KUPER_LATE };
    if status.is_final() && !(status == S::Canceled && event == E::Canceled) {
        return Incoming::Record("the order is closed");
    }
    let kuper_delivery = facts.integration == KuperDelivery;
    match event {
        E::Canceled if status == S::Canceled => Incoming::Record("already canceled"),
        E::Canceled => Incoming::Apply(to(S::Canceled, cancel_effects)),
        E::Paid if facts.paid => Incoming::Record("already paid"),
        // Kuper may charge before our ready_for_delivery is acknowledged:
        // payment does not wait for the assembly steps.
        E::Paid => Incoming::Apply(Step { to: None, effects: PAID }),
        E::Updated => Incoming::Apply(Step { to: None, effects: UPDATE }),
        _ if !kuper_delivery => Incoming::Record("not an event of this integration type"),
        E::CourierAssigned | E::CourierArrived => Incoming::Apply(Step { to: None, effects: COURIER }),
        // The courier only takes what is ready: a pickup confirms readiness
        // even if our notification is still on its way (or still to be
        // sent: staff can then send the final composition, see `staff`).
        E::Received if status < S::Received => Incoming::Apply(to(S::Received, NONE)),
        E::Delivering if status < S::Delivering => Incoming::Apply(to(S::Delivering, NONE)),
        E::Delivered => Incoming::Apply(to(S::Delivered, NONE)),
        E::Received | E::Delivering => Incoming::Record("the order is further along"),
    }
}

/// Whether the order's composition is final after staff take `action`:
/// `ready_for_delivery` carries the final composition (Kuper charges by
/// it), and once final it stays so.
pub fn composition_final_after(facts: Facts, action: StaffAction) -> bool {
    facts.composition_final || action == StaffAction::Ready
}

/// The staff half of the table.
pub fn staff(facts: Facts, action: StaffAction) -> Result<Step, IllegalAction> {
    staff_step(facts, action).map(|step| with_sale(Facts { composition_final: true, ..facts }, step))
}

fn staff_step(facts: Facts, action: StaffAction) -> Result<Step, IllegalAction> {
    use IntegrationType::{MerchantDelivery, Pickup};
    use KuperStatus as S;
    use StaffAction as A;
    let status = facts.status;
    let refuse = |reason| Err(IllegalAction { action, status, reason });
    let courier_has_it = !status.goods_in_store() && status != S::Canceled;
    if action == A::Ready && courier_has_it && !facts.composition_final {
        // Kuper's courier took the goods before our ready_for_delivery: the
        // final composition is still owed (Kuper charges by it), and the
        // holds become the sale with it.
        return Ok(Step { to: None, effects: NOTIFY_SELL });
    }
    if status.is_final() {
        return refuse("the order is closed");
    }
    let holds_left = status.goods_in_store() || !facts.composition_final;
    match action {
        A::Cancel => Ok(to(S::Canceled, if holds_left { NOTIFY_RELEASE } else { NOTIFY })),
        A::Accept if !facts.restaurant => refuse("only restaurants accept orders"),
        A::Accept if status == S::Created => Ok(to(S::Accepted, NOTIFY)),
        A::StartAssembly if facts.restaurant && status == S::Created => {
            refuse("a restaurant accepts the order first")
        }
        A::StartAssembly if matches!(status, S::Created | S::Accepted) => Ok(to(S::InWork, NOTIFY)),
        A::Assembled if status == S::InWork => Ok(to(S::Assembled, NOTIFY)),
        A::PickupCode if facts.integration != Pickup => refuse("pickup codes are for pickup orders"),
        // Every integration type reports `assembled`; the pickup code
        // follows it and comes before `ready_for_delivery`.
        A::PickupCode if status == S::Assembled => Ok(to(S::PickupCodeSent, NOTIFY)),
        A::PickupCode if status == S::InWork => refuse("the order is assembled first"),
        A::Ready if facts.integration == Pickup && status == S::Assembled => {
            refuse("a pickup order needs its pickup code first")
        }
        A::Ready if matches!(status, S::Assembled | S::PickupCodeSent) => Ok(to(S::Ready, NOTIFY)),
        A::EstimatedDeliveryTime if facts.integration != MerchantDelivery => {
            refuse("only merchant delivery promises a delivery time")
        }
        A::EstimatedDeliveryTime => Ok(Step { to: None, effects: NOTIFY }),
        A::Delivering if facts.integration != MerchantDelivery => refuse("Kuper reports delivery itself"),
        // Kuper charges the actual amount after ready_for_delivery and then
        // says order.paid: goods are not handed over before.
        A::Delivering | A::Delivered if status == S::Ready && !facts.paid => {
            refuse("Kuper has not charged the customer yet (no order.paid)")
        }
        A::Delivering if status == S::Ready => Ok(to(S::Delivering, NOTIFY)),
        A::Delivered if facts.integration == Pickup && status == S::Ready => Ok(to(S::Delivered, NOTIFY)),
        A::Delivered if facts.integration == MerchantDelivery && status == S::Delivering => {
            Ok(to(S::Delivered, NOTIFY))
        }
        A::Delivered if facts.integration == IntegrationType::KuperDelivery => {
            refuse("Kuper reports delivery itself")
        }
        _ => refuse("not at this point of the flow"),
    }
}

#[cfg(test)]
mod tests;
