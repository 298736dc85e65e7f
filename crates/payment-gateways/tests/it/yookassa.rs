//! The YooKassa adapter against a local fake of its v3 API: the request it
//! sends (Basic auth, Idempotence-Key, redirect back to `backUrl`, amount as
//! a decimal string), statuses one to one, and every failure classified.

use std::time::Duration;

use domain::{Currency, Money, OrderId};
use payment_gateways::yookassa::{YooKassa, YooKassaSettings, notified_payment};
use payments::receipt::{Contact, Receipt};
use payments::{GatewayError, NewPayment, PaymentGateway, PaymentMethod, PaymentStatus};
use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{basic_auth, body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn gateway(server: &MockServer, two_stage: bool) -> YooKassa {
    YooKassa::new(YooKassaSettings {
        base_url: server.uri(),
        shop_id: "506751".into(),
        secret_key: SecretString::from("test_secret_key"),
        two_stage,
        timeout: Duration::from_millis(300),
    })
    .unwrap()
}

fn payment_json(id: &str, status: &str) -> serde_json::Value {
    json!({"id": id, "status": status, "paid": status == "succeeded", "amount": {"value": "1234.50", "currency": "RUB"},
           "confirmation": {"type": "redirect", "confirmation_url": "https://yoomoney.ru/checkout/payments/v2/contract?orderId=2d"},
           "created_at": "2026-11-25T10:00:00.000Z", "test": true, "refundable": false})
}

fn new_payment() -> NewPayment {
    NewPayment {
        order_id: OrderId::new("ord_abc").unwrap(),
        method: PaymentMethod::Page,
        amount: Money::from_minor(123_450, Currency::Rub),
        description: "Order ord_abc".into(),
        return_url: "https://mcp.example/back?x=1".into(),
        idempotence_key: "ord_abc:1".into(),
        receipt: None,
        pay_before: None,
    }
}

#[tokio::test]
async fn create_sends_what_yookassa_expects_and_reads_the_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/payments"))
        .and(basic_auth("506751", "test_secret_key"))
        .and(header("Idempotence-Key", "ord_abc:1"))
        .and(body_partial_json(json!({
            "amount": {"value": "1234.50", "currency": "RUB"},
            "capture": false,
            "confirmation": {"type": "redirect", "return_url": "https://mcp.example/back?x=1"},
            "metadata": {"order_id": "ord_abc"}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(payment_json("2d", "pending")))
        .expect(1)
        .mount(&server)
        .await;
    let created = gateway(&server, true).create(&new_payment()).await.unwrap();
    assert_eq!(created.id, "2d");
    assert_eq!(created.status, PaymentStatus::Pending);
    assert_eq!(created.amount, Money::from_minor(123_450, Currency::Rub));
    assert!(created.confirmation_url.unwrap().starts_with("https://yoomoney.ru/"));
    assert_eq!(created.details["gateway"], "yookassa");
}

fn receipt() -> Receipt {
    crate::receipt_to(Contact::Email("buyer@example.ru".into()))
}

#[tokio::test]
async fn a_receipt_goes_with_the_payment_as_yookassa_reads_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/payments"))
        .and(body_partial_json(json!({"receipt": {
            "customer": {"email": "buyer@example.ru"},
            "items": [
                {"description": "Яблоки Гала", "quantity": "0.734", "amount": {"value": "499.90", "currency": "RUB"},
                 "vat_code": 3, "measure": "kilogram", "payment_subject": "commodity", "payment_mode": "full_prepayment"},
                {"description": "Доставка", "quantity": "1", "amount": {"value": "199.00", "currency": "RUB"},
                 "vat_code": 4, "measure": "piece", "payment_subject": "service", "payment_mode": "full_prepayment"}
            ]
        }})))
        .respond_with(ResponseTemplate::new(200).set_body_json(payment_json("2e", "pending")))
        .expect(1)
        .mount(&server)
        .await;
    let new = NewPayment { receipt: Some(receipt()), ..new_payment() };
    assert_eq!(gateway(&server, true).create(&new).await.unwrap().id, "2e");
}

#[tokio::test]
async fn sbp_is_a_qr_and_sberpay_a_redirect_to_sber() {
    let server = MockServer::start().await;
    let payload = "https://qr.nspk.ru/BD10004TJ9NK9KJN9S7PACHH5IASIB2H?type=02&bank=100000000111&sum=123450&cur=RUB&crc=AB75";
    Mock::given(method("POST"))
        .and(path("/v3/payments"))
        .and(body_partial_json(
            json!({"payment_method_data": {"type": "sbp"}, "confirmation": {"type": "qr"}}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "sbp1", "status": "pending", "amount": {"value": "1234.50", "currency": "RUB"},
            "payment_method": {"type": "sbp", "id": "sbp1", "saved": false},
            "confirmation": {"type": "qr", "confirmation_data": payload}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v3/payments"))
        .and(body_partial_json(json!({"payment_method_data": {"type": "sberbank"}, "confirmation": {"type": "redirect"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "sp1", "status": "pending", "amount": {"value": "1234.50", "currency": "RUB"},
            "payment_method": {"type": "sberbank", "id": "sp1", "saved": false},
            "confirmation": {"type": "redirect", "confirmation_url": "https://yoomoney.ru/checkout/payments/v2/contract/sberpay?orderId=sp1"}})))
        .expect(1)
        .mount(&server)
        .await;
    let yookassa = gateway(&server, false);
    let sbp = yookassa.create(&NewPayment { method: PaymentMethod::Sbp, ..new_payment() }).await.unwrap();
    assert_eq!(sbp.details["sbp"]["payload"], payload);
    let sberpay =
        yookassa.create(&NewPayment { method: PaymentMethod::SberPay, ..new_payment() }).await.unwrap();
    assert_eq!(sberpay.details["sberpay"]["orderId"], "sp1");
    assert_eq!(sberpay.details["sberpay"]["formUrl"].as_str(), sberpay.confirmation_url.as_deref());
}

#[tokio::test]
async fn statuses_map_one_to_one_and_capture_cancel_refund_carry_their_keys() {
    let server = MockServer::start().await;
    for status in ["pending", "waiting_for_capture", "succeeded", "canceled"] {
        Mock::given(method("GET"))
            .and(path(format!("/v3/payments/{status}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(payment_json(status, status)))
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/v3/payments/2d/capture"))
        .and(header("Idempotence-Key", "capture:2d"))
        .and(body_partial_json(json!({"amount": {"value": "1234.50", "currency": "RUB"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(payment_json("2d", "succeeded")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v3/payments/2e/cancel"))
        .and(header("Idempotence-Key", "cancel:2e"))
        .respond_with(ResponseTemplate::new(200).set_body_json(payment_json("2e", "canceled")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v3/refunds"))
        .and(header("Idempotence-Key", "refund:2d"))
        .and(body_partial_json(json!({"payment_id": "2d", "amount": {"value": "1234.50"},
                                      "receipt": {"customer": {"email": "buyer@example.ru"}}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "rf1", "status": "succeeded"})))
        .mount(&server)
        .await;
    let yookassa = gateway(&server, true);
    for status in ["pending", "waiting_for_capture", "succeeded", "canceled"] {
        assert_eq!(yookassa.get(status).await.unwrap().status.as_str(), status);
    }
    let amount = Money::from_minor(123_450, Currency::Rub);
    assert_eq!(yookassa.capture("2d", amount, "capture:2d").await.unwrap().status, PaymentStatus::Succeeded);
    assert_eq!(yookassa.cancel("2e", "cancel:2e").await.unwrap().status, PaymentStatus::Canceled);
    assert_eq!(yookassa.refund("2d", amount, "refund:2d", Some(&receipt())).await.unwrap(), "rf1");
}

#[tokio::test]
async fn every_failure_is_classified_and_no_secret_is_in_it() {
    let server = MockServer::start().await;
    let error = |status: u16, code: &str| {
        ResponseTemplate::new(status)
            .set_body_json(json!({"type": "error", "code": code, "description": "why"}))
    };
    Mock::given(path("/v3/payments/limited"))
        .respond_with(error(429, "too_many_requests"))
        .mount(&server)
        .await;
    Mock::given(path("/v3/payments/down"))
        .respond_with(error(500, "internal_server_error"))
        .mount(&server)
        .await;
    Mock::given(path("/v3/payments/missing")).respond_with(error(404, "not_found")).mount(&server).await;
    Mock::given(path("/v3/payments/bad")).respond_with(error(400, "invalid_request")).mount(&server).await;
    Mock::given(path("/v3/payments/slow"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(payment_json("slow", "pending"))
                .set_delay(Duration::from_secs(2)),
        )
        .mount(&server)
        .await;
    Mock::given(path("/v3/payments/garbled"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>"))
        .mount(&server)
        .await;
    let yookassa = gateway(&server, false);
    let outcomes = [
        ("limited", "unavailable"),
        ("down", "unavailable"),
        ("slow", "unavailable"),
        ("garbled", "unavailable"),
        ("missing", "not found"),
        ("bad", "rejected"),
    ];
    for (id, class) in outcomes {
        let e = yookassa.get(id).await.unwrap_err();
        let got = match &e {
            GatewayError::Unavailable(_) => "unavailable",
            GatewayError::NotFound(_) => "not found",
            GatewayError::Rejected(_) => "rejected",
        };
        assert_eq!(got, class, "{id}: {e}");
        assert!(!e.to_string().contains("test_secret_key"));
    }
    assert!(!format!("{yookassa:?}").contains("test_secret_key"), "Debug keeps the key out");
}

#[test]
fn a_notification_names_a_payment_and_nothing_else_is_believed() {
    let body = json!({"type": "notification", "event": "payment.succeeded",
                      "object": {"id": "2d", "status": "succeeded", "amount": {"value": "1.00", "currency": "RUB"}}});
    assert_eq!(notified_payment(&body), Some("2d"));
    assert_eq!(
        notified_payment(
            &json!({"type": "notification", "event": "refund.succeeded", "object": {"id": "r"}})
        ),
        None
    );
    assert_eq!(notified_payment(&json!({"event": "payment.succeeded", "object": {"id": "2d"}})), None);
    assert_eq!(notified_payment(&json!([])), None);
}
