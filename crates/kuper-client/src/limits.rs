//! What a webhook body may hold, checked before anything is stored: what
//! can never be stored is refused with Kuper's 400 (Kuper does not retry a
//! 400), not answered 503 for Kuper to retry forever. The limits are
//! written in README (Kuper push model, "Limits").

use serde_json::Value;

use crate::webhook::WireError;

/// The longest id we keep (an order, a store, a position): the id limit of
/// our own ids.
pub const MAX_ID_CHARS: usize = domain::MAX_ID_LEN;
/// The most positions one order (or one update) may carry. A grocery
/// order of Kuper's holds tens of lines; one thousand is a truck.
pub const MAX_POSITIONS: usize = 1_000;

/// The first place in `value` (a JSON path, `payload.positions[3].id`)
/// holding a string no database of ours can keep: one with a NUL
/// character (PostgreSQL refuses the byte in text).
fn nul_in(value: &Value, path: &str) -> Option<String> {
    match value {
        Value::String(s) if s.contains('\0') => Some(path.to_owned()),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            if k.contains('\0') {
                return Some(format!("{path}.<key>"));
            }
            nul_in(v, &if path.is_empty() { k.clone() } else { format!("{path}.{k}") })
        }),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| nul_in(v, &format!("{path}[{i}]"))),
        _ => None,
    }
}

fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn check_id(value: Option<&Value>, field: &str) -> Result<(), WireError> {
    match value.and_then(id_text) {
        Some(id) if id.chars().count() > MAX_ID_CHARS => {
            Err(WireError::at(field, format!("is longer than {MAX_ID_CHARS} characters")))
        }
        _ => Ok(()),
    }
}

/// Checks a whole webhook body against the limits.
pub fn check(body: &Value) -> Result<(), WireError> {
    if let Some(path) = nul_in(body, "") {
        return Err(WireError::at(&path, "contains a NUL character"));
    }
    let Some(payload) = body.get("payload") else { return Ok(()) };
    check_id(payload.get("originalOrderId"), "payload.originalOrderId")?;
    check_id(payload.get("storeID"), "payload.storeID")?;
    if let Some(positions) = payload.get("positions").and_then(Value::as_array) {
        if positions.len() > MAX_POSITIONS {
            return Err(WireError::at(
                "payload.positions",
                format!("holds {} positions; at most {MAX_POSITIONS} are taken", positions.len()),
            ));
        }
        for (i, p) in positions.iter().enumerate() {
            check_id(p.get("id"), &format!("payload.positions[{i}].id"))?;
            check_id(p.get("replacedByID"), &format!("payload.positions[{i}].replacedByID"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn created(payload: &Value) -> Value {
        json!({"event_type": "order.created", "payload": payload})
    }

    #[test]
    fn what_can_never_be_stored_is_named() {
        let long = "H".repeat(MAX_ID_CHARS + 1);
        let many: Vec<Value> = (0..=MAX_POSITIONS).map(|i| json!({"id": i, "quantity": 1})).collect();
        let cases = [
            (created(&json!({"originalOrderId": "H1", "storeID": "42"})), None),
            (created(&json!({"originalOrderId": "H\u{0}1"})), Some("payload.originalOrderId")),
            (created(&json!({"originalOrderId": "H1", "storeID": "4\u{0}2"})), Some("payload.storeID")),
            (
                created(&json!({"originalOrderId": "H1", "positions": [{"id": "a\u{0}", "quantity": 1}]})),
                Some("payload.positions[0].id"),
            ),
            (created(&json!({"originalOrderId": "H1", "comment": "\u{0}"})), Some("payload.comment")),
            (created(&json!({"originalOrderId": long})), Some("payload.originalOrderId")),
            (created(&json!({"originalOrderId": "H1", "storeID": "9".repeat(200)})), Some("payload.storeID")),
            (
                created(
                    &json!({"originalOrderId": "H1", "positions": [{"id": "x".repeat(129), "quantity": 1}]}),
                ),
                Some("payload.positions[0].id"),
            ),
            (created(&json!({"originalOrderId": "H1", "positions": many})), Some("payload.positions")),
            (created(&json!({"originalOrderId": "H".repeat(MAX_ID_CHARS)})), None),
            (created(&json!({"originalOrderId": 12345})), None),
        ];
        for (body, refused_at) in cases {
            let got = check(&body).err().map(|e| e.field);
            assert_eq!(
                got.as_deref(),
                refused_at,
                "{}",
                &body.to_string()[..body.to_string().len().min(120)]
            );
        }
    }
}
