//! One stock for Kuper orders, through the real binaries on both backends:
//! `order.created` holds stock over `kuper-listener`'s webhook, the
//! merchant's systems report the shelf with `merchantctl stock apply`, staff
//! pick and hand over with `merchantctl kuper act`. A report never touches
//! a hold, a cancel gives back exactly what it held, a report older than a
//! sale cannot resurrect it, and an out-of-date report changes nothing.

use crate::common;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use app::testing::RunningService;
use catalog::{CatalogRepo, demo};
use chrono::{DateTime, Utc};
use common::{bearer, post, start};
use domain::{SkuId, StoreId};
use orders::kuper::flow::{IntegrationType, KuperStatus};
use serde_json::json;
use storage::testing::TestDatabase;
use storage::{CatalogBatch, DbCatalogRepo, DbKuperInbox};

const SKU: &str = "SKU-000001";
/// Set up for pickup: the customer collects, so staff hand the goods over.
const STORE: &str = "STORE-002";

fn merchantctl() -> PathBuf {
    app::testing::sibling_binary(common::BIN, "merchantctl")
}

struct World {
    t: TestDatabase,
    service: RunningService,
    dir: tempfile::TempDir,
    batches: std::cell::Cell<u32>,
}

impl World {
    fn open(t: TestDatabase) -> World {
        let mut catalog = demo::generate(2_000);
        for store in &mut catalog.stores {
            store.opening_hours = "24/7".into();
        }
        for offer in catalog.offers.iter_mut().filter(|o| o.sku.as_str() == SKU) {
            offer.stock = 10;
        }
        let batch = CatalogBatch::from(catalog);
        let mut conn = t.db.get().unwrap();
        DbCatalogRepo::write(&mut conn, &batch).unwrap();
        DbKuperInbox::set_store(&mut conn, STORE, IntegrationType::Pickup, false, None).unwrap();
        drop(conn);
        let dir = tempfile::tempdir().unwrap();
        let service = start(&t, dir.path());
        World { t, service, dir, batches: std::cell::Cell::new(0) }
    }

    fn send(&self, event_type: &str, order: &str, payload: serde_json::Value) {
        let mut body = json!({"originalOrderId": order});
        if let (Some(b), serde_json::Value::Object(p)) = (body.as_object_mut(), payload) {
            b.extend(p);
        }
        let body = json!({"event_type": event_type, "timestamp": Utc::now().to_rfc3339(), "payload": body});
        let (status, answer) = post(&self.service, &bearer(), &body.to_string()).unwrap();
        assert_eq!(status, 200, "{event_type} {order}: {answer}");
    }

    fn created(&self, order: &str, quantity: u32) {
        let positions = json!([{"id": SKU, "originalQuantity": quantity, "quantity": quantity.to_string(),
                                "price": "99.90", "weight": 0, "replacedByID": null}]);
        self.send(
            "order.created",
            order,
            json!({"storeID": STORE, "shipmentMethod": "pickup", "replacementPolicy": "call_or_replace",
                   "customer": {"name": "Ольга", "phone": "+79990000000"}, "positions": positions}),
        );
    }

