//! The Sber adapter against a fake of Sber's e-commerce API ([`fake`]):
//! one- and two-stage payments, status polling, refunds with their receipt,
//! SberPay and SBP, a register whose answer was lost, every failure
//! classified, and the password in no error and no `Debug`.

mod fake;

use std::time::Duration;

use domain::{Currency, Money, OrderId};
use fake::{FakeSber, PASSWORD, USER};
use payment_gateways::sber::{Sber, SberSettings};
use payments::receipt::{Contact, Receipt};
use payments::{GatewayError, NewPayment, PaymentGateway, PaymentMethod, PaymentStatus};
use secrecy::SecretString;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer};

async fn fake() -> (MockServer, FakeSber) {
    let server = MockServer::start().await;
    let fake = FakeSber::default();
    Mock::given(method("POST"))
        .and(path_regex("^/payment/rest/"))
        .respond_with(fake.clone())
        .mount(&server)
        .await;
    (server, fake)
}

fn sber(server: &MockServer, two_stage: bool, password: &str) -> Sber {
    Sber::new(SberSettings {
        base_url: server.uri(),
        user_name: USER.into(),
        password: SecretString::from(password),
        two_stage,
        tax_system: Some(1),
        timeout: Duration::from_millis(300),
    })
    .unwrap()
}

fn rub(minor: i64) -> Money {
    Money::from_minor(minor, Currency::Rub)
}

fn receipt() -> Receipt {
    crate::receipt_to(Contact::Phone("79161234567".into()))
}

fn new_payment(key: &str, method: PaymentMethod) -> NewPayment {
    NewPayment {
        order_id: OrderId::new("ord_0123456789abcdef0123456789abcdef").unwrap(),
        method,
        amount: rub(56_593),
        description: "Order ord_0123456789abcdef0123456789abcdef".into(),
        return_url: "https://shop.example/back".into(),
        idempotence_key: format!("ord_0123456789abcdef0123456789abcdef:{key}"),
        receipt: Some(receipt()),
        pay_before: None,
    }
}

#[tokio::test]
async fn one_stage_registers_with_the_cart_is_followed_and_refunded_with_its_receipt() {
    let (server, fake) = fake().await;
    let sber = sber(&server, false, PASSWORD);
    let pay_before = chrono::Utc::now() + chrono::Duration::minutes(10);
    let new = NewPayment { pay_before: Some(pay_before), ..new_payment("1", PaymentMethod::Page) };
    let created = sber.create(&new).await.unwrap();
    assert_eq!(created.status, PaymentStatus::Pending);
    assert!(created.confirmation_url.as_deref().unwrap().contains(&created.id), "Sber's formUrl");
    let (action, params) = fake.state().calls[0].clone();
    assert_eq!(action, "register.do");
    assert_eq!(params["amount"], "56593", "kopecks");
    assert_eq!(params["currency"], "643");
    assert_eq!(params["taxSystem"], "1");
    let session: i64 = params["sessionTimeoutSecs"].parse().unwrap();
    assert!((590..=600).contains(&session), "Sber closes the page when the order's time is up: {session}");
    assert!(params["orderNumber"].len() <= 32, "Sber's orderNumber is at most 32 characters");
    let bundle = fake.order(&created.id).bundle.unwrap();
    assert_eq!(bundle["customerDetails"]["phone"], "+79161234567");
    let apples = &bundle["cartItems"]["items"][0];
    assert_eq!(apples["quantity"]["value"], 0.734, "the weighed amount");
    assert_eq!(apples["quantity"]["measure"], "кг");
    assert_eq!((apples["itemPrice"].as_i64(), apples["itemAmount"].as_i64()), (Some(49_990), Some(36_693)));
    assert_eq!(apples["tax"]["taxType"], 2, "VAT 10%");
    assert_eq!(bundle["cartItems"]["items"][1]["tax"]["taxType"], 6, "VAT 20%");

    assert_eq!(sber.get(&created.id).await.unwrap().status, PaymentStatus::Pending, "not paid yet");
    fake.pay(&created.id, false);
    let paid = sber.get(&created.id).await.unwrap();
    assert_eq!((paid.status, paid.amount), (PaymentStatus::Succeeded, rub(56_593)));

    let refund = sber.refund(&created.id, rub(56_593), "refund:x", Some(&receipt())).await.unwrap();
    assert!(refund.contains(&created.id));
    let refunded = fake.order(&created.id);
    assert_eq!((refunded.status, refunded.refunded), (4, 56_593));
    assert_eq!(refunded.refund_items.unwrap()["items"][0]["quantity"]["value"], 0.734, "the refund receipt");
    // A retry whose first answer was lost: refunded already is done.
    assert!(sber.refund(&created.id, rub(56_593), "refund:x", Some(&receipt())).await.is_ok());
    assert_eq!(fake.order(&created.id).refunded, 56_593, "refunded once");
    assert_eq!(
        sber.get(&created.id).await.unwrap().status,
        PaymentStatus::Succeeded,
        "a refunded payment had succeeded"
    );
}

