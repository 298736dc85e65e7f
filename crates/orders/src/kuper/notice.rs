//! The payloads of our notifications to Kuper, built once: every one names
//! the order both ways (`order_id`: Kuper's, `number`: ours), and
//! `order.ready_for_delivery` carries the final composition as
//! `KUPER-WIRE.md` shows it.

use serde_json::{Value, json};

use super::flow::{KuperStatus, StaffAction};
use super::picking::Picking;
use super::weight::WeightReading;

/// The payload of a notification about `original` (our `number`): what
/// staff gave (already checked by `kuper-client`), with the order's ids.
pub fn payload(original: &str, number: &str, given: &Value) -> Value {
    let mut payload = match given {
        Value::Object(_) => given.clone(),
        _ => json!({}),
    };
    payload["order_id"] = Value::from(original);
    payload["number"] = Value::from(number);
    payload
}

/// `order.ready_for_delivery`: staff's payload with the final composition
/// as reconciled (every line, shortfalls at 0, replacements after them).
pub fn ready(
    original: &str,
    number: &str,
    given: &Value,
    composition: &Picking,
    weight: WeightReading,
) -> Value {
    let positions: Vec<Value> = composition
        .positions
        .iter()
        .map(|p| {
            let mut position = json!({"id": p.id, "quantity": p.quantity, "replacedByID": p.replaced_by});
            if let Some(grams) = p.weight_grams {
                position["weight"] = Value::from(weight.wire_weight(grams, p.quantity));
            }
            if !p.marking_codes.is_empty() {
                position["markingCode"] = p.marking_codes.iter().map(|code| json!({"value": code})).collect();
            }
            position
        })
        .collect();
    let mut order = json!({"originalOrderId": original, "positions": positions});
    if let Some(count) = composition.packs {
        order["packs"] = json!({"count": count});
    }
    let mut payload = payload(original, number, given);
    payload["order"] = order;
    payload
}

/// `payload` with the `orderUUID` Kuper gave the order, when it gave one:
/// echoed on every notification about it, as `KUPER-WIRE.md` shows.
pub fn with_order_uuid(mut payload: Value, order_uuid: Option<&str>) -> Value {
    if let (Some(uuid), Value::Object(fields)) = (order_uuid, &mut payload) {
        fields.insert("orderUUID".to_owned(), Value::from(uuid));
    }
    payload
}

/// `order.canceled` when we cannot take an order.
pub fn refused(original: &str, number: &str, reason: &str) -> Value {
    payload(original, number, &json!({"reason": {"code": "merchant", "comment": reason}}))
}

/// Where Kuper's view of the order stands once it has acknowledged the
/// notification `kind` (`None`: the notification moves no status).
pub fn acknowledged(kind: &str) -> Option<KuperStatus> {
    let action = StaffAction::ALL.into_iter().find(|a| a.notification() == kind)?;
    Some(match action {
        StaffAction::Accept => KuperStatus::Accepted,
        StaffAction::StartAssembly => KuperStatus::InWork,
        StaffAction::Assembled => KuperStatus::Assembled,
        StaffAction::PickupCode => KuperStatus::PickupCodeSent,
        StaffAction::Ready => KuperStatus::Ready,
        StaffAction::Delivering => KuperStatus::Delivering,
        StaffAction::Delivered => KuperStatus::Delivered,
        StaffAction::Cancel => KuperStatus::Canceled,
        StaffAction::EstimatedDeliveryTime => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kuper::picking::PickedPosition;

    #[test]
    fn the_order_uuid_is_echoed_when_kuper_gave_one() {
        let plain = payload("H1", "K-1", &json!({"code": "1234"}));
        assert_eq!(with_order_uuid(plain.clone(), None), plain);
        let echoed = with_order_uuid(plain, Some("3f2a-uuid"));
        assert_eq!(
            echoed,
            json!({"order_id": "H1", "number": "K-1", "code": "1234", "orderUUID": "3f2a-uuid"})
        );
    }

    #[test]
    fn the_final_composition_as_the_wire_shows_it() {
        let composition = Picking {
            positions: vec![
                PickedPosition {
                    id: "milk".into(),
                    quantity: 0,
                    weight_grams: None,
                    replaced_by: Some("kefir".into()),
                    marking_codes: vec![],
                },
                PickedPosition {
                    id: "cheese".into(),
                    quantity: 1,
                    weight_grams: Some(734),
                    replaced_by: None,
                    marking_codes: vec!["0104600".into()],
                },
                PickedPosition {
                    id: "kefir".into(),
                    quantity: 2,
                    weight_grams: None,
                    replaced_by: None,
                    marking_codes: vec![],
                },
            ],
            packs: Some(2),
        };
        let payload =
            ready("H1", "K-1", &json!({"order": {"positions": []}}), &composition, WeightReading::Line);
        assert_eq!(
            payload,
            json!({"order_id": "H1", "number": "K-1", "order": {"originalOrderId": "H1", "packs": {"count": 2}, "positions": [
                {"id": "milk", "quantity": 0, "replacedByID": "kefir"},
                {"id": "cheese", "quantity": 1, "weight": 734, "markingCode": [{"value": "0104600"}], "replacedByID": null},
                {"id": "kefir", "quantity": 2, "replacedByID": null}]}})
        );
    }

    #[test]
    fn every_notification_names_the_order_both_ways() {
        assert_eq!(
            payload("H1", "K-1", &json!({"code": "12"})),
            json!({"order_id": "H1", "number": "K-1", "code": "12"})
        );
        assert_eq!(refused("H1", "K-1", "unknown store")["reason"]["comment"], "unknown store");
        assert_eq!(acknowledged("order.in_work"), Some(KuperStatus::InWork));
        assert_eq!(acknowledged("order.estimated_delivery_time"), None);
        assert_eq!(acknowledged("order.teleported"), None);
    }
}
