//! Sber's e-commerce gateway (the RBS REST API, `{base}/payment/rest/*.do`):
//! form-encoded POSTs with the merchant's API login and password, amounts in
//! kopecks, answers in JSON with an `errorCode` ("0" or absent: success).
//!
//! | ours | Sber |
//! | --- | --- |
//! | create, one-stage / two-stage | `register.do` / `registerPreAuth.do` |
//! | SBP | `register.do`, then `sbp/c2b/qr/dynamic/get.do` (the QR's payload) |
//! | SberPay | `register.do`: `formUrl` and, when the contract has it, `externalParams.sbolDeepLink` |
//! | get | `getOrderStatusExtended.do` |
//! | capture / cancel | `deposit.do` / `reverse.do` |
//! | refund | `refund.do`, with the receipt as `refundItems` |
//!
//! The 54-FZ receipt goes as `orderBundle` (FFD 1.05: `cartItems` with
//! `tax.taxType`, `paymentMethod` and `paymentObject` attributes). Sber's
//! `orderNumber` is at most 32 characters and unique per merchant: it is a
//! digest of our idempotence key, so a retried register finds the order it
//! may have made ("already processed", errorCode 1). Failures: errorCode 6
//! (no such order) → not found; 7 (system error), 5xx, 429, timeouts →
//! unavailable; any other errorCode or 4xx → rejected.

use std::time::Duration;

use async_trait::async_trait;
use domain::{Currency, Money, Unit, VatRate};
use payments::receipt::{Contact, Receipt, Subject};
use payments::{GatewayError, GatewayPayment, NewPayment, PaymentGateway, PaymentMethod, PaymentStatus};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

#[derive(Clone)]
pub struct SberSettings {
    /// `https://securepayments.sberbank.ru` (test: `https://3dsec.sberbank.ru`).
    pub base_url: String,
    /// The merchant's API login (`…-api`).
    pub user_name: String,
    pub password: SecretString,
    /// Hold the money first (`registerPreAuth.do`) and take it with `deposit.do`.
    pub two_stage: bool,
    /// The merchant's tax system (`taxSystem`: 0 ОСН, 1 УСН доходы…), sent
    /// with a receipt.
    pub tax_system: Option<u8>,
    pub timeout: Duration,
}

impl std::fmt::Debug for SberSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SberSettings")
            .field("base_url", &self.base_url)
            .field("user_name", &self.user_name)
            .field("two_stage", &self.two_stage)
            .field("tax_system", &self.tax_system)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug)]
pub struct Sber {
    http: reqwest::Client,
    settings: SberSettings,
}

/// Sber's `errorCode` for "an order with this number is registered already".
const ALREADY_REGISTERED: &str = "1";
/// How many order numbers one idempotence key may use: a register whose
/// answer was lost leaves an unpaid order no one has the link to.
const NUMBERS_PER_KEY: u32 = 3;

/// Sber's `orderNumber` for the `attempt`-th register under `key`.
fn order_number(key: &str, attempt: u32) -> String {
    let digest = Sha256::digest(format!("{key}#{attempt}").as_bytes());
    domain::hex(&digest[..16])
}

/// Sber refused a call: its `errorCode`, and what to log.
#[derive(Debug)]
struct Refusal {
    code: String,
    detail: String,
}

impl Refusal {
    /// 6: no such order; 7: a system error (try again); any other: refused.
    fn classified(self) -> GatewayError {
        match self.code.as_str() {
            "6" => GatewayError::NotFound(self.detail),
            "7" => GatewayError::Unavailable(self.detail),
            _ => GatewayError::Rejected(self.detail),
        }
    }
}

fn error_code(body: &Value) -> Option<String> {
    match &body["errorCode"] {
        Value::String(code) if code != "0" => Some(code.clone()),
        Value::Number(code) if code.as_i64() != Some(0) => Some(code.to_string()),
        _ => None,
    }
}

/// What the gateway's `orderStatus` means for us.
fn status(order_status: i64) -> Option<PaymentStatus> {
    Some(match order_status {
        // Registered, or 3-D Secure under way.
        0 | 5 => PaymentStatus::Pending,
        1 => PaymentStatus::WaitingForCapture,
        // Deposited; a refunded payment had succeeded (its refund is ours to
        // keep track of).
        2 | 4 => PaymentStatus::Succeeded,
        // Reversed, or declined by the bank.
        3 | 6 => PaymentStatus::Canceled,
        _ => return None,
    })
}

