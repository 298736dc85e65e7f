//! How long a customer's personal data outlives the order it was given for
//! (152-FZ: no longer than its purpose needs), and what of an order is
//! personal. An order closes when it reaches a final status (completed or
//! cancelled; for Kuper delivered or canceled); `days` later its
//! customer's name, phone, address, comments and courier are erased. The
//! order itself, its amounts, lines and history stay: the merchant's books
//! need them, and they name no one.

use chrono::{DateTime, Duration, Utc};
use domain::GeoPoint;
use serde_json::json;

use crate::kuper::details::{Cancel, KuperDetails};
use crate::kuper::flow::KuperStatus;
use crate::status::OrderStatus;

/// What stands where erased free text stood.
pub const ERASED: &str = "[erased]";

/// Orders closed before this are erased at `now`.
pub fn closed_before(now: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    now - Duration::days(i64::from(days))
}

/// The MCP statuses in which an order is closed.
pub fn closed_mcp_statuses() -> Vec<&'static str> {
    OrderStatus::ALL.into_iter().filter(|s| s.is_final()).map(OrderStatus::as_str).collect()
}

/// The Kuper statuses in which an order is closed.
pub fn closed_kuper_statuses() -> Vec<&'static str> {
    KuperStatus::ALL.into_iter().filter(|s| s.is_final()).map(KuperStatus::as_str).collect()
}

/// A delivery point with no household in it: rounded to two decimals
/// (about a kilometre), which still says which district was served.
pub fn coarse_point(point: GeoPoint) -> GeoPoint {
    let round = |x: f64| (x * 100.0).round() / 100.0;
    GeoPoint::new(round(point.lat()), round(point.lon())).unwrap_or(point)
}

/// What a webhook kept in the inbox becomes: only that it was erased (its
/// event key, type and order stay in their own columns).
pub fn erased_webhook_body() -> String {
    json!({"erased": true}).to_string()
}

/// A Kuper order's details without the customer, their address and
/// comments, the courier, what updates and cancels said in words. Kept:
/// positions and prices, totals, the delivery window, methods, policies,
/// who cancelled and the cancel code.
pub fn erase_kuper_details(details: &KuperDetails) -> KuperDetails {
    let erased_payload = || json!({"erased": true});
    KuperDetails {
        customer: None,
        address: None,
        comment: None,
        courier: details
            .courier
            .iter()
            .map(|news| crate::kuper::details::CourierNews { payload: erased_payload(), ..news.clone() })
            .collect(),
        cancel: details.cancel.as_ref().map(|cancel| Cancel {
            comment: cancel.comment.as_ref().map(|_| ERASED.to_owned()),
            ..cancel.clone()
        }),
        updates: details
            .updates
            .iter()
            .map(|update| crate::kuper::details::UpdateRecord { payload: erased_payload(), ..update.clone() })
            .collect(),
        ..details.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kuper::details::{Address, CourierNews, Customer, UpdateRecord};
    use serde_json::Value;

    /// Every string in `value`, with its path.
    fn strings(value: &Value, path: &str, out: &mut Vec<(String, String)>) {
        match value {
            Value::String(s) => out.push((path.to_owned(), s.clone())),
            Value::Array(items) => {
                for (n, item) in items.iter().enumerate() {
                    strings(item, &format!("{path}[{n}]"), out);
                }
            }
            Value::Object(map) => {
                for (key, item) in map {
                    strings(item, &format!("{path}.{key}"), out);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn closed_statuses_are_the_final_ones() {
        assert_eq!(closed_mcp_statuses(), ["completed", "cancelled"]);
        assert_eq!(closed_kuper_statuses(), ["delivered", "canceled"]);
    }

    #[test]
    fn the_cutoff_is_days_before_now() {
        let now = DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z").unwrap().with_timezone(&Utc);
        let before = DateTime::parse_from_rfc3339("2026-09-08T10:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(closed_before(now, 90), before);
    }

    #[test]
    fn points_lose_their_household() {
        let cases = [((55.755_812, 37.617_34), (55.76, 37.62)), ((-33.8688, 151.2093), (-33.87, 151.21))];
        for ((lat, lon), (rlat, rlon)) in cases {
            let p = coarse_point(GeoPoint::new(lat, lon).unwrap());
            assert!((p.lat() - rlat).abs() < 1e-9 && (p.lon() - rlon).abs() < 1e-9, "{p:?}");
        }
    }

    #[test]
    fn erased_kuper_details_keep_no_personal_string() {
        let personal = [
            "Ольга Петрова",
            "+79990000001",
            "Тверская, 1",
            "кв. 12",
            "домофон 12",
            "Иван курьер",
            "позвонить Ольге",
            "клиент просил",
        ];
        let details = KuperDetails {
            customer: Some(Customer { name: Some(personal[0].into()), phone: Some(personal[1].into()) }),
            address: Some(Address {
                full_address: Some(personal[2].into()),
                lat: Some(55.75),
                lon: Some(37.61),
                entrance: Some("2".into()),
                floor: Some("3".into()),
                apartment: Some(personal[3].into()),
            }),
            comment: Some(personal[4].into()),
            courier: vec![CourierNews {
                event: "courier.assigned".into(),
                at: "2026-11-25T10:00:00Z".into(),
                payload: json!({"courier": {"name": personal[5], "phone": "+79990000002"}}),
            }],
            cancel: Some(Cancel::by_kuper(Some("customer".into()), Some(personal[7].into()))),
            updates: vec![UpdateRecord {
                at: "2026-11-25T10:00:00Z".into(),
                kind: Some("comment".into()),
                outcome: "applied".into(),
                note: None,
                payload: json!({"comment": personal[6]}),
            }],
            shipment_method: Some("by_courier".into()),
            ..KuperDetails::default()
        };
        let erased = erase_kuper_details(&details);
        let mut kept = Vec::new();
        strings(&serde_json::to_value(&erased).unwrap(), "", &mut kept);
        for (path, text) in &kept {
            assert!(!personal.iter().any(|p| text.contains(p)) && !text.contains("+7999"), "{path}: {text}");
        }
        assert_eq!(erased.shipment_method.as_deref(), Some("by_courier"));
        assert_eq!(erased.cancel.as_ref().and_then(|c| c.code.as_deref()), Some("customer"));
        assert_eq!(erased.courier.len(), 1, "that a courier came stays");
        assert_eq!(erase_kuper_details(&erased), erased, "erasing twice changes nothing");
    }
}
