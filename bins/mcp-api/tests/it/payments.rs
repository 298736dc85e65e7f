//! Paying through the real `mcp-api`, on SQLite and PostgreSQL, bodies
//! checked against the seed: the sandbox's payment page clicked in headless
//! Chromium (pay, 3-D Secure, decline; SBP by its QR, with SberPay offered
//! at checkout and 54-FZ receipts sent and refunded), and YooKassa played by
//! a local fake (a forged notification, the gateway down). No answer is a
//! 500, and no order changes but by what the gateway confirms.

use crate::common;
use crate::seed;

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::testing::RunningService;
use app::testing::browser::Browser;
use catalog::CatalogRepo;
use common::call;
use domain::{SkuId, StoreId, SystemClock};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use storage::testing::TestDatabase;
use storage::{CatalogBatch, DbCatalogRepo};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const RQ: &str = "0b8e3a52-3c9b-4c53-9a52-1f4bd54a2c11";

/// A running `mcp-api` with the demo catalog and a signed-in shopper.
struct Shop {
    t: TestDatabase,
    service: RunningService,
    client: String,
    credentials: Value,
    catalog: catalog::import::CatalogBatch,
    _dir: tempfile::TempDir,
}

impl Shop {
    fn open(t: TestDatabase, extra: &[(&str, &str)]) -> Shop {
        Self::open_as(t, extra, "sandbox:payer")
    }

    /// [`Shop::open`] with the shopper signed in by `token`.
    fn open_as(t: TestDatabase, extra: &[(&str, &str)], shopper_token: &str) -> Shop {
        let demo = catalog::demo::generate(2_000);
        let catalog = CatalogBatch::from(demo);
        DbCatalogRepo::write(&mut t.db.get().unwrap(), &catalog).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (_, token) =
            runtime.block_on(t.authenticator(Arc::new(SystemClock)).create_client("pay-e2e")).unwrap();
        let client = format!("Bearer {}", token.expose_secret());
        let dir = tempfile::tempdir().unwrap();
        let mut env = vec![
            ("MERCHANT_TOKEN_INTROSPECTION_MODE", "sandbox"),
            ("MERCHANT_ORDERS_EXPIRY_INTERVAL_SECS", "1"),
        ];
        env.extend_from_slice(extra);
        let service = common::start(&t.raw_url, dir.path(), &env);
        let (status, login) = call(
            &service,
            "/auth/other",
            RQ,
            &[("authorization", &client)],
            &json!({"token": shopper_token}),
        );
        assert_eq!(status, 200, "{login}");
        let credentials =
            json!({"authType": "oauth2", "oauth2": client, "accessToken": login["accessToken"]});
        Shop { t, service, client, credentials, catalog, _dir: dir }
    }

    fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        call(&self.service, path, RQ, &[], body)
    }

    /// A pickup order of two of the first store's best-stocked offer; its
    /// id, SKU and store.
    fn checkout(&self) -> (String, String, String) {
        let offer = self.catalog.offers.iter().filter(|o| o.pickup).max_by_key(|o| o.stock).unwrap();
        let (sku, store) = (offer.sku.to_string(), offer.store.to_string());
        let items = json!([{"skuId": sku, "quantity": 2}]);
        let (status, options) = self.post(
            "/delivery",
            &json!({"shipping": "pickup", "storeId": store, "items": items, "credentials": self.credentials}),
        );
        assert_eq!(status, 200, "{options}");
        let rq = request_id();
        let body = json!({"items": items, "storeId": store, "shipping": "pickup",
                          "shippingOptions": options["options"][0], "credentials": self.credentials});
        let (status, created) = call(&self.service, "/checkout", &rq, &[], &body);
        assert_eq!(status, 200, "{created}");
        (created["orderId"].as_str().unwrap().to_owned(), sku, store)
    }

    fn init(&self, order: &str) -> (u16, Value) {
        let back = self.service.url("/health/live");
        self.post(
            "/payment/init",
            &json!({"orderId": order, "backUrl": back, "credentials": self.credentials}),
        )
    }

    fn finish(&self, payment: &str) -> (u16, Value) {
        self.post("/payment/finish", &json!({"paymentId": payment, "credentials": self.credentials}))
    }

    fn status(&self, order: &str) -> String {
        let response = reqwest::blocking::Client::new()
            .get(self.service.url(&format!("/order/{order}/status")))
            .header("authorization", self.client.as_str())
            .header("X-Access-Token", self.credentials["accessToken"].as_str().unwrap())
            .send()
            .unwrap();
        let body: Value = response.json().unwrap();
        body["status"].as_str().unwrap().to_owned()
    }

    fn stock(&self, sku: &str, store: &str) -> i64 {
        let repo = DbCatalogRepo::new(self.t.db.clone());
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (sku, store) = ([SkuId::new(sku).unwrap()], [StoreId::new(store).unwrap()]);
        runtime.block_on(repo.offers(&sku, Some(&store))).unwrap()[0].stock
    }
}

