//! The payloads of the notifications staff cause, typed: what each must
//! carry before it is queued for Kuper, so that a mistake is refused to the
//! person who made it instead of dead-lettered by Kuper hours later.
//!
//! `order_id` and `number` are added by the outbox; staff give the rest.

use orders::kuper::StaffRequest;
use orders::kuper::flow::StaffAction;
use orders::kuper::picking::{PickedPosition, Picking};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `order.ready_for_delivery`'s final composition: what leaves the store.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinalComposition {
    #[serde(rename = "originalOrderId", default, skip_serializing_if = "Option::is_none")]
    pub original_order_id: Option<String>,
    pub positions: Vec<Position>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packs: Option<Packs>,
}

/// One position as delivered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Position {
    /// Kuper's id of the position (for a replacement: the replacing
    /// product's).
    pub id: String,
    /// Delivered quantity (pieces); 0 when the position is missing. May be
    /// left out for a weighed position: one piece of that weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u32>,
    /// Weighed goods: the weight in grams.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u32>,
    #[serde(rename = "markingCode", default, skip_serializing_if = "Vec::is_empty")]
    pub marking_code: Vec<MarkingCode>,
    /// The SKU that replaced this position, when one did.
    #[serde(rename = "replacedByID", default)]
    pub replaced_by_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkingCode {
    pub value: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Packs {
    pub count: u32,
}

/// `order.canceled`'s reason (Kuper publishes no list of codes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelReason {
    pub code: String,
    #[serde(default)]
    pub comment: String,
}

#[derive(Deserialize)]
struct Ready {
    order: FinalComposition,
}

#[derive(Deserialize)]
struct PickupCode {
    code: String,
}

#[derive(Deserialize)]
struct Canceled {
    reason: CancelReason,
}

#[derive(Deserialize)]
struct EstimatedDelivery {
    estimated_delivery_at: String,
}

impl Position {
    fn picked(&self) -> Result<PickedPosition, String> {
        let quantity = match (self.quantity, self.weight) {
            (Some(quantity), _) => quantity,
            (None, Some(grams)) if grams > 0 => 1,
            (None, _) => return Err(format!("position {}: quantity is required", self.id)),
        };
        Ok(PickedPosition {
            id: self.id.clone(),
            quantity,
            weight_grams: self.weight,
            replaced_by: self.replaced_by_id.clone().filter(|id| !id.trim().is_empty()),
            marking_codes: self.marking_code.iter().map(|c| c.value.clone()).collect(),
        })
    }
}

/// What staff ask for, checked: the payload as Kuper would take it and, for
/// `ready_for_delivery`, the final composition in the order book's terms.
pub fn staff_request(action: StaffAction, payload: &Value) -> Result<StaffRequest, String> {
    check_staff_payload(action.notification(), payload)?;
    let picking = if action == StaffAction::Ready {
        let ready: Ready = check(payload, "ready_for_delivery needs the final composition in \"order\"")?;
        let positions = ready.order.positions.iter().map(Position::picked).collect::<Result<_, _>>()?;
        Some(Picking { positions, packs: ready.order.packs.map(|p| p.count) })
    } else {
        None
    };
    Ok(StaffRequest { action, payload: payload.clone(), picking })
}

fn check<T: for<'de> Deserialize<'de>>(payload: &Value, what: &str) -> Result<T, String> {
    serde_json::from_value(payload.clone()).map_err(|e| format!("{what}: {e}"))
}

