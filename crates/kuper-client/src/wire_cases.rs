//! The tolerance table: every field of `order.created` as `KUPER-WIRE.md`
//! documents it, each sent absent, `null`, `""`, blank, of a wrong type,
//! and as the other of number and string. Our own tests and the listener's
//! end-to-end test read the same table, so a field added to the wire is
//! added here once.

use serde_json::{Value, json};

/// What a field's value is on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Number,
    /// An id: a string or a number.
    Id,
    Object,
    List,
}

/// What becomes of an order whose field is not readable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Read as "not said"; the order is taken.
    Optional,
    /// The order cannot be taken without it: `created`, then canceled with
    /// the reason.
    Order,
    /// The webhook cannot be placed without it: 400.
    Webhook,
}

/// A field of `order.created`: its path from the body's top, its kind, and
/// what the order needs of it.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub path: &'static str,
    pub kind: Kind,
    pub need: Need,
}

const fn field(path: &'static str, kind: Kind, need: Need) -> Field {
    Field { path, kind, need }
}

/// Every field of the documented `order.created`. `positions.0.quantity`
/// falls back to `originalQuantity`, so it is optional while that is there.
pub const FIELDS: [Field; 36] = {
    use Kind::{Id, List, Number, Object, Text};
    use Need::{Optional, Order, Webhook};
    [
        field("timestamp", Text, Optional),
        field("payload.originalOrderId", Id, Webhook),
        field("payload.storeID", Id, Order),
        field("payload.comment", Text, Optional),
        field("payload.shipmentMethod", Text, Optional),
        field("payload.replacementPolicy", Text, Optional),
        field("payload.customer", Object, Optional),
        field("payload.customer.name", Text, Optional),
        field("payload.customer.phone", Text, Optional),
        field("payload.address", Object, Optional),
        field("payload.address.full_address", Text, Optional),
        field("payload.address.lat", Number, Optional),
        field("payload.address.lon", Number, Optional),
        field("payload.address.entrance", Text, Optional),
        field("payload.address.floor", Text, Optional),
        field("payload.address.apartment", Text, Optional),
        field("payload.delivery", Object, Optional),
        field("payload.delivery.expectedFrom", Text, Optional),
        field("payload.delivery.expectedTo", Text, Optional),
        field("payload.positions", List, Order),
        field("payload.positions.0.id", Id, Order),
        field("payload.positions.0.originalQuantity", Number, Optional),
        field("payload.positions.0.quantity", Number, Optional),
        field("payload.positions.0.price", Number, Optional),
        field("payload.positions.0.discountPrice", Number, Optional),
        field("payload.positions.0.weight", Number, Optional),
        field("payload.positions.0.totalPrice", Number, Optional),
        field("payload.positions.0.totalDiscountPrice", Number, Optional),
        field("payload.positions.0.replacedByID", Id, Optional),
        field("payload.positions.1.price", Number, Optional),
        field("payload.positions.1.weight", Number, Optional),
        field("payload.total", Object, Optional),
        field("payload.total.totalPrice", Number, Optional),
        field("payload.total.discountTotalPrice", Number, Optional),
        field("payload.paymentMethods", List, Optional),
        field("payload.paymentMethods.0", Text, Optional),
    ]
};

/// The documented `order.created` with realistic values: two positions,
/// the second weighed, for `store` and the products `pieces` and `weighed`.
pub fn documented(original: &str, store: &str, pieces: &str, weighed: &str) -> Value {
    json!({
        "event_type": "order.created",
        "timestamp": "2026-11-25T10:00:00+03:00",
        "payload": {
            "originalOrderId": original,
            "storeID": store,
            "comment": "Позвонить за 10 минут",
            "shipmentMethod": "by_courier",
            "replacementPolicy": "call_or_replace",
            "customer": {"name": "Ольга", "phone": "+79990000000"},
            "address": {"full_address": "Москва, Тверская, 1", "lat": 55.7558, "lon": 37.6173,
                        "entrance": "2", "floor": "5", "apartment": "21"},
            "delivery": {"expectedFrom": "2026-11-25T12:00:00+03:00", "expectedTo": "2026-11-25T14:00:00+03:00"},
            "positions": [
                {"id": pieces, "originalQuantity": 2, "quantity": 2, "price": "99.90",
                 "discountPrice": "89.90", "weight": 0, "totalPrice": "199.80",
                 "totalDiscountPrice": "179.80", "replacedByID": null},
                {"id": weighed, "originalQuantity": 1, "quantity": 1, "price": "450.00",
                 "discountPrice": "450.00", "weight": 350, "totalPrice": "157.50",
                 "totalDiscountPrice": "157.50", "replacedByID": null}
            ],
            "total": {"totalPrice": "357.30", "discountTotalPrice": "337.30"},
            "paymentMethods": ["card_online"]
        }
    })
}

