//! YooKassa's v3 API (`https://api.yookassa.ru/v3`): Basic auth with the
//! shop id and secret key, an `Idempotence-Key` on every call that changes
//! money, redirect confirmation back to the request's `backUrl`, statuses one
//! to one, capture for two-stage payments. SBP is `payment_method_data.type
//! = sbp` with a `qr` confirmation (its `confirmation_data` is the QR's
//! payload); SberPay is `sberbank` with a redirect to Sber. Failures are classified for the
//! use case: 404 → not found; 429, 5xx, timeouts → unavailable (retry with
//! the same key); other 4xx → rejected.

use std::time::Duration;

use async_trait::async_trait;
use domain::{Currency, Money, Unit, VatRate};
use payments::receipt::{Contact, Receipt, Subject};
use payments::{GatewayError, GatewayPayment, NewPayment, PaymentGateway, PaymentMethod, PaymentStatus};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Clone)]
pub struct YooKassaSettings {
    /// `https://api.yookassa.ru` (configuration: tests point it at a fake).
    pub base_url: String,
    pub shop_id: String,
    pub secret_key: SecretString,
    /// Hold the money first (`capture: false`) and capture it when the
    /// payment is confirmed.
    pub two_stage: bool,
    pub timeout: Duration,
}

impl std::fmt::Debug for YooKassaSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("YooKassaSettings")
            .field("base_url", &self.base_url)
            .field("shop_id", &self.shop_id)
            .field("two_stage", &self.two_stage)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug)]
pub struct YooKassa {
    http: reqwest::Client,
    settings: YooKassaSettings,
}

#[derive(Deserialize)]
struct Amount {
    value: String,
    currency: String,
}

#[derive(Deserialize)]
struct PaymentBody {
    id: String,
    status: String,
    amount: Amount,
    #[serde(default)]
    confirmation: Option<Value>,
    #[serde(default)]
    cancellation_details: Option<Value>,
    #[serde(default)]
    payment_method: Option<Value>,
    #[serde(default)]
    test: bool,
}

#[derive(Deserialize)]
struct RefundBody {
    id: String,
    status: String,
}

fn amount_json(amount: Money) -> Value {
    json!({"value": amount.to_decimal().to_string(), "currency": amount.currency().code()})
}

fn money(amount: &Amount) -> Result<Money, GatewayError> {
    let unreadable =
        || GatewayError::Unavailable(format!("unreadable amount {} {}", amount.value, amount.currency));
    let currency: Currency = amount.currency.parse().map_err(|_| unreadable())?;
    let value: domain::Decimal = amount.value.parse().map_err(|_| unreadable())?;
    Money::from_decimal_exact(value, currency).map_err(|_| unreadable())
}

impl PaymentBody {
    fn into_payment(self) -> Result<GatewayPayment, GatewayError> {
        let status = PaymentStatus::parse(&self.status)
            .ok_or_else(|| GatewayError::Unavailable(format!("unknown payment status {:?}", self.status)))?;
        let confirmation_url =
            self.confirmation.as_ref().and_then(|c| c["confirmation_url"].as_str()).map(str::to_owned);
        let mut details = json!({"gateway": "yookassa", "confirmation": self.confirmation,
                                 "cancellation_details": self.cancellation_details, "test": self.test});
        if let Some(payload) = self.confirmation.as_ref().and_then(|c| c["confirmation_data"].as_str()) {
            details["sbp"] = json!({"payload": payload});
        }
        if self.payment_method.as_ref().is_some_and(|m| m["type"] == "sberbank") {
            details["sberpay"] = json!({"orderId": self.id, "formUrl": confirmation_url});
        }
        Ok(GatewayPayment { amount: money(&self.amount)?, status, confirmation_url, details, id: self.id })
    }
}

impl YooKassa {
    pub fn new(settings: YooKassaSettings) -> Result<YooKassa, String> {
        Ok(YooKassa { http: crate::http_client(settings.timeout)?, settings })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v3{path}", self.settings.base_url.trim_end_matches('/'))
    }

    async fn call(&self, request: reqwest::RequestBuilder, key: Option<&str>) -> Result<Value, GatewayError> {
        let mut request = request
            .basic_auth(&self.settings.shop_id, Some(self.settings.secret_key.expose_secret()))
            .header("Accept", "application/json");
        if let Some(key) = key {
            request = request.header("Idempotence-Key", key);
        }
        let response = request.send().await.map_err(|e| {
            GatewayError::Unavailable(if e.is_timeout() {
                "timed out".into()
            } else {
                "cannot connect".into()
            })
        })?;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        // YooKassa's error: {"type": "error", "code", "description", "parameter"}.
        let detail = || {
            let code = body["code"].as_str().unwrap_or("error");
            let description = body["description"].as_str().unwrap_or("");
            format!("{status} {code} {description}").trim().to_owned()
        };
        match status {
            200..=299 => Ok(body),
            404 => Err(GatewayError::NotFound(detail())),
            429 | 500..=599 => Err(GatewayError::Unavailable(detail())),
            _ => Err(GatewayError::Rejected(detail())),
        }
    }