/// Checks what staff give for the notification `event_type` (e.g.
/// `order.ready_for_delivery`); `Err` says what is missing or wrong.
pub fn check_staff_payload(event_type: &str, payload: &Value) -> Result<(), String> {
    if !payload.is_object() {
        return Err("the payload must be a JSON object".into());
    }
    match event_type {
        "order.ready_for_delivery" => {
            let ready: Ready = check(payload, "ready_for_delivery needs the final composition in \"order\"")?;
            if ready.order.positions.is_empty() {
                return Err("the final composition has no positions".into());
            }
            if let Some(Packs { count: 0 }) = ready.order.packs {
                return Err("packs.count must be at least 1".into());
            }
        }
        "order.pickup_code_created" => {
            let code: PickupCode = check(payload, "pickup_code_created needs \"code\"")?;
            if code.code.trim().is_empty() {
                return Err("the pickup code is empty".into());
            }
        }
        "order.canceled" => {
            let canceled: Canceled =
                check(payload, "canceled needs a \"reason\": {\"code\": …, \"comment\": …}")?;
            if canceled.reason.code.trim().is_empty() {
                return Err("the reason's code is empty".into());
            }
        }
        "order.estimated_delivery_time" => {
            let eta: EstimatedDelivery =
                check(payload, "estimated_delivery_time needs \"estimated_delivery_at\"")?;
            chrono::DateTime::parse_from_rfc3339(&eta.estimated_delivery_at).map_err(|_| {
                "estimated_delivery_at must be an RFC 3339 time, e.g. 2026-11-25T12:00:00+03:00".to_owned()
            })?;
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_full_final_composition_passes_and_round_trips() {
        let order = json!({"originalOrderId": "H1", "packs": {"count": 2}, "positions": [
            {"id": "SKU-1", "quantity": 2, "replacedByID": null},
            {"id": "SKU-2", "quantity": 1, "weight": 350, "markingCode": [{"value": "010460"}], "replacedByID": "SKU-3"}]});
        check_staff_payload("order.ready_for_delivery", &json!({ "order": order })).unwrap();
        let typed: FinalComposition = serde_json::from_value(order.clone()).unwrap();
        assert_eq!(typed.positions[1].weight, Some(350));
        assert_eq!(serde_json::to_value(&typed).unwrap(), order);
    }

    #[test]
    fn a_staff_composition_becomes_a_picking() {
        let payload = json!({"order": {"positions": [
            {"id": "milk", "quantity": 0, "replacedByID": "kefir"},
            {"id": "kefir", "quantity": 2},
            {"id": "cheese", "weight": 734, "markingCode": [{"value": "0104"}]}], "packs": {"count": 2}}});
        let request = staff_request(StaffAction::Ready, &payload).unwrap();
        let picking = request.picking.unwrap();
        assert_eq!(picking.packs, Some(2));
        assert_eq!(picking.positions[0].replaced_by.as_deref(), Some("kefir"));
        assert_eq!((picking.positions[2].quantity, picking.positions[2].weight_grams), (1, Some(734)));
        assert_eq!(picking.positions[2].marking_codes, vec!["0104"]);
        let no_quantity = json!({"order": {"positions": [{"id": "milk"}]}});
        assert!(staff_request(StaffAction::Ready, &no_quantity).unwrap_err().contains("quantity"));
        assert_eq!(staff_request(StaffAction::StartAssembly, &json!({})).unwrap().picking, None);
    }

    #[test]
    fn what_kuper_would_refuse_is_refused_with_the_reason() {
        let refused = [
            ("order.ready_for_delivery", json!({})),
            ("order.ready_for_delivery", json!({"order": {"positions": []}})),
            ("order.ready_for_delivery", json!({"order": {"positions": [{"id": "A", "quantity": -1}]}})),
            (
                "order.ready_for_delivery",
                json!({"order": {"positions": [{"id": "A", "quantity": 1, "weight": 0.5}]}}),
            ),
            (
                "order.ready_for_delivery",
                json!({"order": {"positions": [{"id": "A", "quantity": 1, "qty": 1}]}}),
            ),
            (
                "order.ready_for_delivery",
                json!({"order": {"positions": [{"id": "A", "quantity": 1}], "packs": {"count": 0}}}),
            ),
            ("order.pickup_code_created", json!({"code": " "})),
            ("order.pickup_code_created", json!({})),
            ("order.canceled", json!({})),
            ("order.canceled", json!({"reason": "no"})),
            ("order.estimated_delivery_time", json!({"estimated_delivery_at": "tomorrow"})),
            ("order.in_work", json!([])),
        ];
        for (event, payload) in refused {
            let error = check_staff_payload(event, &payload).expect_err(&format!("{event} {payload}"));
            assert!(!error.is_empty());
        }
    }

    #[test]
    fn the_simple_steps_need_nothing() {
        for event in
            ["order.accepted", "order.in_work", "order.assembled", "order.delivering", "order.delivered"]
        {
            check_staff_payload(event, &json!({})).unwrap();
        }
        check_staff_payload("order.pickup_code_created", &json!({"code": "1234"})).unwrap();
        check_staff_payload("order.canceled", &json!({"reason": {"code": "no_stock"}})).unwrap();
        let eta = json!({"estimated_delivery_at": "2026-11-25T12:00:00+03:00"});
        check_staff_payload("order.estimated_delivery_time", &eta).unwrap();
    }
}
