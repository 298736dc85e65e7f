//! One stock, through the real binaries on both backends: MCP orders hold
//! stock over `mcp-api`'s HTTP, the merchant's systems report the shelf
//! over `POST /merchant/stock`, staff move orders with `merchantctl`. A
//! report never touches a hold, a cancel gives back exactly what it held,
//! a report older than a sale cannot resurrect it, and an out-of-date
//! report changes nothing and says so.

use crate::common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::testing::RunningService;
use catalog::demo;
use chrono::{DateTime, Utc};
use common::call;
use domain::SystemClock;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use storage::testing::TestDatabase;
use storage::{CatalogBatch, DbCatalogRepo};

const SKU: &str = "SKU-000001";
const STORE: &str = "STORE-001";
const ERP: &str = "erp-one-stock-token";

fn merchantctl() -> PathBuf {
    app::testing::sibling_binary(common::BIN, "merchantctl")
}

struct Shop {
    t: TestDatabase,
    service: RunningService,
    credentials: Value,
    batches: std::cell::Cell<u32>,
    _dir: tempfile::TempDir,
}

impl Shop {
    /// The demo catalog with 10 of [`SKU`] on [`STORE`]'s shelf, open
    /// around the clock for pickup.
    fn open(t: TestDatabase) -> Shop {
        let mut catalog = demo::generate(2_000);
        for store in &mut catalog.stores {
            store.opening_hours = "24/7".into();
            store.pickup = true;
        }
        for offer in catalog.offers.iter_mut().filter(|o| o.sku.as_str() == SKU) {
            (offer.stock, offer.pickup) = (10, true);
        }
        let batch = CatalogBatch::from(catalog);
        DbCatalogRepo::write(&mut t.db.get().unwrap(), &batch).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (_, token) =
            runtime.block_on(t.authenticator(Arc::new(SystemClock)).create_client("one-stock")).unwrap();
        let client = format!("Bearer {}", token.expose_secret());
        let dir = tempfile::tempdir().unwrap();
        let service = common::start(
            &t.raw_url,
            dir.path(),
            &[("MERCHANT_TOKEN_INTROSPECTION_MODE", "sandbox"), ("MERCHANT_STOCK_API_TOKEN", ERP)],
        );
        let auth = [("authorization", client.as_str())];
        let (status, login) =
            call(&service, "/auth/other", &rq(), &auth, &json!({"token": "sandbox:shopper"}));
        assert_eq!(status, 200, "{login}");
        let credentials =
            json!({"authType": "oauth2", "oauth2": client, "accessToken": login["accessToken"]});
        Shop { t, service, credentials, batches: std::cell::Cell::new(0), _dir: dir }
    }

    /// A pickup checkout of `quantity`: the order's id, or the refusal
    /// (from `/delivery`, which checks the stock first, or `/checkout`).
    fn checkout(&self, quantity: u32) -> Result<String, Value> {
        let items = json!([{"skuId": SKU, "quantity": quantity}]);
        let (status, options) = call(
            &self.service,
            "/delivery",
            &rq(),
            &[],
            &json!({"shipping": "pickup", "storeId": STORE, "items": items, "credentials": self.credentials}),
        );
        if status != 200 {
            assert_eq!(status, 400, "out of stock is the shopper's to fix: {options}");
            return Err(options);
        }
        let body = json!({"items": items, "storeId": STORE, "shipping": "pickup",
                          "shippingOptions": options["options"][0], "credentials": self.credentials});
        match call(&self.service, "/checkout", &rq(), &[], &body) {
            (200, created) => Ok(created["orderId"].as_str().unwrap().to_owned()),
            (status, refusal) => {
                assert_eq!(status, 400, "out of stock is the shopper's to fix: {refusal}");
                Err(refusal)
            }
        }
    }

    /// What `/actualize` says is available, from the record.
    fn available(&self) -> i64 {
        let (status, found) =
            call(&self.service, "/actualize", &rq(), &[], &json!({"skuIds": [SKU], "storeId": STORE}));
        assert_eq!(status, 200, "{found}");
        found["items"][0]["stock"].as_i64().unwrap()
    }

    /// The shelf as the merchant's systems count it at `as_of`; the
    /// refusal's reason when there is one.
    fn report(&self, on_shelf: i64, as_of: DateTime<Utc>) -> Option<String> {
        self.batches.set(self.batches.get() + 1);
        let body = json!({"batchId": format!("erp-{}", self.batches.get()), "updates": [
            {"sku": SKU, "storeId": STORE, "stock": on_shelf, "asOf": as_of.to_rfc3339()}]});
        let response = reqwest::blocking::Client::new()
            .post(self.service.url("/merchant/stock"))
            .bearer_auth(ERP)
            .json(&body)
            .send()
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let report: Value = response.json().unwrap();
        report["refused"][0]["reason"].as_str().map(str::to_owned)
    }