/// Sber's `taxType` of a rate.
const fn tax_type(rate: VatRate) -> u8 {
    match rate {
        VatRate::None => 0,
        VatRate::Vat0 => 1,
        VatRate::Vat10 => 2,
        VatRate::Vat110 => 4,
        VatRate::Vat20 => 6,
        VatRate::Vat120 => 7,
        VatRate::Vat5 => 8,
        VatRate::Vat7 => 9,
    }
}

const fn measure(unit: Unit) -> &'static str {
    match unit {
        Unit::Pcs => "шт",
        Unit::Kg => "кг",
        Unit::G => "г",
        Unit::L => "л",
        Unit::Ml => "мл",
    }
}

/// The receipt's items as Sber's cart: `itemAmount` is `itemPrice ×
/// quantity`, which the receipt builder makes whole kopecks either way
/// Sber rounds.
fn cart_items(receipt: &Receipt) -> Value {
    let items: Vec<Value> = receipt
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            json!({
                "positionId": (i + 1).to_string(),
                // Sber takes at most 100 characters.
                "name": item.description.chars().take(100).collect::<String>(),
                "quantity": {"value": item.quantity.normalize().to_string().parse::<f64>().unwrap_or(0.0),
                             "measure": measure(item.unit)},
                "itemAmount": item.amount().minor(),
                "itemPrice": item.price.minor(),
                "itemCode": item.code.chars().take(100).collect::<String>(),
                "tax": {"taxType": tax_type(item.vat)},
                "itemAttributes": {"attributes": [
                    // 1: full prepayment (the goods are handed over later).
                    {"name": "paymentMethod", "value": "1"},
                    {"name": "paymentObject", "value": match item.subject {
                        Subject::Commodity => "1",
                        Subject::Service => "4",
                    }},
                ]},
            })
        })
        .collect();
    json!({"items": items})
}

fn order_bundle(receipt: &Receipt) -> Value {
    let customer = match &receipt.customer {
        Contact::Email(email) => json!({"email": email}),
        Contact::Phone(phone) => json!({"phone": format!("+{phone}")}),
    };
    json!({"customerDetails": customer, "cartItems": cart_items(receipt)})
}

impl Sber {
    pub fn new(settings: SberSettings) -> Result<Sber, String> {
        Ok(Sber { http: crate::http_client(settings.timeout)?, settings })
    }

    /// Calls `action` with `params`; the answer when its errorCode is 0.
    async fn call(&self, action: &str, params: &[(&str, String)]) -> Result<Value, GatewayError> {
        self.answer(action, params).await?.map_err(Refusal::classified)
    }

    /// Calls `action` with `params`: its answer, or Sber's refusal with its
    /// `errorCode` for the caller that must tell codes apart; a transport
    /// or HTTP failure is classified already.
    async fn answer(
        &self,
        action: &str,
        params: &[(&str, String)],
    ) -> Result<Result<Value, Refusal>, GatewayError> {
        let url = format!("{}/payment/rest/{action}", self.settings.base_url.trim_end_matches('/'));
        let mut form: Vec<(&str, &str)> = vec![
            ("userName", &self.settings.user_name),
            ("password", self.settings.password.expose_secret()),
            ("language", "ru"),
        ];
        form.extend(params.iter().map(|(k, v)| (*k, v.as_str())));
        let response = self.http.post(&url).form(&form).send().await.map_err(|e| {
            GatewayError::Unavailable(if e.is_timeout() { "timed out" } else { "cannot connect" }.into())
        })?;
        let http_status = response.status().as_u16();
        match http_status {
            200..=299 => {}
            429 | 500..=599 => {
                return Err(GatewayError::Unavailable(format!("{action}: HTTP {http_status}")));
            }
            _ => return Err(GatewayError::Rejected(format!("{action}: HTTP {http_status}"))),
        }
        let body: Value = response
            .json()
            .await
            .map_err(|_| GatewayError::Unavailable(format!("{action}: an answer that is not JSON")))?;
        let Some(code) = error_code(&body) else { return Ok(Ok(body)) };
        let detail = format!("{action}: error {code} {}", body["errorMessage"].as_str().unwrap_or(""))
            .trim()
            .to_owned();
        Ok(Err(Refusal { code, detail }))
    }

