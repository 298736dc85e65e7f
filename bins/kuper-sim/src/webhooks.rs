//! Kuper -> merchant: the webhooks the simulator sends to the listener, in
//! the shapes of `KUPER-WIRE.md`, retried like Kuper retries.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::rules::Integration;

/// Where the listener is and the token Kuper presents to it.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Listener {
    pub url: String,
    #[serde(default)]
    pub token: String,
}

/// What the listener answered.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

/// An attempt the listener refused with a server error (or did not
/// answer: no status), as Kuper saw it before retrying.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Refusal {
    #[serde(rename = "type")]
    pub kind: String,
    pub status: Option<u16>,
    #[serde(rename = "retryAfter")]
    pub retry_after: Option<String>,
}

/// A webhook's delivery: the answer taken (or why none was), and every
/// refused attempt before it.
#[derive(Debug)]
pub struct Delivery {
    pub outcome: Result<Reply, String>,
    pub refusals: Vec<Refusal>,
}

/// One position of a new order.
#[derive(Clone, Debug, Deserialize)]
pub struct NewPosition {
    pub id: String,
    pub quantity: u32,
    #[serde(default = "default_price")]
    pub price: String,
    #[serde(default)]
    pub weight: u32,
}

fn default_price() -> String {
    "99.90".into()
}

/// `order.created` as Kuper sends it.
pub fn order_created(
    original: &str,
    store: &str,
    integration: Integration,
    shipment_method: Option<&str>,
    positions: &[NewPosition],
) -> Value {
    // Kuper names a courier `by_courier` whoever's it is.
    let shipment = shipment_method.unwrap_or(match integration {
        Integration::Pickup => "pickup",
        Integration::KuperDelivery | Integration::MerchantDelivery => "by_courier",
    });
    let lines: Vec<Value> = positions
        .iter()
        .map(|p| {
            json!({"id": p.id, "originalQuantity": p.quantity, "quantity": p.quantity, "price": p.price,
                   "discountPrice": p.price, "weight": p.weight, "totalPrice": p.price,
                   "totalDiscountPrice": p.price, "replacedByID": null})
        })
        .collect();
    json!({
        "originalOrderId": original,
        "orderUUID": crate::sim::order_uuid(original),
        "storeID": store,
        "comment": "Позвонить за 10 минут",
        "shipmentMethod": shipment,
        "replacementPolicy": "call_or_replace",
        "customer": {"name": "Ольга", "phone": "+79990000000"},
        "address": {"full_address": "Москва, Тверская, 1", "lat": 55.7558, "lon": 37.6173,
                    "entrance": "2", "floor": "5", "apartment": "21"},
        "delivery": {"expectedFrom": "2026-11-25T12:00:00+03:00", "expectedTo": "2026-11-25T14:00:00+03:00"},
        "positions": lines,
        "total": {"totalPrice": "0", "discountTotalPrice": "0"},
        "paymentMethods": ["card_online"],
    })
}

/// Posts one webhook; a 5xx or a broken connection is retried a few times,
/// as Kuper does.
pub async fn send(
    http: &reqwest::Client,
    listener: &Listener,
    event_type: &str,
    payload: &Value,
) -> Delivery {
    let body =
        json!({"event_type": event_type, "timestamp": chrono::Utc::now().to_rfc3339(), "payload": payload});
    let url = format!("{}/kuper/webhooks", listener.url.trim_end_matches('/'));
    let mut refusals = Vec::new();
    let mut last = String::new();
    for attempt in 0..4_u32 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
        }
        let refusal = match http.post(&url).bearer_auth(&listener.token).json(&body).send().await {
            Ok(response) if response.status().is_server_error() => {
                last = response.status().to_string();
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                Refusal { kind: event_type.to_owned(), status: Some(response.status().as_u16()), retry_after }
            }
            Ok(response) => {
                let status = response.status().as_u16();
                let body = response.json().await.unwrap_or(Value::Null);
                return Delivery { outcome: Ok(Reply { status, body }), refusals };
            }
            Err(e) => {
                last = e.to_string();
                Refusal { kind: event_type.to_owned(), status: None, retry_after: None }
            }
        };
        refusals.push(refusal);
    }
    Delivery { outcome: Err(format!("the listener at {url} did not take {event_type}: {last}")), refusals }
}
