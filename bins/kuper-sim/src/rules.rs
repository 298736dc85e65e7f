//! What Kuper accepts from a merchant, per integration type, written from
//! `KUPER-WIRE.md` on its own (not from `orders::kuper::flow`), so that the
//! simulator catches our flow's mistakes instead of repeating them.

use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Integration {
    KuperDelivery,
    Pickup,
    MerchantDelivery,
}

impl Integration {
    pub const ALL: [Integration; 3] =
        [Integration::KuperDelivery, Integration::Pickup, Integration::MerchantDelivery];

    pub fn as_str(self) -> &'static str {
        match self {
            Integration::KuperDelivery => "kuper_delivery",
            Integration::Pickup => "pickup",
            Integration::MerchantDelivery => "merchant_delivery",
        }
    }

    pub fn parse(text: &str) -> Option<Integration> {
        Self::ALL.into_iter().find(|i| i.as_str() == text)
    }

    /// The notifications a merchant sends for a whole order, in order.
    pub fn full_round(self, restaurant: bool) -> Vec<&'static str> {
        let mut round = Vec::new();
        if restaurant {
            round.push("order.accepted");
        }
        round.extend(["order.in_work", "order.assembled"]);
        match self {
            Integration::KuperDelivery => round.push("order.ready_for_delivery"),
            Integration::Pickup => {
                round.extend(["order.pickup_code_created", "order.ready_for_delivery", "order.delivered"]);
            }
            Integration::MerchantDelivery => round.extend([
                "order.ready_for_delivery",
                "order.estimated_delivery_time",
                "order.delivering",
                "order.delivered",
            ]),
        }
        round
    }

    /// The integration table of `KUPER-WIRE.md`: what the merchant may send.
    fn allows(self, kind: &str) -> bool {
        let common = matches!(
            kind,
            "order.accepted"
                | "order.in_work"
                | "order.assembled"
                | "order.ready_for_delivery"
                | "order.canceled"
        );
        common
            || match self {
                Integration::KuperDelivery => false,
                Integration::Pickup => matches!(kind, "order.pickup_code_created" | "order.delivered"),
                Integration::MerchantDelivery => {
                    matches!(kind, "order.estimated_delivery_time" | "order.delivering" | "order.delivered")
                }
            }
    }
}

const MERCHANT_EVENTS: [&str; 9] = [
    "order.accepted",
    "order.in_work",
    "order.assembled",
    "order.pickup_code_created",
    "order.ready_for_delivery",
    "order.estimated_delivery_time",
    "order.delivering",
    "order.delivered",
    "order.canceled",
];

/// Kuper's answer to a notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// 200.
    Accept,
    /// 202: the same notification was accepted before.
    Duplicate,
    /// 405: not an event of this integration type.
    NotAllowed(String),
    /// 422: invalid payload, unknown order, or out of sequence.
    Invalid(String),
}

impl Verdict {
    pub fn status(&self) -> u16 {
        match self {
            Verdict::Accept => 200,
            Verdict::Duplicate => 202,
            Verdict::NotAllowed(_) => 405,
            Verdict::Invalid(_) => 422,
        }
    }
}

/// A position as Kuper ordered it: pieces, or grams when `weight` > 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ordered {
    pub id: String,
    pub quantity: u64,
    pub weight: u64,
}

/// One order as Kuper follows it.
#[derive(Clone, Debug)]
pub struct Track {
    pub integration: Integration,
    pub restaurant: bool,
    /// What the customer ordered; empty: the simulator was not told.
    pub ordered: Vec<Ordered>,
    /// Accepted notifications, in order.
    pub accepted: Vec<(String, Value)>,
    /// Kuper closed the order itself (canceled, or its courier delivered).
    pub closed_by_kuper: Option<String>,
}

impl Track {
    pub fn new(integration: Integration, restaurant: bool) -> Track {
        Track { integration, restaurant, ordered: Vec::new(), accepted: Vec::new(), closed_by_kuper: None }
    }

    pub fn with_positions(mut self, ordered: Vec<Ordered>) -> Track {
        self.ordered = ordered;
        self
    }