    async fn status_by(&self, key: &str, value: &str) -> Result<Value, GatewayError> {
        self.call("getOrderStatusExtended.do", &[(key, value.to_owned())]).await
    }

    /// A payment from `getOrderStatusExtended.do`'s answer.
    fn payment(id: &str, body: &Value) -> Result<GatewayPayment, GatewayError> {
        let unreadable = |what: &str| GatewayError::Unavailable(format!("order {id}: unreadable {what}"));
        let status =
            body["orderStatus"].as_i64().and_then(status).ok_or_else(|| unreadable("orderStatus"))?;
        let currency = match body["currency"].as_str().unwrap_or("643") {
            "643" | "RUB" => Currency::Rub,
            _ => return Err(unreadable("currency")),
        };
        let amount = body["amount"].as_i64().ok_or_else(|| unreadable("amount"))?;
        Ok(GatewayPayment {
            id: id.to_owned(),
            status,
            amount: Money::from_minor(amount, currency),
            confirmation_url: None,
            details: json!({"gateway": "sber", "orderStatus": body["orderStatus"],
                            "actionCode": body["actionCode"], "actionCodeDescription": body["actionCodeDescription"]}),
        })
    }

    /// Calls `action` on order `id` and reads the order back. A refusal of
    /// an order that is `done` already (a retry after a lost answer) is
    /// that order.
    async fn act_then_read(
        &self,
        id: &str,
        action: &str,
        params: &[(&str, String)],
        done: impl Fn(PaymentStatus) -> bool,
    ) -> Result<GatewayPayment, GatewayError> {
        let acted = self.call(action, params).await;
        if let Err(e @ GatewayError::NotFound(_)) = acted {
            return Err(e);
        }
        let now = self.get(id).await;
        match (acted, now) {
            (Ok(_), now) => now,
            (Err(_), Ok(now)) if done(now.status) => Ok(now),
            (Err(e), _) => Err(e),
        }
    }

    /// Registers the order under `number`; `None` when the number is taken
    /// by an order no one has paid (its link was lost with a timed-out
    /// answer), for the caller to take the next number.
    async fn register(&self, new: &NewPayment, number: &str) -> Result<Option<GatewayPayment>, GatewayError> {
        // SBP has no hold: its payments are one-stage whatever the setting.
        let hold = self.settings.two_stage && new.method != PaymentMethod::Sbp;
        let action = if hold { "registerPreAuth.do" } else { "register.do" };
        let mut params = vec![
            ("orderNumber", number.to_owned()),
            ("amount", new.amount.minor().to_string()),
            ("currency", "643".to_owned()),
            ("returnUrl", new.return_url.clone()),
            ("failUrl", new.return_url.clone()),
            ("description", new.description.chars().take(99).collect()),
            ("jsonParams", json!({"merchantOrderId": new.order_id.as_str()}).to_string()),
        ];
        if let Some(pay_before) = new.pay_before {
            // Sber closes the payment page then; at least a minute to pay.
            let left = (pay_before - chrono::Utc::now()).num_seconds().max(60);
            params.push(("sessionTimeoutSecs", left.to_string()));
        }
        if let Some(receipt) = &new.receipt {
            params.push(("orderBundle", order_bundle(receipt).to_string()));
            if let Some(tax_system) = self.settings.tax_system {
                params.push(("taxSystem", tax_system.to_string()));
            }
        }
        let registered = match self.answer(action, &params).await? {
            Ok(body) => body,
            Err(refusal) if refusal.code == ALREADY_REGISTERED => {
                let found = self.status_by("orderNumber", number).await?;
                let md_order = found["attributes"]
                    .as_array()
                    .and_then(|a| a.iter().find(|x| x["name"] == "mdOrder"))
                    .and_then(|x| x["value"].as_str())
                    .unwrap_or_default()
                    .to_owned();
                let payment = Self::payment(&md_order, &found)?;
                return Ok((payment.status != PaymentStatus::Pending).then_some(payment));
            }
            Err(refusal) => return Err(refusal.classified()),
        };
        let id = registered["orderId"]
            .as_str()
            .ok_or_else(|| GatewayError::Unavailable(format!("{action}: no orderId")))?
            .to_owned();
        let form_url = registered["formUrl"].as_str().map(str::to_owned);
        let mut details = json!({"gateway": "sber", "orderNumber": number});
        match new.method {
            PaymentMethod::Page => {}
            PaymentMethod::SberPay => {
                let external = &registered["externalParams"];
                details["sberpay"] = json!({"orderId": id, "formUrl": form_url,
                    "deepLink": external["sbolDeepLink"], "bankInvoiceId": external["sbolBankInvoiceId"]});
            }
            PaymentMethod::Sbp => {
                let qr = self.call("sbp/c2b/qr/dynamic/get.do", &[("mdOrder", id.clone())]).await?;
                let payload = qr["payload"]
                    .as_str()
                    .ok_or_else(|| GatewayError::Unavailable(format!("order {id}: no SBP QR payload")))?;
                details["sbp"] = json!({"payload": payload, "qrId": qr["qrId"]});
            }
        }
        Ok(Some(GatewayPayment {
            id,
            status: PaymentStatus::Pending,
            amount: new.amount,
            confirmation_url: form_url,
            details,
        }))
    }
}