    /// Staff move the order, as they would from the shop's terminal.
    fn advance(&self, order: &str, action: &str) {
        let out = Command::new(merchantctl())
            .args(["orders", "advance", order, action])
            .env("MERCHANT_DATABASE_URL", &self.t.raw_url)
            .output()
            .unwrap();
        assert!(out.status.success(), "{action} {order}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// The shopper pays on the sandbox bank's page.
    fn pay(&self, order: &str) {
        let back = self.service.url("/health/live");
        let (status, init) = call(
            &self.service,
            "/payment/init",
            &rq(),
            &[],
            &json!({"orderId": order, "backUrl": back, "credentials": self.credentials}),
        );
        assert_eq!(status, 200, "{init}");
        let payment = init["paymentId"].as_str().unwrap();
        let chosen = reqwest::blocking::Client::new()
            .post(self.service.url(&format!("/pay/{payment}")))
            .form(&[("choice", "pay")])
            .send()
            .unwrap();
        assert!(chosen.status().as_u16() < 400, "{}", chosen.status());
        let (_, done) = call(
            &self.service,
            "/payment/finish",
            &rq(),
            &[],
            &json!({"paymentId": payment, "credentials": self.credentials}),
        );
        assert_eq!(done["status"], "succeeded", "{done}");
    }

    /// Our moves as the merchant's systems read them: (kind, quantity).
    fn moves(&self, expected: usize) -> Vec<(String, f64)> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let page: Value = reqwest::blocking::Client::new()
                .get(self.service.url("/merchant/stock/moves?limit=100"))
                .bearer_auth(ERP)
                .send()
                .unwrap()
                .json()
                .unwrap();
            let moves: Vec<(String, f64)> = page["moves"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| (m["kind"].as_str().unwrap().to_owned(), m["quantity"].as_f64().unwrap()))
                .collect();
            // The feed reads below PostgreSQL's oldest running transaction,
            // which other tests' transactions may hold back a moment.
            if moves.len() >= expected || Instant::now() > deadline {
                return moves;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A distinct `rqUid` per request.
fn rq() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!("5d1c2e3f-0a4b-4c5d-8e6f-{:012x}", N.fetch_add(1, Ordering::SeqCst))
}

#[test]
fn holds_survive_reports_cancels_give_back_and_old_reports_resurrect_nothing() {
    for t in TestDatabase::each_backend_migrated() {
        let shop = Shop::open(t);
        let backend = shop.t.db.backend();
        assert_eq!(shop.available(), 10, "{backend}");

        // Hold 6 of 10; the ERP, which knows nothing of it, says 10.
        let first = shop.checkout(6).unwrap();
        assert_eq!(shop.available(), 4, "{backend}");
        let counted = Utc::now();
        assert_eq!(shop.report(10, counted), None, "{backend}");
        assert_eq!(shop.available(), 4, "{backend}: the report does not touch the hold");
        let refusal = shop.checkout(5).unwrap_err();
        assert!(refusal["message"].as_str().unwrap().contains(SKU), "{backend}: {refusal}");
        let second = shop.checkout(4).unwrap();
        assert_eq!(shop.available(), 0, "{backend}: at most 4 more");
        assert!(shop.checkout(1).is_err(), "{backend}: never oversold");

        // Cancelled, each gives back what it held: 10 again, not 16.
        shop.advance(&first, "cancel");
        assert_eq!(shop.available(), 6, "{backend}");
        shop.advance(&second, "cancel");
        assert_eq!(shop.available(), 10, "{backend}: not 16");

        // 3 collected in the shop; a report counted before the sale cannot
        // know of it, so it cannot bring the 3 back.
        let before_sale = Utc::now();
        std::thread::sleep(Duration::from_millis(20));
        let third = shop.checkout(3).unwrap();
        shop.pay(&third);
        for action in ["process", "ready_for_pickup", "complete"] {
            shop.advance(&third, action);
        }
        assert_eq!(shop.available(), 7, "{backend}: sold");
        assert_eq!(shop.report(10, before_sale), None, "{backend}");
        assert_eq!(shop.available(), 7, "{backend}: the sale is not resurrected");

        // Older than the report applied: nothing changes, and it says so.
        let stale = shop.report(50, counted).expect("refused");
        assert!(stale.contains("older"), "{backend}: {stale}");
        assert_eq!(shop.available(), 7, "{backend}");

        let moves = shop.moves(6);
        let expected =
            [("hold", 6.0), ("hold", 4.0), ("release", 6.0), ("release", 4.0), ("hold", 3.0), ("sale", 3.0)];
        let expected: Vec<(String, f64)> = expected.iter().map(|(k, q)| ((*k).to_owned(), *q)).collect();
        assert_eq!(moves, expected, "{backend}: the ledger the ERP books our sales from");
    }
}