/// A distinct `rqUid` per checkout.
fn request_id() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!("0b8e3a52-3c9b-4c53-9a52-{:012x}", N.fetch_add(1, Ordering::SeqCst))
}

fn eventually(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !done() {
        assert!(Instant::now() < deadline, "{what} did not happen");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_shopper_pays_declines_and_passes_3_d_secure_on_the_sandbox_page_in_a_real_browser() {
    let Some(browser) = Browser::start() else { return };
    let seed = seed::Seed::load();
    for t in TestDatabase::each_backend_migrated() {
        let shop = Shop::open(t, &[("MERCHANT_PAYMENTS_THREE_DS_MS", "700")]);
        let backend = shop.t.db.backend();
        let back = shop.service.url("/health/live");

        // Pay.
        let (order, ..) = shop.checkout();
        let (status, init) = shop.init(&order);
        assert_eq!(status, 200, "{init}");
        seed.assert_response("post", "/payment/init", 200, &init);
        let payment = init["paymentId"].as_str().unwrap();
        assert_eq!(shop.init(&order).1["paymentId"], payment, "a double init is the same payment");
        let (_, early) = shop.finish(payment);
        seed.assert_response("post", "/payment/finish", 200, &early);
        assert_eq!(
            (early["status"].as_str(), early["orderId"].as_str()),
            (Some("pending"), Some(order.as_str()))
        );
        browser.open(init["paymentUrl"].as_str().unwrap());
        assert!(browser.text("#total").contains("Total"), "the page shows the total");
        browser.click("#pay");
        browser.wait_for_url(|url| url == back, Duration::from_secs(10));
        let (status, done) = shop.finish(payment);
        assert_eq!((status, done["status"].as_str()), (200, Some("succeeded")), "{backend}: {done}");
        seed.assert_response("post", "/payment/finish", 200, &done);
        assert_eq!(shop.finish(payment).1, done, "a double finish agrees");
        assert_eq!(shop.status(&order), "paid");
        assert_eq!(shop.init(&order).0, 409, "paid already");

        // 3-D Secure: the page waits for the bank, then goes back.
        let (order, ..) = shop.checkout();
        let init = shop.init(&order).1;
        browser.open(init["paymentUrl"].as_str().unwrap());
        browser.click("#pay_3ds");
        browser.wait_for_url(|url| url == back, Duration::from_secs(15));
        assert_eq!(shop.finish(init["paymentId"].as_str().unwrap()).1["status"], "succeeded", "{backend}");
        assert_eq!(shop.status(&order), "paid");

        // Decline: the payment is canceled, the order waits, expires, and
        // its stock comes back.
        let (order, sku, store) = shop.checkout();
        let held = shop.stock(&sku, &store);
        let init = shop.init(&order).1;
        browser.open(init["paymentUrl"].as_str().unwrap());
        browser.click("#decline");
        browser.wait_for_url(|url| url == back, Duration::from_secs(10));
        assert_eq!(shop.finish(init["paymentId"].as_str().unwrap()).1["status"], "canceled", "{backend}");
        assert_eq!(shop.status(&order), "new");
        {
            use diesel::RunQueryDsl;
            let sql = format!("UPDATE orders SET expires_at = '2000-01-01 00:00:00' WHERE id = '{order}'");
            diesel::sql_query(&sql).execute(&mut *shop.t.db.get().unwrap()).unwrap();
        }
        eventually("the expiry", || shop.status(&order) == "cancelled");
        assert_eq!(shop.stock(&sku, &store), held + 2, "{backend}: the stock is back");
        assert_eq!(shop.init(&order).0, 409);
        // The request log says `status=500` for every 500 answered.
        assert!(!shop.service.output().contains("status=500"), "{}", shop.service.output());
    }
}

#[test]
fn yookassa_notifications_are_read_back_and_an_outage_is_a_503_never_a_500() {
    let seed = seed::Seed::load();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    for t in TestDatabase::each_backend_migrated() {
        let yookassa = runtime.block_on(MockServer::start());
        let payment = |status: &str| {
            json!({"id": "yk-1", "status": status, "amount": {"value": "0.00", "currency": "RUB"},
                   "confirmation": {"type": "redirect", "confirmation_url": "https://yoomoney.ru/checkout/payments/v2/contract?orderId=yk-1"}})
        };
        let uri = yookassa.uri();
        let shop = Shop::open(
            t,
            &[
                ("MERCHANT_PAYMENTS_GATEWAY", "yookassa"),
                ("MERCHANT_PAYMENTS_YOOKASSA_BASE_URL", &uri),
                ("MERCHANT_PAYMENTS_YOOKASSA_SHOP_ID", "506751"),
                ("MERCHANT_PAYMENTS_YOOKASSA_SECRET_KEY", "live_secret_0123"),
                ("MERCHANT_PAYMENTS_TIMEOUT_MS", "500"),
            ],
        );
        let backend = shop.t.db.backend();
        let (order, ..) = shop.checkout();

        // YooKassa down: init is a 503 with Retry-After.
        let down = runtime.block_on(
            Mock::given(path("/v3/payments"))
                .respond_with(ResponseTemplate::new(503))
                .mount_as_scoped(&yookassa),
        );
        let (status, refused) = shop.init(&order);
        assert_eq!(status, 503, "{backend}: {refused}");
        drop(down);

        // The amount YooKassa reports must be the order's: read it back.
        let total = {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let id = domain::OrderId::new(order.clone()).unwrap();
            let repo = storage::DbOrderRepo::new(shop.t.db.clone());
            let stored = runtime.block_on(orders::OrderRepo::get(&repo, &id)).unwrap().unwrap();
            stored.total.to_decimal().to_string()
        };
        let with_total = |status: &str| {
            let mut body = payment(status);
            body["amount"]["value"] = json!(total);
            body
        };
        runtime.block_on(
            Mock::given(method("POST"))
                .and(path("/v3/payments"))
                .respond_with(ResponseTemplate::new(200).set_body_json(with_total("pending")))
                .mount(&yookassa),
        );
        let pending = runtime.block_on(
            Mock::given(method("GET"))
                .and(path("/v3/payments/yk-1"))
                .respond_with(ResponseTemplate::new(200).set_body_json(with_total("pending")))
                .mount_as_scoped(&yookassa),
        );
        let (status, init) = shop.init(&order);
        assert_eq!(status, 200, "{backend}: {init}");
        seed.assert_response("post", "/payment/init", 200, &init);
        assert!(init["paymentUrl"].as_str().unwrap().starts_with("https://yoomoney.ru/"));

        // A forged notification: YooKassa says pending, nothing changes.
        let forged = json!({"type": "notification", "event": "payment.succeeded",
                            "object": {"id": "yk-1", "status": "succeeded", "paid": true}});
        let notify = |body: &Value| {
            reqwest::blocking::Client::new()
                .post(shop.service.url("/payment/notifications/yookassa"))
                .json(body)
                .send()
                .unwrap()
                .status()
                .as_u16()
        };
        assert_eq!(notify(&forged), 200);
        assert_eq!(shop.status(&order), "new", "{backend}: a notification alone pays nothing");
        assert_eq!(
            notify(
                &json!({"type": "notification", "event": "payment.succeeded", "object": {"id": "yk-404"}})
            ),
            200
        );
        assert_eq!(notify(&json!({"hello": 1})), 400);
        drop(pending);

        // YooKassa down while the payer is away: finish says what we know.
        let down = runtime.block_on(
            Mock::given(path("/v3/payments/yk-1"))
                .respond_with(ResponseTemplate::new(500))
                .mount_as_scoped(&yookassa),
        );
        let (status, known) = shop.finish("yk-1");
        assert_eq!((status, known["status"].as_str()), (200, Some("pending")), "{backend}: {known}");
        assert_eq!(notify(&forged), 503, "YooKassa will send it again");
        drop(down);

        // Paid for real: the notification makes the order paid.
        runtime.block_on(
            Mock::given(method("GET"))
                .and(path("/v3/payments/yk-1"))
                .respond_with(ResponseTemplate::new(200).set_body_json(with_total("succeeded")))
                .mount(&yookassa),
        );
        assert_eq!(notify(&forged), 200);
        assert_eq!(shop.status(&order), "paid", "{backend}");
        let (_, done) = shop.finish("yk-1");
        assert_eq!(done["status"], "succeeded");
        assert!(!shop.service.output().contains("live_secret_0123"), "the key stays out of the logs");
    }
}

/// Ids no gateway issues (a NUL, 100,000 characters) are unknown — 404,
/// or a notification ignored — never a 503 for a caller to retry forever;
/// and when the storage itself fails, every route answers 503 with
/// `Retry-After`, never a 500.
#[test]
fn hostile_ids_are_unknown_and_a_storage_failure_is_a_503_with_retry_after() {
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        let shop = Shop::open(t, &[]);
        for id in ["sbx_\u{0}1", &"p".repeat(100_000)] {
            let (status, answer) = shop.finish(id);
            assert_eq!(status, 404, "{backend}: {answer}");
            let notification = json!({"type": "notification", "event": "payment.succeeded",
                                      "object": {"id": id, "status": "succeeded"}});
            let (status, _) = shop.post("/payment/notifications/yookassa", &notification);
            assert_eq!(status, 200, "{backend}: a payment we never started");
        }
        let page = reqwest::blocking::get(shop.service.url("/pay/sbx_%00x")).unwrap();
        assert_eq!(page.status(), 404, "{backend}");

        // The storage fails under the running service (its tables gone).
        if backend == storage::Backend::Postgres {
            use diesel::RunQueryDsl as _;
            let mut conn = shop.t.db.get().unwrap();
            let storage::AnyConnection::Postgres(pg) = &mut *conn else { unreachable!() };
            let tables = ["users", "user_identities", "access_tokens", "offers", "orders", "payments"];
            for table in tables {
                diesel::sql_query(format!("ALTER TABLE {table} RENAME TO gone_{table}")).execute(pg).unwrap();
            }
            for (path, body) in [
                ("/auth/other", json!({"token": "sandbox:payer"})),
                (
                    "/payment/init",
                    json!({"orderId": "ord_00000000000000000000000000000000", "backUrl": "https://shop.example/back", "credentials": shop.credentials}),
                ),
                ("/payment/finish", json!({"paymentId": "sbx_00", "credentials": shop.credentials})),
            ] {
                let response = reqwest::blocking::Client::new()
                    .post(shop.service.url(path))
                    .header("rqUid", RQ)
                    .header("authorization", shop.client.as_str())
                    .json(&body)
                    .send()
                    .unwrap();
                let (status, retry) = (response.status(), response.headers().contains_key("retry-after"));
                assert_eq!(status, 503, "{path}: {}", response.text().unwrap_or_default());
                assert!(retry, "{path}: Retry-After");
            }
            let status = reqwest::blocking::Client::new()
                .get(shop.service.url("/order/ord_00000000000000000000000000000000/status"))
                .header("authorization", shop.client.as_str())
                .header("X-Access-Token", shop.credentials["accessToken"].as_str().unwrap())
                .send()
                .unwrap();
            assert_eq!(status.status(), 503, "/order/{{id}}/status");
            // Put the tables back for the schema's cleanup.
            for table in tables {
                diesel::sql_query(format!("ALTER TABLE gone_{table} RENAME TO {table}")).execute(pg).unwrap();
            }
        }
    }
}

/// The sandbox's payments are in the database: a second instance serves
/// the page of a payment the first started, the payer pays there, and the
/// first sees it paid (as merchant-mcp's links are served by mcp-api).
#[test]
fn any_instance_serves_any_sandbox_payment_page() {
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        let shop = Shop::open(t, &[]);
        let (order, ..) = shop.checkout();
        let (status, init) = shop.init(&order);
        assert_eq!(status, 200, "{backend}: {init}");
        let payment = init["paymentId"].as_str().unwrap().to_owned();
        let dir = tempfile::tempdir().unwrap();
        let other = common::start(&shop.t.raw_url, dir.path(), &[]);
        let page = reqwest::blocking::get(other.url(&format!("/pay/{payment}"))).unwrap();
        assert_eq!(page.status(), 200, "{backend}: the other instance knows the payment");
        let paid = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .post(other.url(&format!("/pay/{payment}")))
            .form(&[("choice", "pay")])
            .send()
            .unwrap();
        assert_eq!(paid.status(), 303, "{backend}");
        let (status, finished) = shop.finish(&payment);
        assert_eq!((status, finished["status"].as_str()), (200, Some("succeeded")), "{backend}: {finished}");
        assert_eq!(shop.status(&order), "paid", "{backend}");
    }
}