    fn has(&self, kind: &str) -> bool {
        self.accepted.iter().any(|(k, _)| k == kind)
    }

    /// Judges a notification; on `Accept` it becomes part of the track.
    pub fn judge(&mut self, kind: &str, payload: &Value) -> Verdict {
        let verdict = self.verdict(kind, payload);
        if verdict == Verdict::Accept {
            self.accepted.push((kind.to_owned(), payload.clone()));
        }
        verdict
    }

    fn verdict(&self, kind: &str, payload: &Value) -> Verdict {
        let invalid = |why: &str| Verdict::Invalid(why.to_owned());
        if !MERCHANT_EVENTS.contains(&kind) {
            return invalid("unknown event type");
        }
        if !self.integration.allows(kind) {
            return Verdict::NotAllowed(format!("{kind} is not an event of {}", self.integration.as_str()));
        }
        if self.accepted.iter().any(|(k, p)| k == kind && p == payload) {
            return Verdict::Duplicate;
        }
        if let Some(by) = &self.closed_by_kuper {
            return Verdict::Invalid(format!("the order is {by}"));
        }
        if self.has("order.canceled") || self.has("order.delivered") {
            return invalid("the order is closed");
        }
        if kind != "order.estimated_delivery_time" && self.has(kind) {
            return invalid("already reported with another payload");
        }
        let after = |earlier: &str| {
            if self.has(earlier) { None } else { Some(Verdict::Invalid(format!("{kind} before {earlier}"))) }
        };
        let not_after = |later: &str| {
            if self.has(later) { Some(Verdict::Invalid(format!("{kind} after {later}"))) } else { None }
        };
        let problem = match kind {
            "order.accepted" if !self.restaurant => Some(invalid("only restaurants accept orders")),
            "order.accepted" => not_after("order.in_work"),
            "order.in_work" if self.restaurant => {
                after("order.accepted").or_else(|| not_after("order.assembled"))
            }
            "order.in_work" => not_after("order.assembled"),
            "order.assembled" => after("order.in_work").or_else(|| not_after("order.ready_for_delivery")),
            "order.pickup_code_created" => after("order.in_work")
                .or_else(|| not_after("order.ready_for_delivery"))
                .or_else(|| non_empty_text(payload, "code")),
            "order.ready_for_delivery" => after("order.assembled")
                .or_else(|| {
                    (self.integration == Integration::Pickup)
                        .then(|| after("order.pickup_code_created"))
                        .flatten()
                })
                .or_else(|| composition_problem(payload))
                .or_else(|| self.against_the_order(&payload["order"]["positions"])),
            // "order.estimated_delivery_time": any time before the end.
            "order.delivering" => after("order.ready_for_delivery"),
            "order.delivered" if self.integration == Integration::Pickup => after("order.ready_for_delivery"),
            "order.delivered" => after("order.delivering"),
            "order.canceled" => payload["reason"].is_object().then_some(()).map_or_else(
                || Some(invalid("order.canceled needs a reason")),
                |()| non_empty_text(&payload["reason"], "code"),
            ),
            _ => None,
        };
        problem.unwrap_or(Verdict::Accept)
    }

