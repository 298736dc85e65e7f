//! What Kuper tells us about an order, kept as told and shown to staff: the
//! customer, where it goes, when, how to replace, how it is paid, Kuper's
//! prices, the courier, why it was canceled, and every `order.updated`.
//!
//! Prices stay Kuper's text (`"99.90"`): they are Kuper's figures to show,
//! not ours to compute with.

use std::fmt;

use chrono::{DateTime, Utc};
use domain::personal::Redacted;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KuperDetails {
    /// Kuper's `orderUUID`, echoed on our notifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_uuid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<Customer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<DeliveryWindow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipment_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replacement_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payment_methods: Vec<String>,
    /// Kuper's positions with Kuper's prices, as in the latest order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub positions: Vec<PricedPosition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<Totals>,
    /// What Kuper said of its courier, latest last.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub courier: Vec<CourierNews>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel: Option<Cancel>,
    /// Every `order.updated`, oldest first, with what became of it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub updates: Vec<UpdateRecord>,
}

#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrance: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apartment: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryWindow {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_to: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PricedPosition {
    pub id: String,
    pub quantity: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_price: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_price: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_discount_price: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_price: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_total_price: Option<String>,
}

/// `courier.assigned` / `courier.arrived` with whatever Kuper sent with it
/// (no public schema: kept whole).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct CourierNews {
    pub event: String,
    pub at: String,
    pub payload: Value,
}

/// Who canceled, and why.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancel {
    /// `kuper` or `merchant`.
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdateRecord {
    pub at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `applied`, or `raised` with the reason in `note`.
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub payload: Value,
}

// Debug shows what an order is and where it stands, never who it is for
// (names, phones, addresses, comments, what a courier or an update said).
impl Customer {
    /// What a bag's label and the queue show of the customer: the first
    /// name and the phone's last four digits, never more (the label
    /// travels with a courier; the rest is on the order's page).
    pub fn on_the_bag(&self) -> String {
        let first = self.name.as_deref().and_then(|n| n.split_whitespace().next()).unwrap_or_default();
        let digits: String =
            self.phone.as_deref().unwrap_or_default().chars().filter(char::is_ascii_digit).collect();
        let tail = (digits.len() >= 4).then(|| format!("…{}", &digits[digits.len() - 4..]));
        [Some(first.to_owned()).filter(|f| !f.is_empty()), tail]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl fmt::Debug for Customer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Customer")
            .field("name", &Redacted(&self.name))
            .field("phone", &Redacted(&self.phone))
            .finish()
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Address").field("full_address", &Redacted(&self.full_address)).finish_non_exhaustive()
    }
}

impl fmt::Debug for CourierNews {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CourierNews")
            .field("event", &self.event)
            .field("at", &self.at)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Cancel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cancel")
            .field("by", &self.by)
            .field("code", &self.code)
            .field("comment", &Redacted(&self.comment))
            .finish()
    }
}

impl fmt::Debug for UpdateRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpdateRecord")
            .field("at", &self.at)
            .field("kind", &self.kind)
            .field("outcome", &self.outcome)
            .field("note", &self.note)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for KuperDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KuperDetails")
            .field("order_uuid", &self.order_uuid)
            .field("customer", &self.customer)
            .field("address", &self.address)
            .field("comment", &Redacted(&self.comment))
            .field("delivery", &self.delivery)
            .field("shipment_method", &self.shipment_method)
            .field("replacement_policy", &self.replacement_policy)
            .field("payment_methods", &self.payment_methods)
            .field("positions", &self.positions)
            .field("total", &self.total)
            .field("courier", &self.courier)
            .field("cancel", &self.cancel)
            .field("updates", &self.updates)
            .finish()
    }
}

impl Cancel {
    /// Our cancel, with the `reason` staff gave in its payload.
    pub fn by_merchant(payload: &Value) -> Cancel {
        let text = |field: &str| payload["reason"][field].as_str().map(str::to_owned);
        Cancel { by: "merchant".into(), code: text("code"), comment: text("comment") }
    }

    /// Kuper's cancel, with the reason it gave.
    pub fn by_kuper(code: Option<String>, comment: Option<String>) -> Cancel {
        Cancel { by: "kuper".into(), code, comment }
    }

    /// An order we could not take.
    pub fn refused(reason: &str) -> Cancel {
        Cancel { by: "merchant".into(), code: Some("merchant".into()), comment: Some(reason.to_owned()) }
    }
}