/// One way a field may come.
#[derive(Clone, Debug)]
pub struct Case {
    pub field: Field,
    /// `absent`, `null`, `empty`, `blank`, `wrong type`, `swapped`.
    pub variant: &'static str,
    /// `None`: the field removed.
    pub value: Option<Value>,
}

impl Case {
    /// Whether the field is readable this way (`swapped` is: a number as a
    /// string, a string as a number).
    pub fn readable(&self) -> bool {
        self.variant == "swapped"
    }

    /// `body` with this case applied.
    pub fn apply(&self, body: &Value) -> Value {
        let mut body = body.clone();
        let (parent, key) = self.field.path.rsplit_once('.').unwrap_or(("", self.field.path));
        let mut at = &mut body;
        for step in parent.split('.').filter(|s| !s.is_empty()) {
            at = match step.parse::<usize>() {
                Ok(i) => &mut at[i],
                Err(_) => &mut at[step],
            };
        }
        match (&self.value, at) {
            (None, Value::Object(map)) => {
                map.remove(key);
            }
            (None, Value::Array(items)) => {
                items.remove(key.parse::<usize>().expect("an index"));
            }
            (Some(value), Value::Object(map)) => {
                map.insert(key.to_owned(), value.clone());
            }
            (Some(value), Value::Array(items)) => {
                items[key.parse::<usize>().expect("an index")] = value.clone();
            }
            (_, other) => panic!("{}: no place in {other}", self.field.path),
        }
        body
    }
}

