//! Kuper's order bodies read into the order book's terms: `order.created`
//! (tolerantly: a field we cannot read is left out, and an order without a
//! readable store or positions is still an order, taken canceled with the
//! reason), `order.updated`, the courier's and the cancel's news.

use domain::Decimal;
use orders::kuper::details::{Address, Customer, DeliveryWindow, KuperDetails, PricedPosition, Totals};
use orders::kuper::update::OrderUpdate;
use orders::kuper::{EventNews, NewKuperOrder, NewLine};
use serde_json::Value;

use crate::webhook::{EventType, Flex, FlexId, Position, Webhook};

/// Text of a field Kuper may send as a string or a number.
fn text(value: &Value, field: &str) -> Option<String> {
    match value.get(field)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn number(value: &Value, field: &str) -> Option<Decimal> {
    value.get(field).cloned().and_then(|v| serde_json::from_value::<Flex>(v).ok()).map(|f| f.0)
}

fn float(value: &Value, field: &str) -> Option<f64> {
    number(value, field).and_then(|d| d.to_string().parse().ok())
}

fn customer(payload: &Value) -> Option<Customer> {
    let c = payload.get("customer").filter(|c| c.is_object())?;
    Some(Customer { name: text(c, "name"), phone: text(c, "phone") })
}

fn address(payload: &Value) -> Option<Address> {
    let a = payload.get("address").filter(|a| a.is_object())?;
    Some(Address {
        full_address: text(a, "full_address").or_else(|| text(a, "fullAddress")),
        lat: float(a, "lat"),
        lon: float(a, "lon"),
        entrance: text(a, "entrance"),
        floor: text(a, "floor"),
        apartment: text(a, "apartment"),
    })
}

fn delivery(payload: &Value) -> Option<DeliveryWindow> {
    let d = payload.get("delivery").filter(|d| d.is_object())?;
    Some(DeliveryWindow { expected_from: text(d, "expectedFrom"), expected_to: text(d, "expectedTo") })
}

fn priced(p: &Value) -> Option<PricedPosition> {
    Some(PricedPosition {
        id: serde_json::from_value::<FlexId>(p.get("id")?.clone()).ok()?.0,
        quantity: number(p, "quantity").or_else(|| number(p, "originalQuantity"))?.normalize().to_string(),
        weight: number(p, "weight").filter(|w| !w.is_zero()).map(|w| w.normalize().to_string()),
        price: text(p, "price"),
        discount_price: text(p, "discountPrice"),
        total_price: text(p, "totalPrice"),
        total_discount_price: text(p, "totalDiscountPrice"),
    })
}

fn details(payload: &Value) -> KuperDetails {
    let positions = payload.get("positions").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    KuperDetails {
        order_uuid: text(payload, "orderUUID").or_else(|| text(payload, "orderUuid")),
        customer: customer(payload),
        address: address(payload),
        comment: text(payload, "comment"),
        delivery: delivery(payload),
        shipment_method: text(payload, "shipmentMethod"),
        replacement_policy: text(payload, "replacementPolicy"),
        payment_methods: payment_methods(payload),
        positions: positions.iter().filter_map(priced).collect(),
        total: payload.get("total").filter(|t| t.is_object()).map(|t| Totals {
            total_price: text(t, "totalPrice"),
            discount_total_price: text(t, "discountTotalPrice"),
        }),
        ..KuperDetails::default()
    }
}

/// `paymentMethods`: a list, or one method on its own; blanks are none.
fn payment_methods(payload: &Value) -> Vec<String> {
    let one = |m: &Value| match m {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        // A method as an object: by its name.
        Value::Object(_) => ["type", "name", "code"].iter().find_map(|key| text(m, key)),
        _ => None,
    };
    match payload.get("paymentMethods") {
        Some(Value::Array(methods)) => methods.iter().filter_map(one).collect(),
        Some(method) => one(method).into_iter().collect(),
        None => Vec::new(),
    }
}

fn line(p: &Position, at: usize) -> Result<NewLine, String> {
    let quantity = p.ordered().ok_or_else(|| format!("positions[{at}].quantity: missing or not a number"))?;
    Ok(NewLine {
        position_id: p.id.0.clone(),
        quantity,
        weight_grams: p.weight.map(|w| w.0).filter(|w| !w.is_zero()),
    })
}

/// The positions of a payload, or why they cannot be read.
fn lines(payload: &Value) -> Result<Vec<NewLine>, String> {
    let positions = payload.get("positions").filter(|p| !p.is_null()).ok_or("positions: missing")?;
    let positions: Vec<Position> =
        serde_json::from_value(positions.clone()).map_err(|e| format!("positions: {e}"))?;
    if positions.is_empty() {
        return Err("positions: none".into());
    }
    positions.iter().enumerate().map(|(at, p)| line(p, at)).collect()
}

impl Webhook {
    /// `order.created` in the order book's terms; `None` for other events.
    pub fn new_order(&self) -> Option<NewKuperOrder> {
        if self.event_type != EventType::OrderCreated {
            return None;
        }
        // `storeID` as documented; the other spellings seen in the wild too.
        let store = ["storeID", "storeId", "store_id"].iter().find_map(|name| {
            self.payload.get(*name).cloned().and_then(|s| serde_json::from_value::<FlexId>(s).ok())
        });
        let lines = lines(&self.payload);
        let unreadable = match (&store, &lines) {
            (None, _) => Some("storeID: missing or not an id".to_owned()),
            (_, Err(why)) => Some(why.clone()),
            _ => None,
        };
        Some(NewKuperOrder {
            store: store.map(|s| s.0),
            lines: lines.unwrap_or_default(),
            details: details(&self.payload),
            unreadable,
        })
    }

    /// What an event other than `order.created` brings.
    pub fn news(&self) -> EventNews {
        let payload = &self.payload;
        match self.event_type {
            EventType::CourierAssigned | EventType::CourierArrived => {
                let mut news = payload.clone();
                if let Some(fields) = news.as_object_mut() {
                    fields.remove("originalOrderId");
                }
                EventNews::Courier(news)
            }
            EventType::OrderCanceled => {
                let reason = self.reason();
                EventNews::Cancel { code: reason.code, comment: reason.comment }
            }
            EventType::OrderUpdated => EventNews::Update(Box::new(OrderUpdate {
                kind: self.update_kind().map(str::to_owned),
                // An unreadable list of positions changes nothing: the
                // update is raised to staff for want of anything to apply.
                lines: payload.get("positions").and_then(|_| lines(payload).ok()),
                customer: customer(payload),
                address: address(payload),
                delivery: delivery(payload),
                comment: text(payload, "comment"),
                replacement_policy: text(payload, "replacementPolicy"),
            })),
            _ => EventNews::Nothing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(body: &str) -> Webhook {
        Webhook::parse(body.as_bytes()).unwrap()
    }

    #[test]
    fn the_documented_order_created_keeps_everything_kuper_says() {
        let new = hook(crate::webhook::tests::CREATED).new_order().unwrap();
        assert_eq!(new.store.as_deref(), Some("42"));
        assert_eq!(new.unreadable, None);
        assert_eq!(
            new.lines,
            vec![NewLine { position_id: "sku-1".into(), quantity: 2.into(), weight_grams: None }]
        );
        let d = new.details;
        assert_eq!(d.customer.unwrap().phone.as_deref(), Some("+7…"));
        let address = d.address.unwrap();
        assert_eq!((address.lat, address.lon), (Some(55.75), Some(37.61)));
        assert_eq!(address.entrance.as_deref(), Some("…"));
        assert_eq!(d.replacement_policy.as_deref(), Some("call_or_replace"));
        assert_eq!(d.shipment_method.as_deref(), Some("by_courier"));
        assert_eq!(d.payment_methods, vec!["…"]);
        assert_eq!(d.positions[0].discount_price.as_deref(), Some("89.90"));
        assert_eq!(d.positions[0].total_discount_price.as_deref(), Some("179.80"));
        assert!(d.delivery.is_some() && d.total.is_some());
    }

    #[test]
    fn an_order_without_a_readable_store_or_positions_is_still_an_order() {
        for (payload, why) in [
            (r#"{"originalOrderId": "H1", "positions": [{"id": "a", "quantity": 1}]}"#, "storeID"),
            (
                r#"{"originalOrderId": "H1", "storeID": {"x": 1}, "positions": [{"id": "a", "quantity": 1}]}"#,
                "storeID",
            ),
            (r#"{"originalOrderId": "H1", "storeID": "7"}"#, "positions"),
            (r#"{"originalOrderId": "H1", "storeID": "7", "positions": []}"#, "positions"),
            (
                r#"{"originalOrderId": "H1", "storeID": "7", "positions": [{"id": "a", "quantity": "lots"}]}"#,
                "positions",
            ),
        ] {
            let body = format!(r#"{{"event_type": "order.created", "payload": {payload}}}"#);
            let new = hook(&body).new_order().unwrap();
            assert!(new.unreadable.as_deref().is_some_and(|u| u.contains(why)), "{payload}: {new:?}");
        }
    }

    #[test]
    fn weighted_positions_keep_their_grams() {
        let body = r#"{"event_type": "order.created", "payload": {"originalOrderId": "H1", "storeID": 7,
            "positions": [{"id": "cheese", "quantity": 1, "weight": "700"}, {"id": "milk", "quantity": 2, "weight": 0}]}}"#;
        let new = hook(body).new_order().unwrap();
        assert_eq!(new.lines[0].weight_grams, Some(700.into()));
        assert_eq!(new.lines[1].weight_grams, None);
    }

    #[test]
    fn news_of_each_event() {
        let update = hook(
            r#"{"event_type": "order.updated", "payload": {"originalOrderId": "H1", "kind": "positions",
                "positions": [{"id": "a", "quantity": 3}], "comment": "ring twice"}}"#,
        );
        let EventNews::Update(update) = update.news() else { panic!() };
        assert_eq!(update.kind.as_deref(), Some("positions"));
        assert_eq!(update.lines.unwrap()[0].quantity, 3.into());
        assert_eq!(update.comment.as_deref(), Some("ring twice"));
        let courier = hook(
            r#"{"event_type": "courier.assigned", "payload": {"originalOrderId": "H1", "courier": {"name": "Иван"}}}"#,
        );
        assert_eq!(courier.news(), EventNews::Courier(serde_json::json!({"courier": {"name": "Иван"}})));
        let cancel = hook(
            r#"{"event_type": "order.canceled", "payload": {"originalOrderId": "H1", "reason": {"code": "client"}}}"#,
        );
        assert_eq!(cancel.news(), EventNews::Cancel { code: Some("client".into()), comment: None });
        assert_eq!(
            hook(r#"{"event_type": "order.paid", "payload": {"originalOrderId": "H1"}}"#).news(),
            EventNews::Nothing
        );
    }
}
