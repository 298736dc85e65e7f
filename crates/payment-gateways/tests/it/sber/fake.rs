//! A fake of Sber's e-commerce REST API, written from its public
//! documentation (securepayments.sberbank.ru/wiki, "REST interface"): form
//! posts to `/payment/rest/*.do` with `userName` and `password`, answers in
//! JSON with `errorCode` "0" or an error, order statuses 0 (registered), 1
//! (held), 2 (deposited), 3 (reversed), 4 (refunded), 6 (declined). It keeps
//! its orders, checks a cart against the amount as Sber does (each
//! `itemAmount` is `itemPrice × quantity` rounded half up, and they add up
//! to `amount`), and records every call for the tests to read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use domain::Decimal;
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

pub const USER: &str = "shop-api";
pub const PASSWORD: &str = "sber-secret-password";

#[derive(Clone, Debug)]
pub struct Order {
    pub id: String,
    pub number: String,
    pub amount: i64,
    pub status: i64,
    pub refunded: i64,
    pub bundle: Option<Value>,
    pub refund_items: Option<Value>,
}

#[derive(Default)]
pub struct State {
    pub orders: Vec<Order>,
    pub calls: Vec<(String, HashMap<String, String>)>,
    /// Answer every call after this long (the state changes at once).
    pub delay: Option<Duration>,
    /// Answer HTTP 500 to every call.
    pub down: bool,
}

#[derive(Clone, Default)]
pub struct FakeSber(pub Arc<Mutex<State>>);

fn error(code: &str, message: &str) -> Value {
    json!({"errorCode": code, "errorMessage": message})
}

/// `price × quantity` rounded half up, as Sber checks a cart.
fn item_amount(price: i64, quantity: Decimal) -> i64 {
    let exact = Decimal::from(price) * quantity;
    i64::try_from((exact + Decimal::new(5, 1)).floor()).unwrap_or(-1)
}

fn cart_error(bundle: &Value, amount: i64) -> Option<Value> {
    let items = bundle["cartItems"]["items"].as_array()?;
    let mut sum = 0;
    for item in items {
        let price = item["itemPrice"].as_i64().unwrap_or(-1);
        // The number as written, not as a float would hold it.
        let quantity =
            item["quantity"]["value"].to_string().parse::<Decimal>().unwrap_or(Decimal::NEGATIVE_ONE);
        let declared = item["itemAmount"].as_i64().unwrap_or(-1);
        if item["tax"]["taxType"].as_i64().is_none() || item["itemCode"].as_str().is_none() {
            return Some(error("4", "Не указан tax.taxType или itemCode позиции"));
        }
        if declared != item_amount(price, quantity) {
            return Some(error("4", "Сумма позиции не равна цене, умноженной на количество"));
        }
        sum += declared;
    }
    (sum != amount).then(|| error("4", "Сумма позиций корзины не совпадает с суммой заказа"))
}

