//! Webhooks: Kuper -> merchant.

use domain::Decimal;
use domain::personal::{Hidden, Redacted};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The events Kuper sends; anything else is [`EventType::Other`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum EventType {
    OrderCreated,
    OrderPaid,
    CourierAssigned,
    CourierArrived,
    OrderReceived,
    OrderDelivering,
    OrderDelivered,
    OrderCanceled,
    OrderUpdated,
    Other(String),
}

impl EventType {
    const KNOWN: [(&'static str, EventType); 9] = [
        ("order.created", EventType::OrderCreated),
        ("order.paid", EventType::OrderPaid),
        ("courier.assigned", EventType::CourierAssigned),
        ("courier.arrived", EventType::CourierArrived),
        ("order.received", EventType::OrderReceived),
        ("order.delivering", EventType::OrderDelivering),
        ("order.delivered", EventType::OrderDelivered),
        ("order.canceled", EventType::OrderCanceled),
        ("order.updated", EventType::OrderUpdated),
    ];

    pub fn parse(name: &str) -> EventType {
        Self::KNOWN
            .iter()
            .find(|(n, _)| *n == name)
            .map_or_else(|| EventType::Other(name.to_owned()), |(_, t)| t.clone())
    }

    pub fn as_str(&self) -> &str {
        match self {
            EventType::Other(name) => name,
            known => Self::KNOWN.iter().find(|(_, t)| t == known).map_or("", |(n, _)| n),
        }
    }
}

/// Why a webhook body cannot be taken: the listener answers 400 with
/// Kuper's error shape and stores nothing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct WireError {
    pub field: String,
    pub message: String,
}

impl WireError {
    fn new(field: &str, message: impl Into<String>) -> Self {
        WireError { field: field.to_owned(), message: message.into() }
    }

    pub(crate) fn at(field: &str, message: impl Into<String>) -> Self {
        Self::new(field, message)
    }
}

/// Kuper's error body: `{"errors": [{"type", "field", "message"}]}`.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    pub errors: Vec<ErrorItem>,
}

#[derive(Debug, Serialize)]
pub struct ErrorItem {
    #[serde(rename = "type")]
    pub kind: String,
    pub field: String,
    pub message: String,
}

impl ErrorBody {
    pub fn one(kind: &str, field: &str, message: impl Into<String>) -> Self {
        ErrorBody {
            errors: vec![ErrorItem { kind: kind.into(), field: field.into(), message: message.into() }],
        }
    }
}

/// A number Kuper may send as a number or as a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Flex(pub Decimal);

impl<'de> Deserialize<'de> for Flex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        let text = match &value {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.trim().replace(',', "."),
            other => return Err(serde::de::Error::custom(format!("expected a number, got {other}"))),
        };
        text.parse::<Decimal>()
            .or_else(|_| Decimal::from_scientific(&text))
            .map(Flex)
            .map_err(|_| serde::de::Error::custom(format!("expected a number, got {text:?}")))
    }
}

/// An id Kuper may send as a string or a number (`"42"` or `42`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FlexId(pub String);

impl<'de> Deserialize<'de> for FlexId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) if !s.trim().is_empty() => Ok(FlexId(s.trim().to_owned())),
            Value::Number(n) => Ok(FlexId(n.to_string())),
            other => Err(serde::de::Error::custom(format!("expected an id, got {other}"))),
        }
    }
}

/// Text Kuper may send as a string or a number; blank is not text.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FlexText(pub String);

impl<'de> Deserialize<'de> for FlexText {
    /// Read as an id is: trimmed text, or a number's digits.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        FlexId::deserialize(d).map(|id| FlexText(id.0))
    }
}

/// An optional field read the most tolerant way: absent, `null`, `""`, or
/// a value of a type it cannot be (an object for a price) all mean "not
/// said". Marketplace payloads say "none" each of these ways, and one
/// unreadable optional field must not make a whole order unreadable.
pub fn lenient<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    Ok(serde_json::from_value(Value::deserialize(d)?).ok())
}

/// [`lenient`] text as a `String`.
pub fn lenient_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(lenient::<D, FlexText>(d)?.map(|t| t.0))
}

