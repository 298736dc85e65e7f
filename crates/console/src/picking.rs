//! The picking form of a Kuper order, read into a staff step: per line the
//! pieces found (or the grams cut for goods sold by weight), a replacement
//! and how much of it, the number of packs; a pickup code; a cancel's
//! reason. The step itself is checked by `kuper-client` (the wire) and
//! decided by `orders::kuper` (the flow, the picking rules).

use std::collections::HashMap;

use orders::kuper::flow::StaffAction;
use orders::kuper::{LineView, StaffRequest};
use serde_json::{Value, json};

/// The steps the form offers, as its `action` field names them.
pub const STEPS: [(&str, &str); 6] = [
    ("accept", "Принять"),
    ("in_work", "В работу"),
    ("assembled", "Собран"),
    ("pickup_code_created", "Код выдачи"),
    ("ready_for_delivery", "Готов к выдаче"),
    ("canceled", "Отменить"),
];

/// What is wrong with the form: the field it is about (`None`: the step
/// as a whole), and the message shown beside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormError {
    pub field: Option<String>,
    pub message: String,
}

impl FormError {
    pub(crate) fn at(field: &str, message: impl Into<String>) -> FormError {
        FormError { field: Some(field.to_owned()), message: message.into() }
    }

    pub fn step(message: impl Into<String>) -> FormError {
        FormError { field: None, message: message.into() }
    }
}

fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map_or("", |v| v.trim())
}

/// A whole number from the form (`what` names it in the message).
fn whole(form: &HashMap<String, String>, name: &str, what: &str) -> Result<Option<u32>, FormError> {
    let text = field(form, name);
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<u32>()
        .map(Some)
        .map_err(|_| FormError::at(name, format!("{what}: «{text}» — нужно целое число")))
}

fn composition(form: &HashMap<String, String>, lines: &[LineView]) -> Result<Value, FormError> {
    let mut positions = Vec::new();
    let mut replacements = Vec::new();
    for (i, line) in lines.iter().enumerate().filter(|(_, l)| l.replaces.is_none()) {
        let label = format!("позиция {}", line.position_id);
        let (quantity, weight) = if line.weighted {
            let grams = whole(form, &format!("grams_{i}"), &format!("{label}, граммы"))?.unwrap_or(0);
            (u32::from(grams > 0), (grams > 0).then_some(grams))
        } else {
            (whole(form, &format!("qty_{i}"), &format!("{label}, штуки"))?.unwrap_or(0), None)
        };
        let replacement = field(form, &format!("repl_{i}"));
        let mut position = json!({"id": line.position_id, "quantity": quantity, "replacedByID": Value::Null});
        if let Some(grams) = weight {
            position["weight"] = json!(grams);
        }
        if !replacement.is_empty() {
            position["replacedByID"] = json!(replacement);
            let pieces = whole(form, &format!("repl_qty_{i}"), &format!("замена {replacement}, штуки"))?;
            let grams = whole(form, &format!("repl_grams_{i}"), &format!("замена {replacement}, граммы"))?;
            let mut substitute =
                json!({"id": replacement, "quantity": pieces.unwrap_or(u32::from(grams.is_some()))});
            if let Some(grams) = grams {
                substitute["weight"] = json!(grams);
            }
            replacements.push(substitute);
        }
        positions.push(position);
    }
    positions.extend(replacements);
    let mut order = json!({ "positions": positions });
    match whole(form, "packs", "пакеты")? {
        Some(0) => return Err(FormError::at("packs", "пакетов не меньше одного")),
        Some(packs) => order["packs"] = json!({ "count": packs }),
        None => {}
    }
    Ok(json!({ "order": order }))
}

/// The staff step the form asks for, checked; `Err` is the message to show
/// and where.
pub fn request(form: &HashMap<String, String>, lines: &[LineView]) -> Result<StaffRequest, FormError> {
    let action: StaffAction = field(form, "action").parse().map_err(FormError::step)?;
    let (payload, about) = match action {
        StaffAction::Ready => (composition(form, lines)?, None),
        StaffAction::PickupCode => {
            if field(form, "code").is_empty() {
                return Err(FormError::at("code", "введите код выдачи"));
            }
            (json!({ "code": field(form, "code") }), Some("code"))
        }
        StaffAction::Cancel => {
            let comment = field(form, "reason");
            if comment.is_empty() {
                return Err(FormError::at("reason", "укажите причину отмены"));
            }
            (json!({ "reason": { "code": "merchant", "comment": comment } }), Some("reason"))
        }
        _ => (json!({}), None),
    };
    kuper_client::payload::staff_request(action, &payload)
        .map_err(|message| FormError { field: about.map(str::to_owned), message })
}

#[cfg(test)]
mod tests {
    use catalog::stock::StockQty;

    use super::*;

    fn line(id: &str, weighted: bool) -> LineView {
        LineView {
            position_id: id.into(),
            sku: Some(id.into()),
            ordered: StockQty::units(1),
            weighted,
            held: StockQty::units(1),
            picked: None,
            replaces: None,
        }
    }

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn a_picked_form_is_the_final_composition() {
        let lines = [line("MILK", false), line("CHEESE", true), line("BREAD", false)];
        let picked = form(&[
            ("action", "ready_for_delivery"),
            ("qty_0", "2"),
            ("grams_1", "734"),
            ("qty_2", "0"),
            ("repl_2", "RYE"),
            ("repl_qty_2", "1"),
            ("packs", "2"),
        ]);
        let request = request(&picked, &lines).unwrap();
        assert_eq!(request.action, StaffAction::Ready);
        assert_eq!(
            request.payload["order"],
            json!({"packs": {"count": 2}, "positions": [
                {"id": "MILK", "quantity": 2, "replacedByID": null},
                {"id": "CHEESE", "quantity": 1, "weight": 734, "replacedByID": null},
                {"id": "BREAD", "quantity": 0, "replacedByID": "RYE"},
                {"id": "RYE", "quantity": 1}]})
        );
        assert_eq!(request.picking.unwrap().positions.len(), 4);
    }

    #[test]
    fn bad_input_says_which_field() {
        let lines = [line("MILK", false)];
        let error =
            request(&form(&[("action", "ready_for_delivery"), ("qty_0", "два")]), &lines).unwrap_err();
        assert!(error.message.contains("MILK") && error.message.contains("целое"), "{error:?}");
        assert_eq!(error.field.as_deref(), Some("qty_0"));
        let error = request(&form(&[("action", "canceled")]), &lines).unwrap_err();
        assert!(error.message.contains("причину") && error.field.as_deref() == Some("reason"));
        assert_eq!(request(&form(&[("action", "teleport")]), &lines).unwrap_err().field, None);
        let error = request(&form(&[("action", "pickup_code_created"), ("code", " ")]), &lines).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("code"));
        let error = request(&form(&[("action", "ready_for_delivery"), ("packs", "-1")]), &lines).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("packs"));
        let error = request(
            &form(&[("action", "ready_for_delivery"), ("repl_0", "RYE"), ("repl_grams_0", "x")]),
            &lines,
        )
        .unwrap_err();
        assert_eq!(error.field.as_deref(), Some("repl_grams_0"));
        let step = request(&form(&[("action", "in_work")]), &lines).unwrap();
        assert_eq!(step.action, StaffAction::StartAssembly);
    }
}