    async fn payment(
        &self,
        request: reqwest::RequestBuilder,
        key: Option<&str>,
    ) -> Result<GatewayPayment, GatewayError> {
        let body = self.call(request, key).await?;
        serde_json::from_value::<PaymentBody>(body)
            .map_err(|e| GatewayError::Unavailable(format!("unreadable payment: {e}")))?
            .into_payment()
    }
}

/// YooKassa's `vat_code` of a rate.
const fn vat_code(rate: VatRate) -> u8 {
    match rate {
        VatRate::None => 1,
        VatRate::Vat0 => 2,
        VatRate::Vat10 => 3,
        VatRate::Vat20 => 4,
        VatRate::Vat110 => 5,
        VatRate::Vat120 => 6,
        VatRate::Vat5 => 7,
        VatRate::Vat7 => 8,
    }
}

/// YooKassa's `receipt` (54-FZ): the buyer's contact and each item with
/// its VAT code, measure, subject and mode — the goods paid before they are
/// handed over (`full_prepayment`).
fn receipt_json(receipt: &Receipt) -> Value {
    let customer = match &receipt.customer {
        Contact::Email(email) => json!({"email": email}),
        Contact::Phone(phone) => json!({"phone": phone}),
    };
    let items: Vec<Value> = receipt
        .items
        .iter()
        .map(|item| {
            json!({
                // YooKassa takes at most 128 characters.
                "description": item.description.chars().take(128).collect::<String>(),
                "quantity": item.quantity.normalize().to_string(),
                "amount": amount_json(item.price),
                "vat_code": vat_code(item.vat),
                "measure": match item.unit {
                    Unit::Pcs => "piece",
                    Unit::Kg => "kilogram",
                    Unit::G => "gram",
                    Unit::L => "liter",
                    Unit::Ml => "milliliter",
                },
                "payment_subject": match item.subject {
                    Subject::Commodity => "commodity",
                    Subject::Service => "service",
                },
                "payment_mode": "full_prepayment",
            })
        })
        .collect();
    json!({"customer": customer, "items": items})
}

#[async_trait]
impl PaymentGateway for YooKassa {
    fn name(&self) -> &'static str {
        "yookassa"
    }

    fn methods(&self) -> &'static [PaymentMethod] {
        &PaymentMethod::ALL
    }

    async fn create(&self, new: &NewPayment) -> Result<GatewayPayment, GatewayError> {
        let redirect = json!({"type": "redirect", "return_url": new.return_url});
        let mut body = json!({
            "amount": amount_json(new.amount),
            "capture": !self.settings.two_stage,
            "confirmation": redirect,
            "description": new.description,
            "metadata": {"order_id": new.order_id.as_str()},
        });
        match new.method {
            PaymentMethod::Page => {}
            PaymentMethod::Sbp => {
                body["payment_method_data"] = json!({"type": "sbp"});
                body["confirmation"] = json!({"type": "qr", "return_url": new.return_url});
            }
            PaymentMethod::SberPay => body["payment_method_data"] = json!({"type": "sberbank"}),
        }
        if let Some(receipt) = &new.receipt {
            body["receipt"] = receipt_json(receipt);
        }
        self.payment(self.http.post(self.url("/payments")).json(&body), Some(&new.idempotence_key)).await
    }

    async fn get(&self, id: &str) -> Result<GatewayPayment, GatewayError> {
        self.payment(self.http.get(self.url(&format!("/payments/{id}"))), None).await
    }

    async fn capture(&self, id: &str, amount: Money, key: &str) -> Result<GatewayPayment, GatewayError> {
        let body = json!({"amount": amount_json(amount)});
        self.payment(self.http.post(self.url(&format!("/payments/{id}/capture"))).json(&body), Some(key))
            .await
    }

    async fn cancel(&self, id: &str, key: &str) -> Result<GatewayPayment, GatewayError> {
        self.payment(self.http.post(self.url(&format!("/payments/{id}/cancel"))).json(&json!({})), Some(key))
            .await
    }

    async fn refund(
        &self,
        id: &str,
        amount: Money,
        key: &str,
        receipt: Option<&Receipt>,
    ) -> Result<String, GatewayError> {
        let mut body = json!({"payment_id": id, "amount": amount_json(amount)});
        if let Some(receipt) = receipt {
            body["receipt"] = receipt_json(receipt);
        }
        let refund: RefundBody = serde_json::from_value(
            self.call(self.http.post(self.url("/refunds")).json(&body), Some(key)).await?,
        )
        .map_err(|e| GatewayError::Unavailable(format!("unreadable refund: {e}")))?;
        match refund.status.as_str() {
            "succeeded" | "pending" => Ok(refund.id),
            other => Err(GatewayError::Rejected(format!("refund {} is {other}", refund.id))),
        }
    }
}

/// The payment id a YooKassa notification names (`object.id`), if it is one
/// about a payment. Nothing else of it is believed.
pub fn notified_payment(body: &Value) -> Option<&str> {
    let event = body["event"].as_str()?;
    (body["type"] == "notification" && event.starts_with("payment."))
        .then(|| body["object"]["id"].as_str())
        .flatten()
}