#[async_trait]
impl PaymentGateway for Sber {
    fn name(&self) -> &'static str {
        "sber"
    }

    fn methods(&self) -> &'static [PaymentMethod] {
        &PaymentMethod::ALL
    }

    async fn create(&self, new: &NewPayment) -> Result<GatewayPayment, GatewayError> {
        for attempt in 0..NUMBERS_PER_KEY {
            if let Some(payment) = self.register(new, &order_number(&new.idempotence_key, attempt)).await? {
                return Ok(payment);
            }
            tracing::warn!(order = %new.order_id, attempt, "Sber has an unpaid order under this number; taking the next");
        }
        Err(GatewayError::Rejected(format!("every order number of {} is taken at Sber", new.idempotence_key)))
    }

    async fn get(&self, id: &str) -> Result<GatewayPayment, GatewayError> {
        Self::payment(id, &self.status_by("orderId", id).await?)
    }

    /// `deposit.do` takes the held amount. Sber takes no key: a repeated
    /// deposit of a deposited order is refused, and the re-read tells.
    async fn capture(&self, id: &str, amount: Money, _key: &str) -> Result<GatewayPayment, GatewayError> {
        let params = [("orderId", id.to_owned()), ("amount", amount.minor().to_string())];
        self.act_then_read(id, "deposit.do", &params, |s| s == PaymentStatus::Succeeded).await
    }

    /// `reverse.do` lets the hold go.
    async fn cancel(&self, id: &str, _key: &str) -> Result<GatewayPayment, GatewayError> {
        self.act_then_read(id, "reverse.do", &[("orderId", id.to_owned())], PaymentStatus::is_final).await
    }

    /// Sber's refund has no id of its own: the refund is the order's.
    async fn refund(
        &self,
        id: &str,
        amount: Money,
        _key: &str,
        receipt: Option<&Receipt>,
    ) -> Result<String, GatewayError> {
        let mut params = vec![("orderId", id.to_owned()), ("amount", amount.minor().to_string())];
        if let Some(receipt) = receipt {
            params.push(("refundItems", cart_items(receipt).to_string()));
        }
        match self.call("refund.do", &params).await {
            Ok(_) => Ok(format!("refund:{id}")),
            Err(e @ GatewayError::NotFound(_)) => Err(e),
            // Sber refuses a refund of a refunded order ("must be in a
            // correct state"): a retry after a lost answer is done.
            Err(e) => match self.status_by("orderId", id).await {
                Ok(now)
                    if now["orderStatus"] == 4
                        && now["paymentAmountInfo"]["refundedAmount"].as_i64().unwrap_or(0)
                            >= amount.minor() =>
                {
                    Ok(format!("refund:{id}"))
                }
                _ => Err(e),
            },
        }
    }
}