fn get_json(url: &str) -> Value {
    reqwest::blocking::get(url).unwrap().json().unwrap()
}

/// What a stored receipt's items add up to, in kopecks.
fn receipt_total(receipt: &Value) -> i64 {
    receipt["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let quantity: domain::Decimal = i["quantity"].as_str().unwrap().parse().unwrap();
            let amount = domain::Decimal::from(i["price_minor"].as_i64().unwrap()) * quantity;
            i64::try_from(amount.round()).unwrap()
        })
        .sum()
}

#[test]
fn checkout_offers_sberpay_sbp_is_paid_by_its_qr_and_the_refund_repeats_the_receipt() {
    let Some(browser) = Browser::start() else { return };
    let seed = seed::Seed::load();
    let settings = [
        ("MERCHANT_PAYMENTS_SBERPAY", "true"),
        ("MERCHANT_PAYMENTS_RECEIPTS", "true"),
        ("MERCHANT_PAYMENTS_REFUND_INTERVAL_MS", "200"),
    ];
    for t in TestDatabase::each_backend_migrated() {
        let shop = Shop::open_as(t, &settings, "sandbox:buyer:Вера:+79161234567:vera@example.ru");
        let backend = shop.t.db.backend();
        // 0.734 kg of a weighed product and two pieces of another, delivered.
        let store = shop.catalog.offers.iter().find(|o| o.delivery).unwrap().store.clone();
        let store_id = store.as_str();
        let unit_of = |sku: &SkuId| shop.catalog.products.iter().find(|p| &p.sku == sku).unwrap().unit;
        let here = || shop.catalog.offers.iter().filter(|o| o.store == store && o.delivery && o.stock > 5);
        let weighed = here().find(|o| unit_of(&o.sku) == domain::Unit::Kg).unwrap().sku.to_string();
        let pieces = here().find(|o| unit_of(&o.sku) == domain::Unit::Pcs).unwrap().sku.to_string();
        let items =
            json!([{"skuId": weighed, "quantity": 0.734, "unit": "kg"}, {"skuId": pieces, "quantity": 2}]);
        let location = shop.catalog.stores.iter().find(|s| s.id == store).unwrap().location;
        let address = json!({"fullAddress": "Москва", "lat": location.lat(), "lon": location.lon()});
        let (status, options) = shop.post(
            "/delivery",
            &json!({"shipping": "delivery", "storeId": store_id, "items": items, "deliveryAddress": address,
                    "credentials": shop.credentials}),
        );
        assert_eq!(status, 200, "{options}");
        let body = json!({"items": items, "storeId": store_id, "shipping": "delivery", "deliveryAdress": address,
                          "shippingOptions": options["options"][0], "credentials": shop.credentials});
        let (status, created) = call(&shop.service, "/checkout", &request_id(), &[], &body);
        assert_eq!(status, 200, "{backend}: {created}");
        seed.assert_response("post", "/checkout", 200, &created);
        let order = created["orderId"].as_str().unwrap().to_owned();

        // SberPay: the gateway's order, its page and the app's deep link.
        let sberpay = &created["sberpayDetails"];
        let sberpay_id = sberpay["paymentId"].as_str().expect("sberpayDetails names the payment");
        assert_eq!(sberpay["orderId"], sberpay_id, "the sandbox's order id is its payment id");
        assert!(sberpay["deepLink"].as_str().unwrap().starts_with("http"), "{sberpay}");
        assert!(created["paymentDetails"].is_object(), "the other methods stay offered");

        // The receipt sent with it: the weighed amount, VAT from the feed,
        // the buyer's email, to the kopeck of the order.
        let receipts = get_json(&shop.service.url(&format!("/pay/{sberpay_id}/receipts")));
        let receipt = &receipts["payment"];
        assert_eq!(receipt["customer"]["email"], "vera@example.ru");
        let apples =
            receipt["items"].as_array().unwrap().iter().find(|i| i["code"] == weighed.as_str()).unwrap();
        assert_eq!(
            (apples["quantity"].as_str(), apples["unit"].as_str()),
            (Some("0.734"), Some("kg")),
            "{receipt}"
        );
        assert_eq!(apples["vat"], "10", "the demo feed's rate");
        let total: domain::Decimal = sberpay["amount"]["amount"].to_string().parse().unwrap();
        let kopecks = i64::try_from(total * domain::Decimal::ONE_HUNDRED).unwrap();
        assert_eq!(receipt_total(receipt), kopecks, "{backend}: {receipt}");
        assert!(receipt["items"].as_array().unwrap().iter().any(|i| i["code"] == "delivery"), "{receipt}");

        // SBP: a QR whose payload is the page; paid there.
        let back = shop.service.url("/health/live");
        let (status, sbp) = shop.post(
            "/payment/init",
            &json!({"orderId": order, "backUrl": back, "method": "sbp", "credentials": shop.credentials}),
        );
        assert_eq!(status, 200, "{sbp}");
        seed.assert_response("post", "/payment/init", 200, &sbp);
        assert_ne!(sbp["paymentId"], sberpay_id, "another method, another attempt");
        let qr = reqwest::blocking::get(sbp["details"]["sbp"]["qrUrl"].as_str().unwrap()).unwrap();
        assert_eq!(qr.headers()["content-type"], "image/svg+xml");
        assert!(qr.text().unwrap().contains("<svg"));
        browser.open(sbp["details"]["sbp"]["payload"].as_str().unwrap());
        assert_eq!(browser.count("#sbp-qr"), 1, "the page shows the QR");
        assert!(browser.text("#receipt").contains("0.734"), "and the receipt");
        browser.click("#pay");
        browser.wait_for_url(|url| url == back, Duration::from_secs(10));
        let payment = sbp["paymentId"].as_str().unwrap();
        assert_eq!(shop.finish(payment).1["status"], "succeeded", "{backend}");
        assert_eq!(shop.status(&order), "paid");

        // Cancelled later (by the shop): refunded, with the refund receipt.
        let ordering = shop.t.ordering(Arc::new(SystemClock), 10);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let id = domain::OrderId::new(order.clone()).unwrap();
        runtime.block_on(ordering.advance(&id, orders::Action::Cancel)).unwrap();
        let url = shop.service.url(&format!("/pay/{payment}/receipts"));
        eventually("the refund", || get_json(&url)["refund"].is_object());
        let sent = get_json(&url);
        assert_eq!(sent["refund"], sent["payment"], "{backend}: the refund repeats the payment's receipt");

        // A method no one offers.
        let (status, _) = shop.post(
            "/payment/init",
            &json!({"orderId": order, "backUrl": back, "method": "cash", "credentials": shop.credentials}),
        );
        assert_eq!(status, 400);
        assert!(!shop.service.output().contains("status=500"), "{}", shop.service.output());
    }
}