#[tokio::test]
async fn two_stage_holds_the_money_then_deposits_or_reverses_it() {
    let (server, fake) = fake().await;
    let sber = sber(&server, true, PASSWORD);
    let taken = sber.create(&new_payment("1", PaymentMethod::Page)).await.unwrap();
    assert_eq!(fake.state().calls[0].0, "registerPreAuth.do");
    fake.pay(&taken.id, true);
    assert_eq!(sber.get(&taken.id).await.unwrap().status, PaymentStatus::WaitingForCapture);
    assert_eq!(sber.capture(&taken.id, rub(56_593), "c").await.unwrap().status, PaymentStatus::Succeeded);
    // Capturing again (a retry) reads the deposit back.
    assert_eq!(sber.capture(&taken.id, rub(56_593), "c").await.unwrap().status, PaymentStatus::Succeeded);

    let released = sber.create(&new_payment("2", PaymentMethod::Page)).await.unwrap();
    fake.pay(&released.id, true);
    assert_eq!(sber.cancel(&released.id, "x").await.unwrap().status, PaymentStatus::Canceled);
    assert_eq!(fake.order(&released.id).status, 3, "reversed");
    assert_eq!(sber.cancel(&released.id, "x").await.unwrap().status, PaymentStatus::Canceled, "again");

    // SBP has no hold: one-stage whatever the setting.
    sber.create(&new_payment("3", PaymentMethod::Sbp)).await.unwrap();
    assert!(
        fake.state().calls.iter().any(|(action, p)| action == "register.do" && p["orderNumber"].len() == 32)
    );
}

#[tokio::test]
async fn sberpay_gives_the_deep_link_and_sbp_the_qr_payload() {
    let (server, fake) = fake().await;
    let sber = sber(&server, false, PASSWORD);
    let sberpay = sber.create(&new_payment("1", PaymentMethod::SberPay)).await.unwrap();
    assert_eq!(sberpay.details["sberpay"]["orderId"], sberpay.id.as_str());
    assert!(sberpay.details["sberpay"]["deepLink"].as_str().unwrap().starts_with("sberpay://"));
    assert_eq!(sberpay.details["sberpay"]["formUrl"].as_str(), sberpay.confirmation_url.as_deref());

    let sbp = sber.create(&new_payment("2", PaymentMethod::Sbp)).await.unwrap();
    let payload = sbp.details["sbp"]["payload"].as_str().unwrap();
    assert!(payload.starts_with("https://qr.nspk.ru/") && payload.contains("sum=56593"), "{payload}");
    let qr_call = fake.state().calls.iter().find(|(a, _)| a == "sbp/c2b/qr/dynamic/get.do").cloned().unwrap();
    assert_eq!(qr_call.1["mdOrder"], sbp.id);
    fake.pay(&sbp.id, false);
    assert_eq!(sber.get(&sbp.id).await.unwrap().status, PaymentStatus::Succeeded);
}