    /// The final composition read against what was ordered: every ordered
    /// position is there (0 when missing), none with more pieces than
    /// ordered, weighed ones with their grams; anything else is a
    /// replacement named by an ordered position's `replacedByID`.
    fn against_the_order(&self, positions: &Value) -> Option<Verdict> {
        if self.ordered.is_empty() {
            return None;
        }
        let invalid = |why: String| Some(Verdict::Invalid(format!("order: {why}")));
        let positions = positions.as_array()?;
        let find = |id: &str| positions.iter().find(|p| p["id"].as_str() == Some(id));
        let ordered = |id: &str| self.ordered.iter().find(|o| o.id == id);
        for o in &self.ordered {
            let Some(p) = find(&o.id) else {
                return invalid(format!("ordered position {} is missing", o.id));
            };
            let quantity = p["quantity"].as_u64().unwrap_or(0);
            if o.weight == 0 && quantity > o.quantity {
                return invalid(format!("{}: {quantity} delivered, {} ordered", o.id, o.quantity));
            }
            if o.weight > 0 && quantity > 0 && p["weight"].as_u64().is_none_or(|w| w == 0) {
                return invalid(format!("{} is weighed: the weight in grams is required", o.id));
            }
            if let Some(by) = p["replacedByID"].as_str() {
                if ordered(by).is_some() {
                    return invalid(format!("{} is replaced by {by}, which was ordered itself", o.id));
                }
                if find(by).is_none_or(|r| r["quantity"].as_u64().unwrap_or(0) == 0) {
                    return invalid(format!("{} is replaced by {by}, which is not delivered", o.id));
                }
            }
        }
        for p in positions {
            let id = p["id"].as_str().unwrap_or_default();
            let named = self
                .ordered
                .iter()
                .any(|o| find(&o.id).is_some_and(|op| op["replacedByID"].as_str() == Some(id)));
            if ordered(id).is_none() && !named {
                return invalid(format!("{id} was not ordered and replaces nothing"));
            }
        }
        None
    }

    /// Whether every notification of a whole round is in, in order.
    pub fn complete(&self) -> bool {
        let kinds: Vec<&str> = self.accepted.iter().map(|(k, _)| k.as_str()).collect();
        let mut round = self.integration.full_round(self.restaurant);
        round.retain(|k| *k != "order.estimated_delivery_time");
        let sequence: Vec<&str> =
            kinds.iter().copied().filter(|k| *k != "order.estimated_delivery_time").collect();
        sequence == round
    }

    /// The final composition as `order.ready_for_delivery` carried it.
    pub fn final_composition(&self) -> Option<&Value> {
        self.accepted.iter().find(|(k, _)| k == "order.ready_for_delivery").map(|(_, p)| &p["order"])
    }
}

fn non_empty_text(value: &Value, field: &str) -> Option<Verdict> {
    match value[field].as_str() {
        Some(text) if !text.trim().is_empty() => None,
        _ => Some(Verdict::Invalid(format!("{field} is required"))),
    }
}