impl KuperDetails {
    /// The customer allowed replacements, as far as the policy says. Kuper
    /// publishes no list of policies; seen in the wild: `call_or_replace`,
    /// `replace`, `call_or_remove`, `remove`. A policy that names replacing
    /// allows it; one that does not forbids it; none at all allows it
    /// (Kuper's default is to replace).
    pub fn replacements_allowed(&self) -> bool {
        self.replacement_policy.as_deref().is_none_or(|p| p.to_ascii_lowercase().contains("replace"))
    }

    /// When the order is due: its delivery window's start (the courier
    /// comes then, the order must be ready), or its end when Kuper gave
    /// only that. `None` without a window or with times that are not
    /// RFC 3339 (KUPER-WIRE.md shows `2026-11-25T12:00:00+03:00`).
    pub fn due(&self) -> Option<DateTime<Utc>> {
        let window = self.delivery.as_ref()?;
        let parse = |t: &Option<String>| {
            t.as_deref()
                .and_then(|t| DateTime::parse_from_rfc3339(t.trim()).ok())
                .map(|t| t.with_timezone(&Utc))
        };
        parse(&window.expected_from).or_else(|| parse(&window.expected_to))
    }
}

#[cfg(test)]
mod tests {
    use super::Customer;

    #[test]
    fn the_bag_shows_a_first_name_and_the_phone_s_last_four_digits() {
        let customer = |name: Option<&str>, phone: Option<&str>| Customer {
            name: name.map(str::to_owned),
            phone: phone.map(str::to_owned),
        };
        for (name, phone, shown) in [
            (Some("Анна Петрова"), Some("+7 (916) 123-45-67"), "Анна …4567"),
            (Some("  Олег  "), Some("79161234567"), "Олег …4567"),
            (Some("Анна"), None, "Анна"),
            (None, Some("+7 916 123 45 67"), "…4567"),
            (None, Some("123"), ""),
            (Some(""), Some(""), ""),
            (None, None, ""),
        ] {
            assert_eq!(customer(name, phone).on_the_bag(), shown, "{name:?} {phone:?}");
        }
    }

    use super::*;

    #[test]
    fn replacement_policies() {
        let with = |p: Option<&str>| KuperDetails {
            replacement_policy: p.map(str::to_owned),
            ..KuperDetails::default()
        };
        for (policy, allowed) in [
            (None, true),
            (Some("call_or_replace"), true),
            (Some("replace"), true),
            (Some("REPLACE_ONLY"), true),
            (Some("call_or_remove"), false),
            (Some("remove"), false),
            (Some("call"), false),
        ] {
            assert_eq!(with(policy).replacements_allowed(), allowed, "{policy:?}");
        }
    }

    #[test]
    fn an_order_is_due_at_its_window_s_start() {
        let with = |from: Option<&str>, to: Option<&str>| KuperDetails {
            delivery: Some(DeliveryWindow {
                expected_from: from.map(str::to_owned),
                expected_to: to.map(str::to_owned),
            }),
            ..KuperDetails::default()
        };
        let utc = |t: &str| Some(DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc));
        for (from, to, due) in [
            (
                Some("2026-11-25T12:00:00+03:00"),
                Some("2026-11-25T14:00:00+03:00"),
                utc("2026-11-25T09:00:00Z"),
            ),
            (None, Some("2026-11-25T14:00:00+03:00"), utc("2026-11-25T11:00:00Z")),
            (Some("2026-11-25T12:00:00Z"), None, utc("2026-11-25T12:00:00Z")),
            (Some("tomorrow"), Some("2026-11-25T14:00:00+03:00"), utc("2026-11-25T11:00:00Z")),
            (Some("2026-11-25 12:00"), None, None),
            (None, None, None),
        ] {
            assert_eq!(with(from, to).due(), due, "{from:?} {to:?}");
        }
        assert_eq!(KuperDetails::default().due(), None, "no window");
    }

    #[test]
    fn details_round_trip_and_omit_what_is_unknown() {
        let details = KuperDetails {
            customer: Some(Customer { name: Some("Анна".into()), phone: Some("+79990000000".into()) }),
            ..KuperDetails::default()
        };
        let text = serde_json::to_string(&details).unwrap();
        assert_eq!(text, r#"{"customer":{"name":"Анна","phone":"+79990000000"}}"#);
        assert_eq!(serde_json::from_str::<KuperDetails>(&text).unwrap(), details);
        assert_eq!(serde_json::from_str::<KuperDetails>("{}").unwrap(), KuperDetails::default());
    }
}