#[tokio::test]
async fn a_register_whose_answer_was_lost_makes_no_second_payable_order() {
    let (server, fake) = fake().await;
    let sber = sber(&server, false, PASSWORD);
    fake.state().delay = Some(Duration::from_millis(600));
    let lost = sber.create(&new_payment("1", PaymentMethod::Page)).await.unwrap_err();
    assert!(matches!(lost, GatewayError::Unavailable(_)), "{lost}");
    assert_eq!(fake.state().orders.len(), 1, "Sber registered it all the same");
    fake.state().delay = None;
    // The retry (same key) finds the number taken by an order no one can
    // pay (its link was lost) and registers under the next number.
    let retried = sber.create(&new_payment("1", PaymentMethod::Page)).await.unwrap();
    assert!(retried.confirmation_url.is_some());
    assert_eq!(fake.state().orders.len(), 2);

    // Had the lost one been paid somehow, the retry gives it back instead.
    fake.state().delay = Some(Duration::from_millis(600));
    sber.create(&new_payment("2", PaymentMethod::Page)).await.unwrap_err();
    fake.state().delay = None;
    let first = fake.state().orders.last().unwrap().id.clone();
    fake.pay(&first, false);
    let found = sber.create(&new_payment("2", PaymentMethod::Page)).await.unwrap();
    assert_eq!((found.id, found.status), (first, PaymentStatus::Succeeded));
    assert_eq!(fake.state().orders.len(), 3, "nothing new registered");
}

#[tokio::test]
async fn a_cart_that_does_not_add_up_is_refused_by_sber() {
    let (server, _fake) = fake().await;
    let new = NewPayment { amount: rub(56_594), ..new_payment("1", PaymentMethod::Page) };
    let refused = sber(&server, false, PASSWORD).create(&new).await.unwrap_err();
    assert!(matches!(&refused, GatewayError::Rejected(e) if e.contains("error 4")), "{refused}");
}

#[tokio::test]
async fn every_failure_is_classified_and_the_password_is_in_none() {
    let (server, fake) = fake().await;
    let good = sber(&server, false, PASSWORD);
    let wrong = sber(&server, false, "not-the-password");
    let class = |e: &GatewayError| match e {
        GatewayError::Unavailable(_) => "unavailable",
        GatewayError::NotFound(_) => "not found",
        GatewayError::Rejected(_) => "rejected",
    };
    let mut errors = vec![];
    let e = wrong.get("70906e55-7114-41d6-8332-460900000000").await.unwrap_err();
    assert_eq!(class(&e), "rejected", "bad credentials: {e}");
    errors.push(e);
    let e = good.get("70906e55-7114-41d6-8332-460900000000").await.unwrap_err();
    assert_eq!(class(&e), "not found", "{e}");
    errors.push(e);
    let e = good.refund("70906e55-7114-41d6-8332-460900000000", rub(1), "r", None).await.unwrap_err();
    assert_eq!(class(&e), "not found", "{e}");
    errors.push(e);
    fake.state().down = true;
    let e = good.create(&new_payment("1", PaymentMethod::Page)).await.unwrap_err();
    assert_eq!(class(&e), "unavailable", "HTTP 500: {e}");
    errors.push(e);
    fake.state().down = false;
    fake.state().delay = Some(Duration::from_secs(2));
    let e = good.get("anything").await.unwrap_err();
    assert_eq!(class(&e), "unavailable", "timeout: {e}");
    errors.push(e);
    let nowhere =
        Sber::new(SberSettings { base_url: "http://127.0.0.1:9".into(), ..settings_of(&server) }).unwrap();
    let e = nowhere.get("x").await.unwrap_err();
    assert_eq!(class(&e), "unavailable", "refused connection: {e}");
    errors.push(e);
    for e in &errors {
        assert!(!e.to_string().contains(PASSWORD) && !format!("{e:?}").contains(PASSWORD), "{e:?}");
    }
    assert!(!format!("{good:?}").contains(PASSWORD), "Debug keeps the password out");
    assert!(!format!("{:?}", settings_of(&server)).contains(PASSWORD));
}

fn settings_of(server: &MockServer) -> SberSettings {
    SberSettings {
        base_url: server.uri(),
        user_name: USER.into(),
        password: SecretString::from(PASSWORD),
        two_stage: false,
        tax_system: None,
        timeout: Duration::from_millis(300),
    }
}