/// `order` is mandatory on `order.ready_for_delivery`: positions with an id
/// and a quantity; weights in whole grams.
fn composition_problem(payload: &Value) -> Option<Verdict> {
    let invalid = |why: &str| Some(Verdict::Invalid(format!("order: {why}")));
    let Some(positions) = payload["order"]["positions"].as_array() else {
        return invalid("the final composition (positions) is required");
    };
    if positions.is_empty() {
        return invalid("no positions");
    }
    for p in positions {
        if p["id"].as_str().is_none_or(str::is_empty) {
            return invalid("a position without id");
        }
        if p["quantity"].as_u64().is_none() {
            return invalid("quantity must be a whole number");
        }
        if !p["weight"].is_null() && p["weight"].as_u64().is_none() {
            return invalid("weight must be whole grams");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ready() -> Value {
        json!({"order": {"positions": [{"id": "A", "quantity": 2}]}})
    }

    fn payload(kind: &str) -> Value {
        match kind {
            "order.ready_for_delivery" => ready(),
            "order.pickup_code_created" => json!({"code": "1234"}),
            "order.estimated_delivery_time" => json!({"estimated_delivery_at": "2026-11-25T12:00:00+03:00"}),
            _ => json!({}),
        }
    }

    #[test]
    fn every_integration_type_s_full_round_is_accepted_in_order() {
        for integration in Integration::ALL {
            for restaurant in [false, true] {
                let mut track = Track::new(integration, restaurant);
                for kind in integration.full_round(restaurant) {
                    assert_eq!(track.judge(kind, &payload(kind)), Verdict::Accept, "{integration:?} {kind}");
                    assert_eq!(track.judge(kind, &payload(kind)), Verdict::Duplicate, "a resend is a 202");
                }
                assert!(track.complete());
                assert_eq!(track.final_composition(), Some(&ready()["order"]));
            }
        }
    }

    #[test]
    fn what_kuper_refuses() {
        let mut pickup = Track::new(Integration::Pickup, false);
        assert_eq!(pickup.judge("order.delivering", &json!({})).status(), 405);
        assert_eq!(pickup.judge("order.assembled", &json!({})).status(), 422, "before in_work");
        assert_eq!(pickup.judge("order.in_work", &json!({})), Verdict::Accept);
        assert_eq!(pickup.judge("order.in_work", &json!({"x": 1})).status(), 422, "twice, differently");
        assert_eq!(pickup.judge("order.assembled", &json!({})), Verdict::Accept);
        assert_eq!(pickup.judge("order.ready_for_delivery", &ready()).status(), 422, "the code comes first");
        assert_eq!(pickup.judge("order.pickup_code_created", &json!({})).status(), 422, "no code");
        assert_eq!(pickup.judge("order.pickup_code_created", &json!({"code": "1"})), Verdict::Accept);
        let no_order = json!({"order": {"positions": []}});
        assert_eq!(pickup.judge("order.ready_for_delivery", &no_order).status(), 422);
        let grams = json!({"order": {"positions": [{"id": "A", "quantity": 1, "weight": 0.5}]}});
        assert_eq!(pickup.judge("order.ready_for_delivery", &grams).status(), 422);
        assert_eq!(pickup.judge("order.canceled", &json!({})).status(), 422, "no reason");
        assert_eq!(pickup.judge("order.canceled", &json!({"reason": {"code": "no_stock"}})), Verdict::Accept);
        assert_eq!(pickup.judge("order.delivered", &json!({})).status(), 422, "closed");

        let ordered = vec![
            Ordered { id: "milk".into(), quantity: 3, weight: 0 },
            Ordered { id: "cheese".into(), quantity: 1, weight: 700 },
            Ordered { id: "bread".into(), quantity: 1, weight: 0 },
        ];
        let judge = |positions: Value| {
            let mut track = Track::new(Integration::KuperDelivery, false).with_positions(ordered.clone());
            for kind in ["order.in_work", "order.assembled"] {
                assert_eq!(track.judge(kind, &json!({})), Verdict::Accept);
            }
            track.judge("order.ready_for_delivery", &json!({"order": {"positions": positions}})).status()
        };
        let fine = json!([{"id": "milk", "quantity": 2}, {"id": "cheese", "quantity": 1, "weight": 734},
                          {"id": "bread", "quantity": 0, "replacedByID": "rye"}, {"id": "rye", "quantity": 1}]);
        assert_eq!(judge(fine), 200, "a shortfall, a weight to the gram, a replacement");
        for wrong in [
            json!([{"id": "milk", "quantity": 3}, {"id": "cheese", "quantity": 1, "weight": 700}]),
            json!([{"id": "milk", "quantity": 4}, {"id": "cheese", "quantity": 1, "weight": 700}, {"id": "bread", "quantity": 1}]),
            json!([{"id": "milk", "quantity": 3}, {"id": "cheese", "quantity": 1}, {"id": "bread", "quantity": 1}]),
            json!([{"id": "milk", "quantity": 3}, {"id": "cheese", "quantity": 1, "weight": 700}, {"id": "bread", "quantity": 1}, {"id": "rye", "quantity": 1}]),
            json!([{"id": "milk", "quantity": 3}, {"id": "cheese", "quantity": 1, "weight": 700}, {"id": "bread", "quantity": 0, "replacedByID": "rye"}]),
            json!([{"id": "milk", "quantity": 0, "replacedByID": "bread"}, {"id": "cheese", "quantity": 1, "weight": 700}, {"id": "bread", "quantity": 1}]),
        ] {
            assert_eq!(judge(wrong.clone()), 422, "{wrong}");
        }

        let mut kuper = Track::new(Integration::KuperDelivery, false);
        assert_eq!(kuper.judge("order.accepted", &json!({})).status(), 422, "not a restaurant");
        assert_eq!(kuper.judge("order.delivered", &json!({})).status(), 405);
        kuper.closed_by_kuper = Some("canceled by Kuper".into());
        assert_eq!(kuper.judge("order.in_work", &json!({})).status(), 422);
        assert_eq!(kuper.judge("order.teleported", &json!({})).status(), 422);
    }
}