impl FakeSber {
    pub fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap()
    }

    /// The payer pays (one-stage: deposited; two-stage: held).
    pub fn pay(&self, id: &str, held: bool) {
        let mut state = self.state();
        let order = state.orders.iter_mut().find(|o| o.id == id).unwrap();
        order.status = if held { 1 } else { 2 };
    }

    pub fn order(&self, id: &str) -> Order {
        self.state().orders.iter().find(|o| o.id == id).cloned().unwrap()
    }

    fn handle(&self, action: &str, p: &HashMap<String, String>) -> Value {
        let mut state = self.state();
        state.calls.push((action.to_owned(), p.clone()));
        if p.get("userName").map(String::as_str) != Some(USER)
            || p.get("password").map(String::as_str) != Some(PASSWORD)
        {
            return error("5", "Доступ запрещён.");
        }
        let find = |state: &mut State| -> Option<usize> {
            let by_id = p.get("orderId").or(p.get("mdOrder"));
            state.orders.iter().position(|o| {
                by_id.is_some_and(|id| *id == o.id) || p.get("orderNumber").is_some_and(|n| *n == o.number)
            })
        };
        match action {
            "register.do" | "registerPreAuth.do" => {
                let (Some(number), Some(amount), Some(_)) = (
                    p.get("orderNumber"),
                    p.get("amount").and_then(|a| a.parse::<i64>().ok()),
                    p.get("returnUrl"),
                ) else {
                    return error("4", "Не указан обязательный параметр");
                };
                if number.len() > 32 {
                    return error("5", "Неверная длина orderNumber");
                }
                if state.orders.iter().any(|o| o.number == *number) {
                    return error("1", "Заказ с таким номером уже обработан");
                }
                let bundle = match p.get("orderBundle").map(|b| serde_json::from_str::<Value>(b)) {
                    Some(Ok(bundle)) => Some(bundle),
                    Some(Err(_)) => return error("5", "Неверный формат orderBundle"),
                    None => None,
                };
                if let Some(e) = bundle.as_ref().and_then(|b| cart_error(b, amount)) {
                    return e;
                }
                let id = format!("70906e55-7114-41d6-8332-4609dc6590{:02}", state.orders.len());
                state.orders.push(Order {
                    id: id.clone(),
                    number: number.clone(),
                    amount,
                    status: 0,
                    refunded: 0,
                    bundle,
                    refund_items: None,
                });
                json!({"orderId": id,
                       "formUrl": format!("https://3dsec.sberbank.ru/payment/merchants/shop/payment_ru.html?mdOrder={id}"),
                       "externalParams": {"sbolBankInvoiceId": format!("inv-{id}"),
                                          "sbolDeepLink": format!("sberpay://invoicing/v2?bankInvoiceId=inv-{id}&operationType=Web2App")}})
            }
            "getOrderStatusExtended.do" => {
                let Some(i) = find(&mut state) else { return error("6", "Заказ не найден") };
                let o = &state.orders[i];
                json!({"errorCode": "0", "errorMessage": "Успешно", "orderNumber": o.number, "orderStatus": o.status,
                       "actionCode": 0, "actionCodeDescription": "", "amount": o.amount, "currency": "643",
                       "attributes": [{"name": "mdOrder", "value": o.id}],
                       "paymentAmountInfo": {"approvedAmount": o.amount, "depositedAmount": if o.status >= 2 { o.amount } else { 0 },
                                             "refundedAmount": o.refunded}})
            }
            "deposit.do" | "reverse.do" | "refund.do" => {
                let Some(i) = find(&mut state) else {
                    return error("6", "Незарегистрированный orderId");
                };
                let amount = p.get("amount").and_then(|a| a.parse::<i64>().ok());
                let o = &mut state.orders[i];
                match (action, o.status) {
                    ("deposit.do", 1) if amount.is_some_and(|a| a == 0 || a <= o.amount) => o.status = 2,
                    ("reverse.do", 1) => o.status = 3,
                    ("refund.do", 2 | 4) if amount.is_some_and(|a| a > 0 && o.refunded + a <= o.amount) => {
                        o.refunded += amount.unwrap_or(0);
                        o.status = 4;
                        o.refund_items = p.get("refundItems").and_then(|r| serde_json::from_str(r).ok());
                    }
                    _ => return error("7", "Платёж должен быть в корректном состоянии"),
                }
                json!({"errorCode": "0", "errorMessage": "Успешно"})
            }
            "sbp/c2b/qr/dynamic/get.do" => {
                let Some(i) = find(&mut state) else { return error("6", "Заказ не найден") };
                let o = &state.orders[i];
                json!({"errorCode": "0", "qrId": format!("AD10000{i}"), "qrStatus": "STARTED",
                       "payload": format!("https://qr.nspk.ru/AD10000{i}?type=02&bank=100000000111&sum={}&cur=RUB&crc=C08B", o.amount)})
            }
            _ => error("5", "Неизвестный метод"),
        }
    }
}

impl Respond for FakeSber {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let (down, delay) = {
            let state = self.state();
            (state.down, state.delay)
        };
        if down {
            return ResponseTemplate::new(500).set_body_string("<html>Internal Server Error</html>");
        }
        let is_form = request
            .headers
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap_or("").starts_with("application/x-www-form-urlencoded"));
        let params: HashMap<String, String> = form_urlencoded::parse(&request.body).into_owned().collect();
        let action = request.url.path().strip_prefix("/payment/rest/").unwrap_or("").to_owned();
        let body =
            if is_form { self.handle(&action, &params) } else { error("4", "Ожидается форма") };
        let response = ResponseTemplate::new(200).set_body_json(body);
        match delay {
            Some(delay) => response.set_delay(delay),
            None => response,
        }
    }
}