/// Every way each field may come, on the documented body.
pub fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for field in FIELDS {
        let wrong = match field.kind {
            Kind::Object => json!("text"),
            Kind::List => json!({"first": 1}),
            Kind::Text | Kind::Number | Kind::Id => json!({"value": 1}),
        };
        let mut variants = vec![
            ("absent", None),
            ("null", Some(Value::Null)),
            ("empty", Some(json!(""))),
            ("blank", Some(json!("  "))),
            ("wrong type", Some(wrong)),
        ];
        match field.kind {
            Kind::Text | Kind::Id => variants.push(("swapped", Some(json!(42)))),
            Kind::Number => variants.push(("swapped", Some(json!("12.5")))),
            Kind::Object | Kind::List => {}
        }
        for (variant, value) in variants {
            cases.push(Case { field, variant, value });
        }
    }
    cases
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::Webhook;
    use orders::kuper::NewKuperOrder;

    /// What the order book keeps of a field, as text; `None`: not said.
    fn read(w: &Webhook, new: &NewKuperOrder, path: &str) -> Option<String> {
        let d = &new.details;
        let customer = d.customer.clone().unwrap_or_default();
        let address = d.address.clone().unwrap_or_default();
        let delivery = d.delivery.clone().unwrap_or_default();
        let total = d.total.clone().unwrap_or_default();
        let priced = |i: usize| d.positions.iter().find(|p| p.id == ["sku-1", "cheese"][i]).cloned();
        let line = |i: usize| new.lines.iter().find(|l| l.position_id == ["sku-1", "cheese"][i]).cloned();
        match path {
            "timestamp" => w.timestamp.clone(),
            "payload.originalOrderId" => Some(w.original_order_id.clone()),
            "payload.storeID" => new.store.clone(),
            "payload.comment" => d.comment.clone(),
            "payload.shipmentMethod" => d.shipment_method.clone(),
            "payload.replacementPolicy" => d.replacement_policy.clone(),
            "payload.customer" => d.customer.as_ref().and(customer.name),
            "payload.customer.name" => customer.name,
            "payload.customer.phone" => customer.phone,
            "payload.address" => d.address.as_ref().and(address.full_address),
            "payload.address.full_address" => address.full_address,
            "payload.address.lat" => address.lat.map(|v| v.to_string()),
            "payload.address.lon" => address.lon.map(|v| v.to_string()),
            "payload.address.entrance" => address.entrance,
            "payload.address.floor" => address.floor,
            "payload.address.apartment" => address.apartment,
            "payload.delivery" => d.delivery.as_ref().and(delivery.expected_from),
            "payload.delivery.expectedFrom" => delivery.expected_from,
            "payload.delivery.expectedTo" => delivery.expected_to,
            "payload.positions" => Some(new.lines.len().to_string()).filter(|n| n != "0"),
            "payload.positions.0.id" => new.lines.first().map(|l| l.position_id.clone()),
            // Falls back to `originalQuantity`: the quantity is always 2.
            "payload.positions.0.originalQuantity" | "payload.positions.0.quantity" => {
                line(0).map(|l| l.quantity.normalize().to_string())
            }
            "payload.positions.0.price" => priced(0)?.price,
            "payload.positions.0.discountPrice" => priced(0)?.discount_price,
            "payload.positions.0.weight" => line(0)?.weight_grams.map(|w| w.to_string()),
            "payload.positions.0.totalPrice" => priced(0)?.total_price,
            "payload.positions.0.totalDiscountPrice" => priced(0)?.total_discount_price,
            // Not kept from order.created: the order must only stay readable.
            "payload.positions.0.replacedByID" => None,
            "payload.positions.1.price" => priced(1)?.price,
            "payload.positions.1.weight" => line(1)?.weight_grams.map(|w| w.to_string()),
            "payload.total" => d.total.as_ref().and(total.total_price),
            "payload.total.totalPrice" => total.total_price,
            "payload.total.discountTotalPrice" => total.discount_total_price,
            "payload.paymentMethods" | "payload.paymentMethods.0" => {
                Some(d.payment_methods.join(",")).filter(|m| !m.is_empty())
            }
            other => panic!("no reader for {other}"),
        }
    }

    #[test]
    fn every_field_reads_whichever_way_it_comes() {
        let body = documented("H1", "S1", "sku-1", "cheese");
        let as_sent = Webhook::parse(body.to_string().as_bytes()).unwrap();
        let as_sent_order = as_sent.new_order().unwrap();
        assert_eq!(as_sent_order.unreadable, None);
        let mut failures = Vec::new();
        for case in cases() {
            let path = case.field.path;
            let sent = case.apply(&body);
            let parsed = Webhook::parse(sent.to_string().as_bytes());
            let outcome = match (&parsed, case.field.need, case.readable()) {
                (Err(e), Need::Webhook, false) => Ok(format!("400 {e}")),
                (Err(e), _, _) => Err(format!("refused: {e}")),
                (Ok(w), _, _) => {
                    let new = w.new_order().unwrap();
                    let got = read(w, &new, path);
                    match (case.field.need, case.readable(), &new.unreadable) {
                        (Need::Order, false, Some(_)) => Ok("canceled".to_owned()),
                        (_, _, Some(why)) => Err(format!("unreadable: {why}")),
                        (_, true, None) => {
                            let expected = match (path, case.field.kind) {
                                ("payload.positions.0.replacedByID", _) => None,
                                // `quantity` is there: it is what is ordered.
                                ("payload.positions.0.originalQuantity", _) => Some("2".to_owned()),
                                (_, Kind::Number) => Some("12.5".to_owned()),
                                _ => Some("42".to_owned()),
                            };
                            if got == expected { Ok("read".into()) } else { Err(format!("read {got:?}")) }
                        }
                        (Need::Optional, false, None) => {
                            let falls_back =
                                path.starts_with("payload.positions.0.") && path.ends_with("uantity");
                            let expected = falls_back.then(|| "2".to_owned());
                            if got == expected { Ok("not said".into()) } else { Err(format!("read {got:?}")) }
                        }
                        (_, false, None) => Err("taken without a field it needs".to_owned()),
                    }
                }
            };
            if let Err(why) = outcome {
                failures.push(format!("{path} {}: {why}", case.variant));
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} cases:\n{}",
            failures.len(),
            cases().len(),
            failures.join("\n")
        );
        // Each field as sent reads as documented, so "not said" above is
        // the variant's doing.
        // (Both say "none" as documented: no replacement, 0 g for pieces.)
        let none_as_sent = ["payload.positions.0.replacedByID", "payload.positions.0.weight"];
        for field in FIELDS.iter().filter(|f| !none_as_sent.contains(&f.path)) {
            assert!(read(&as_sent, &as_sent_order, field.path).is_some(), "{} as sent", field.path);
        }
    }
}