/// One line of an order as Kuper sends it. The id is the only field a line
/// cannot be read without; the quantity falls back to `originalQuantity`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Position {
    pub id: FlexId,
    #[serde(default, deserialize_with = "lenient")]
    pub original_quantity: Option<Flex>,
    #[serde(default, deserialize_with = "lenient")]
    pub quantity: Option<Flex>,
    #[serde(default, deserialize_with = "lenient")]
    pub price: Option<Flex>,
    #[serde(default, deserialize_with = "lenient")]
    pub discount_price: Option<Flex>,
    /// Grams, for weighted goods.
    #[serde(default, deserialize_with = "lenient")]
    pub weight: Option<Flex>,
    #[serde(default, deserialize_with = "lenient")]
    pub total_price: Option<Flex>,
    #[serde(default, deserialize_with = "lenient")]
    pub total_discount_price: Option<Flex>,
    #[serde(default, rename = "replacedByID", deserialize_with = "lenient")]
    pub replaced_by_id: Option<FlexId>,
}

impl Position {
    /// How many were ordered: `quantity`, else `originalQuantity`.
    pub fn ordered(&self) -> Option<Decimal> {
        self.quantity.or(self.original_quantity).map(|q| q.0)
    }
}

#[derive(Clone, Default, Deserialize, PartialEq)]
pub struct Address {
    #[serde(default, deserialize_with = "lenient_text")]
    pub full_address: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub lat: Option<Flex>,
    #[serde(default, deserialize_with = "lenient")]
    pub lon: Option<Flex>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryWindow {
    #[serde(default, deserialize_with = "lenient_text")]
    pub expected_from: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub expected_to: Option<String>,
}

/// `order.created`: strict on the order id, the store and the positions.
#[derive(Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OrderCreated {
    pub original_order_id: FlexId,
    #[serde(rename = "storeID")]
    pub store_id: FlexId,
    pub positions: Vec<Position>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub shipment_method: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub comment: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub address: Option<Address>,
    #[serde(default, deserialize_with = "lenient")]
    pub delivery: Option<DeliveryWindow>,
}

/// The reason of `order.canceled`; no public list of codes exists.
#[derive(Clone, Default, Deserialize, PartialEq, Serialize)]
pub struct Reason {
    #[serde(default, deserialize_with = "lenient_text")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub comment: Option<String>,
}

/// A webhook as received: its identity, its type, the order it is about,
/// and the body kept as it came for the inbox.
#[derive(Clone, PartialEq)]
pub struct Webhook {
    /// Stable across Kuper's retries (see the crate docs).
    pub key: String,
    pub event_type: EventType,
    pub original_order_id: String,
    pub timestamp: Option<String>,
    pub payload: Value,
    /// The canonical JSON of the whole body.
    pub body: String,
}

// Debug says what a webhook is about, never what it carries of the
// customer (the payload and the body hold names, phones, addresses).
impl std::fmt::Debug for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Address").field("full_address", &Redacted(&self.full_address)).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for OrderCreated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderCreated")
            .field("original_order_id", &self.original_order_id)
            .field("store_id", &self.store_id)
            .field("positions", &self.positions)
            .field("shipment_method", &self.shipment_method)
            .field("comment", &Redacted(&self.comment))
            .field("address", &self.address)
            .field("delivery", &self.delivery)
            .finish()
    }
}

impl std::fmt::Debug for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reason").field("code", &self.code).field("comment", &Redacted(&self.comment)).finish()
    }
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("key", &self.key)
            .field("event_type", &self.event_type)
            .field("original_order_id", &self.original_order_id)
            .field("timestamp", &self.timestamp)
            .field("payload", &Hidden)
            .field("body", &Hidden)
            .finish()
    }
}