    fn ctl(&self, args: &[&str]) -> String {
        let out = Command::new(merchantctl())
            .args(args)
            .env("MERCHANT_DATABASE_URL", &self.t.raw_url)
            .output()
            .unwrap();
        assert!(out.status.success(), "merchantctl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    /// A staff action as the shop's terminal takes it.
    fn act(&self, order: &str, action: &str, payload: &serde_json::Value) {
        self.ctl(&["kuper", "act", order, action, "--payload", &payload.to_string()]);
    }

    fn status(&self, order: &str) -> KuperStatus {
        DbKuperInbox::order(&mut self.t.db.get().unwrap(), order).unwrap().expect("the order").status
    }

    /// Whole units available, as the record has them.
    fn available(&self) -> i64 {
        let repo = DbCatalogRepo::new(self.t.db.clone());
        let (sku, store) = ([SkuId::new(SKU).unwrap()], [StoreId::new(STORE).unwrap()]);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(repo.offers(&sku, Some(&store))).unwrap()[0].stock
    }

    /// The shelf reported from a file, as an ERP export would be applied;
    /// what `merchantctl` printed.
    fn report(&self, on_shelf: i64, as_of: DateTime<Utc>) -> String {
        self.batches.set(self.batches.get() + 1);
        let file = self.dir.path().join(format!("erp-{}.json", self.batches.get()));
        let body = json!({"batchId": format!("erp-{}", self.batches.get()), "updates": [
            {"sku": SKU, "storeId": STORE, "stock": on_shelf, "asOf": as_of.to_rfc3339()}]});
        std::fs::write(&file, body.to_string()).unwrap();
        self.ctl(&["stock", "apply", file.to_str().unwrap()])
    }

    /// Our moves, as `merchantctl stock moves` lists them: (kind, quantity).
    fn moves(&self, expected: usize) -> Vec<(String, String)> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let listed = self.ctl(&["stock", "moves"]);
            let moves: Vec<(String, String)> = listed
                .lines()
                .skip(1)
                .map(|l| {
                    let cells: Vec<&str> = l.split('\t').collect();
                    (cells[4].to_owned(), cells[7].to_owned())
                })
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

#[test]
fn kuper_holds_survive_reports_cancels_give_back_and_old_reports_resurrect_nothing() {
    for t in TestDatabase::each_backend_migrated() {
        let w = World::open(t);
        let backend = w.t.db.backend();

        // Kuper's order holds 6 of 10; the ERP, which knows nothing of it, says 10.
        w.created("K-1", 6);
        assert_eq!(w.available(), 4, "{backend}");
        let counted = Utc::now();
        assert!(w.report(10, counted).contains("1 applied, 0 refused"), "{backend}");
        assert_eq!(w.available(), 4, "{backend}: the report does not touch the hold");
        // 5 more cannot be served: the order is canceled at once, holding nothing.
        w.created("K-2", 5);
        assert_eq!(w.status("K-2"), KuperStatus::Canceled, "{backend}");
        w.created("K-3", 4);
        assert_eq!(w.status("K-3"), KuperStatus::Created, "{backend}");
        assert_eq!(w.available(), 0, "{backend}: at most 4 more");

        // Canceled by Kuper, each gives back what it held: 10, not 16.
        let reason = json!({"reason": {"code": "client", "comment": "передумал"}});
        w.send("order.canceled", "K-1", reason.clone());
        assert_eq!(w.available(), 6, "{backend}");
        w.send("order.canceled", "K-3", reason);
        assert_eq!(w.available(), 10, "{backend}: not 16");

        // 3 picked and collected; a report counted before cannot bring them back.
        let before_sale = Utc::now();
        std::thread::sleep(Duration::from_millis(20));
        w.created("K-4", 3);
        w.send("order.paid", "K-4", json!({}));
        let picked = json!({"order": {"originalOrderId": "K-4", "positions": [{"id": SKU, "quantity": 3}]}});
        w.act("K-4", "in_work", &json!({}));
        w.act("K-4", "assembled", &json!({}));
        w.act("K-4", "pickup_code_created", &json!({"code": "4321"}));
        w.act("K-4", "ready_for_delivery", &picked);
        w.act("K-4", "delivered", &json!({}));
        assert_eq!(w.status("K-4"), KuperStatus::Delivered, "{backend}");
        assert_eq!(w.available(), 7, "{backend}: sold");
        assert!(w.report(10, before_sale).contains("1 applied"), "{backend}");
        assert_eq!(w.available(), 7, "{backend}: the sale is not resurrected");

        // Older than the report applied: nothing changes, and it says so.
        let stale = w.report(50, counted);
        assert!(stale.contains("0 applied, 1 refused") && stale.contains("older"), "{backend}: {stale}");
        assert_eq!(w.available(), 7, "{backend}");

        let expected =
            [("hold", "6"), ("hold", "4"), ("release", "6"), ("release", "4"), ("hold", "3"), ("sale", "3")];
        let expected: Vec<(String, String)> =
            expected.iter().map(|(k, q)| ((*k).to_owned(), (*q).to_owned())).collect();
        assert_eq!(w.moves(6), expected, "{backend}: the ledger the ERP books our sales from");
    }
}