#[test]
fn a_payment_whose_receipt_cannot_be_made_is_refused_with_what_is_missing() {
    let settings = [("MERCHANT_PAYMENTS_SBERPAY", "true"), ("MERCHANT_PAYMENTS_RECEIPTS", "true")];
    for t in TestDatabase::each_backend_migrated() {
        let shop = Shop::open_as(t, &settings, "sandbox:anonymous");
        let (order, ..) = shop.checkout();
        let (status, refused) = shop.init(&order);
        assert_eq!(status, 422, "{refused}");
        assert!(refused["message"].as_str().unwrap().contains("email or phone"), "{refused}");
        assert_eq!(shop.status(&order), "new", "the order stands");
    }
}

#[test]
fn a_corrupt_row_is_a_500_named_in_the_log_and_counted_not_a_503() {
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        let shop = Shop::open(t, &[]);
        let (order, ..) = shop.checkout();
        let payment = shop.init(&order).1["paymentId"].as_str().unwrap().to_owned();
        {
            use diesel::RunQueryDsl;
            let sql = format!("UPDATE payments SET status = 'bogus' WHERE id = '{payment}'");
            diesel::sql_query(&sql).execute(&mut *shop.t.db.get().unwrap()).unwrap();
        }
        let response = reqwest::blocking::Client::new()
            .post(shop.service.url("/payment/finish"))
            .header("rqUid", RQ)
            .json(&json!({"paymentId": payment, "credentials": shop.credentials}))
            .send()
            .unwrap();
        assert_eq!(response.status(), 500, "{backend}: not the caller's to retry");
        assert!(!response.headers().contains_key("retry-after"));
        let metrics = reqwest::blocking::get(shop.service.url("/metrics")).unwrap().text().unwrap();
        let counted = metrics
            .lines()
            .find(|l| l.starts_with("merchant_storage_corrupt_rows_total"))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|n| n.parse::<u64>().ok());
        assert!(counted.is_some_and(|n| n >= 1), "{backend}: {metrics}");
        let held = |l: &&str| l.starts_with("merchant_stock_held_thousandths{") && !l.ends_with(" 0");
        assert!(metrics.lines().any(|l| held(&l)), "{backend}: what the open order holds: {metrics}");
        let log = shop.service.output();
        assert!(
            log.contains(&format!("payments {payment} (payments.status)")),
            "{backend}: the row's key: {log}"
        );
    }
}