impl Webhook {
    /// Parses and checks a body: JSON, an `event_type`, a `payload` with the
    /// order id. An `order.created` we cannot otherwise read is still an
    /// order (see [`new_order`](Self::new_order)): Kuper expects `created`
    /// and then our cancel.
    pub fn parse(bytes: &[u8]) -> Result<Webhook, WireError> {
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| WireError::new("body", format!("not JSON: {e}")))?;
        let Value::Object(ref object) = value else {
            return Err(WireError::new("body", "expected a JSON object"));
        };
        crate::limits::check(&value)?;
        let event_type = match object.get("event_type") {
            Some(Value::String(name)) if !name.trim().is_empty() => EventType::parse(name.trim()),
            _ => return Err(WireError::new("event_type", "is required")),
        };
        let payload = match object.get("payload") {
            Some(p @ Value::Object(_)) => p.clone(),
            _ => return Err(WireError::new("payload", "is required and must be an object")),
        };
        let original_order_id =
            match payload.get("originalOrderId").cloned().map(serde_json::from_value::<FlexId>) {
                Some(Ok(id)) => id.0,
                _ => return Err(WireError::new("payload.originalOrderId", "is required")),
            };
        let timestamp = object
            .get("timestamp")
            .cloned()
            .and_then(|t| serde_json::from_value::<FlexText>(t).ok())
            .map(|t| t.0);
        // serde_json's map keeps keys sorted: this is the canonical form.
        let body = value.to_string();
        // The send time is left out: a resend of the same event may carry a
        // new one.
        let identity = serde_json::json!({"event_type": event_type.as_str(), "payload": payload}).to_string();
        let key = domain::hex(&Sha256::digest(identity.as_bytes()));
        Ok(Webhook { key, event_type, original_order_id, timestamp, payload, body })
    }

    /// The typed `order.created` payload, when it reads strictly.
    pub fn order_created(&self) -> Option<OrderCreated> {
        (self.event_type == EventType::OrderCreated)
            .then(|| serde_json::from_value(self.payload.clone()).ok())
            .flatten()
    }

    /// The reason of an `order.canceled`, when it says one.
    pub fn reason(&self) -> Reason {
        match self.payload.get("reason") {
            // A bare text is the reason's comment.
            Some(Value::String(text)) if !text.trim().is_empty() => {
                Reason { code: None, comment: Some(text.trim().to_owned()) }
            }
            Some(reason) => serde_json::from_value(reason.clone()).unwrap_or_default(),
            None => Reason::default(),
        }
    }

    /// The `kind` of an `order.updated`.
    pub fn update_kind(&self) -> Option<&str> {
        self.payload.get("kind").and_then(Value::as_str).map(str::trim).filter(|k| !k.is_empty())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const CREATED: &str = r#"{"event_type": "order.created",
 "timestamp": "2026-11-25T10:00:00+03:00",
 "payload": {"originalOrderId": "H1234567890",
             "storeID": "42",
             "comment": "…",
             "shipmentMethod": "by_courier",
             "replacementPolicy": "call_or_replace",
             "customer": {"name": "…", "phone": "+7…"},
             "address": {"full_address": "…", "lat": 55.75, "lon": 37.61,
                         "entrance": "…", "floor": "…", "apartment": "…"},
             "delivery": {"expectedFrom": "…", "expectedTo": "…"},
             "positions": [{"id": "sku-1", "originalQuantity": 2, "quantity": 2,
                            "price": "99.90", "discountPrice": "89.90",
                            "weight": 0, "totalPrice": "199.80",
                            "totalDiscountPrice": "179.80",
                            "replacedByID": null}],
             "total": {"totalPrice": "…", "discountTotalPrice": "…"},
             "paymentMethods": ["…"]}}"#;

    /// No `{:?}` of a webhook, or of what is read from it, shows who the
    /// order is for.
    #[test]
    fn debug_output_names_no_one() {
        let personal =
            ["Ольга Петрова", "+79990000001", "Тверская, 7", "домофон 12", "Иван Курьеров", "+79990000002"];
        let created = r#"{"event_type": "order.created", "payload": {"originalOrderId": "H1", "storeID": "42",
            "comment": "домофон 12", "customer": {"name": "Ольга Петрова", "phone": "+79990000001"},
            "address": {"full_address": "Тверская, 7", "lat": 55.75, "lon": 37.61},
            "positions": [{"id": "sku-1", "quantity": 1}]}}"#;
        let courier = r#"{"event_type": "courier.assigned", "payload": {"originalOrderId": "H1",
            "courier": {"name": "Иван Курьеров", "phone": "+79990000002"}}}"#;
        let canceled = r#"{"event_type": "order.canceled", "payload": {"originalOrderId": "H1",
            "reason": {"code": "customer", "comment": "Ольга Петрова передумала"}}}"#;
        let updated = r#"{"event_type": "order.updated", "payload": {"originalOrderId": "H1",
            "comment": "домофон 12", "customer": {"name": "Ольга Петрова", "phone": "+79990000001"}}}"#;
        let mut shown = Vec::new();
        for body in [created, courier, canceled, updated] {
            let w = Webhook::parse(body.as_bytes()).unwrap();
            shown.push(format!("{w:?}"));
            shown.push(format!("{:?}", w.order_created()));
            shown.push(format!("{:?}", w.new_order()));
            shown.push(format!("{:?}", w.news()));
        }
        for text in &shown {
            for p in personal {
                assert!(!text.contains(p), "{p} in {text}");
            }
        }
        assert!(shown[0].contains("H1") && shown[2].contains("<personal>"), "{}", shown[2]);
    }

    #[test]
    fn the_documented_order_created_parses() {
        let w = Webhook::parse(CREATED.as_bytes()).unwrap();
        assert_eq!(w.event_type, EventType::OrderCreated);
        assert_eq!(w.original_order_id, "H1234567890");
        let created = w.order_created().unwrap();
        assert_eq!(created.store_id, FlexId("42".into()));
        assert_eq!(created.positions[0].quantity, Some(Flex(Decimal::from(2))));
        assert_eq!(created.positions[0].price, Some(Flex(Decimal::new(9990, 2))));
        assert_eq!(created.address.unwrap().lat, Some(Flex(Decimal::new(5575, 2))));
    }

    #[test]
    fn numbers_and_ids_come_as_numbers_or_strings() {
        let body = r#"{"event_type": "order.created", "payload": {"originalOrderId": 987, "storeID": 42,
            "positions": [{"id": 5, "quantity": "1,5", "price": 10}], "surprise": {"new": true}}}"#;
        let created = Webhook::parse(body.as_bytes()).unwrap().order_created().unwrap();
        assert_eq!(created.original_order_id.0, "987");
        assert_eq!(created.store_id.0, "42");
        assert_eq!(created.positions[0].id.0, "5");
        assert_eq!(created.positions[0].quantity, Some(Flex(Decimal::new(15, 1))));
    }

    #[test]
    fn the_key_survives_reformatting_and_changes_with_content() {
        let a = Webhook::parse(CREATED.as_bytes()).unwrap();
        let compact: Value = serde_json::from_str(CREATED).unwrap();
        let b = Webhook::parse(compact.to_string().as_bytes()).unwrap();
        assert_eq!(a.key, b.key);
        let reordered = br#"{"payload": {"storeID": "42", "originalOrderId": "H1", "positions": [{"quantity": 1, "id": "a"}]}, "event_type": "order.created"}"#;
        let ordered = br#"{"event_type": "order.created", "payload": {"originalOrderId": "H1", "positions": [{"id": "a", "quantity": 1}], "storeID": "42"}}"#;
        assert_eq!(
            Webhook::parse(reordered).unwrap().key,
            Webhook::parse(ordered).unwrap().key,
            "key order is not content"
        );
        let resent = CREATED.replace("10:00:00+03:00", "10:00:30+03:00");
        assert_eq!(
            Webhook::parse(resent.as_bytes()).unwrap().key,
            a.key,
            "a resend at another time is the same event"
        );
        let other = CREATED.replace("H1234567890", "H1234567891");
        assert_ne!(a.key, Webhook::parse(other.as_bytes()).unwrap().key);
    }

    #[test]
    fn unknown_events_are_kept_and_bad_bodies_say_what_is_wrong() {
        let w =
            Webhook::parse(br#"{"event_type": "order.teleported", "payload": {"originalOrderId": "H1"}}"#)
                .unwrap();
        assert_eq!(w.event_type, EventType::Other("order.teleported".into()));
        assert_eq!(w.event_type.as_str(), "order.teleported");
        let err = |body: &str| Webhook::parse(body.as_bytes()).unwrap_err().field;
        assert_eq!(err("{"), "body");
        assert_eq!(err("[]"), "body");
        assert_eq!(err(r#"{"payload": {"originalOrderId": "H1"}}"#), "event_type");
        assert_eq!(err(r#"{"event_type": "order.paid"}"#), "payload");
        assert_eq!(err(r#"{"event_type": "order.paid", "payload": {}}"#), "payload.originalOrderId");
        assert_eq!(
            err(r#"{"event_type": "order.created", "payload": {"storeID": "1"}}"#),
            "payload.originalOrderId"
        );
    }

    #[test]
    fn cancel_reasons_and_update_kinds_are_read_when_present() {
        let w = Webhook::parse(
            br#"{"event_type": "order.canceled", "payload": {"originalOrderId": "H1", "reason": {"code": "client", "comment": "changed mind"}}}"#,
        )
        .unwrap();
        assert_eq!(w.reason().code.as_deref(), Some("client"));
        let u = Webhook::parse(
            br#"{"event_type": "order.updated", "payload": {"originalOrderId": "H1", "kind": "address"}}"#,
        )
        .unwrap();
        assert_eq!(u.update_kind(), Some("address"));
    }
}
