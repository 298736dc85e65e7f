//! Kuper orders of every integration type through the real listener on both
//! backends, with real-shaped bodies (KUPER-WIRE.md): every webhook sent
//! twice, events out of order, a cancel at every stage, staff actions as
//! `merchantctl kuper act` takes them. The order ends where the flow says
//! and no answer is ever a 5xx.

use crate::common;

use app::testing::RunningService;
use catalog::{CatalogRepo, demo};
use chrono::Utc;
use common::{bearer, post, start};
use domain::{SkuId, StoreId};
use orders::kuper::flow::{IntegrationType, KuperStatus, StaffAction};
use serde_json::{Value, json};
use storage::testing::TestDatabase;
use storage::{CatalogBatch, DbCatalogRepo, DbKuperInbox};

const SKU: &str = "SKU-000001";

struct World {
    t: TestDatabase,
    service: RunningService,
    _dir: tempfile::TempDir,
}

impl World {
    /// Sends a webhook twice (Kuper retries); both answers must agree.
    fn send(&self, event_type: &str, order: &str, extra: Value) -> u16 {
        let mut payload = json!({"originalOrderId": order});
        if let (Some(p), Value::Object(e)) = (payload.as_object_mut(), extra) {
            p.extend(e);
        }
        let body =
            json!({"event_type": event_type, "timestamp": Utc::now().to_rfc3339(), "payload": payload})
                .to_string();
        let first = post(&self.service, &bearer(), &body).unwrap();
        let second = post(&self.service, &bearer(), &body).unwrap();
        assert!(first.0 < 500 && second.0 < 500, "{event_type} {order}: {first:?}");
        assert_eq!(first, second, "{event_type} {order}: a retry gets the same answer");
        first.0
    }

    fn created(&self, order: &str, store: &str) {
        let positions = json!([{"id": SKU, "originalQuantity": 2, "quantity": "2", "price": "99.90",
                                "discountPrice": "89.90", "weight": 0, "totalPrice": "199.80",
                                "totalDiscountPrice": "179.80", "replacedByID": null}]);
        // Kuper names the delivery method on each order; STORE-002 is the
        // pickup store.
        let method = if store == "STORE-002" { "pickup" } else { "by_courier" };
        let extra = json!({"storeID": store, "shipmentMethod": method, "replacementPolicy": "call_or_replace",
                           "customer": {"name": "Ольга", "phone": "+79990000000"},
                           "address": {"full_address": "Москва, Тверская, 1", "lat": 55.75, "lon": 37.61},
                           "delivery": {"expectedFrom": "2026-11-25T12:00:00+03:00", "expectedTo": "2026-11-25T14:00:00+03:00"},
                           "positions": positions, "total": {"totalPrice": "199.80", "discountTotalPrice": "179.80"}});
        assert_eq!(self.send("order.created", order, extra), 200);
    }

    fn staff(&self, order: &str, action: StaffAction) {
        let payload = match action {
            StaffAction::Ready => {
                json!({"order": {"originalOrderId": order, "positions": [{"id": SKU, "quantity": 2}]}})
            }
            StaffAction::PickupCode => json!({"code": "1234"}),
            StaffAction::EstimatedDeliveryTime => {
                json!({"estimated_delivery_at": "2026-11-25T13:30:00+03:00"})
            }
            _ => json!({}),
        };
        let request = kuper_client::payload::staff_request(action, &payload).unwrap();
        let done = DbKuperInbox::act(&mut self.t.db.get().unwrap(), order, &request, Utc::now()).unwrap();
        assert!(done.is_ok(), "{order} {action}: {done:?}");
    }

    fn status(&self, order: &str) -> (KuperStatus, bool) {
        let view = DbKuperInbox::order(&mut self.t.db.get().unwrap(), order).unwrap().expect("order");
        (view.status, view.paid)
    }

    fn stock(&self, store: &str) -> i64 {
        let repo = DbCatalogRepo::new(self.t.db.clone());
        let sku = [SkuId::new(SKU).unwrap()];
        let store = [StoreId::new(store).unwrap()];
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(repo.offers(&sku, Some(&store))).unwrap()[0].stock
    }
}

fn world(t: TestDatabase) -> World {
    let mut catalog = demo::generate(2_000);
    for store in &mut catalog.stores {
        // Open around the clock: the test may run at any hour.
        store.opening_hours = "24/7".into();
    }
    for offer in &mut catalog.offers {
        if offer.sku.as_str() == SKU {
            offer.stock = 50;
            offer.delivery = true;
            offer.pickup = true;
        }
    }
    let batch = CatalogBatch::from(catalog);
    let mut conn = t.db.get().unwrap();
    DbCatalogRepo::write(&mut conn, &batch).unwrap();
    DbKuperInbox::set_store(&mut conn, "STORE-001", IntegrationType::KuperDelivery, false, None).unwrap();
    DbKuperInbox::set_store(&mut conn, "STORE-002", IntegrationType::Pickup, false, None).unwrap();
    DbKuperInbox::set_store(&mut conn, "STORE-003", IntegrationType::MerchantDelivery, false, None).unwrap();
    drop(conn);
    let dir = tempfile::tempdir().unwrap();
    let service = start(&t, dir.path());
    World { t, service, _dir: dir }
}

#[test]
fn each_integration_type_goes_all_the_way_with_every_webhook_twice() {
    use StaffAction as A;
    for t in TestDatabase::each_backend_migrated() {
        let w = world(t);
        // Kuper delivery: Kuper's courier does the last mile.
        w.created("KD-1", "STORE-001");
        for action in [A::StartAssembly, A::Assembled, A::Ready] {
            w.staff("KD-1", action);
        }
        for event in [
            "order.paid",
            "courier.assigned",
            "courier.arrived",
            "order.received",
            "order.delivering",
            "order.delivered",
        ] {
            assert_eq!(w.send(event, "KD-1", json!({})), 200);
        }
        assert_eq!(w.status("KD-1"), (KuperStatus::Delivered, true));

        // Pickup: payment may come early; the code goes before ready.
        w.created("PU-1", "STORE-002");
        assert_eq!(w.send("order.paid", "PU-1", json!({})), 200);
        for action in [A::StartAssembly, A::Assembled, A::PickupCode, A::Ready, A::Delivered] {
            w.staff("PU-1", action);
        }
        assert_eq!(w.status("PU-1"), (KuperStatus::Delivered, true));

        // Merchant delivery: we promise a time and deliver ourselves.
        w.created("MD-1", "STORE-003");
        for action in [A::StartAssembly, A::EstimatedDeliveryTime, A::Assembled, A::Ready] {
            w.staff("MD-1", action);
        }
        assert_eq!(w.send("order.paid", "MD-1", json!({})), 200);
        assert_eq!(w.send("order.updated", "MD-1", json!({"kind": "address"})), 200, "recorded for staff");
        for action in [A::Delivering, A::Delivered] {
            w.staff("MD-1", action);
        }
        assert_eq!(w.status("MD-1"), (KuperStatus::Delivered, true), "{}", w.t.db.backend());
        let view = DbKuperInbox::order(&mut w.t.db.get().unwrap(), "MD-1").unwrap().unwrap();
        let outbox: Vec<&str> = view.notifications.iter().map(|n| n.kind.as_str()).collect();
        assert_eq!(
            outbox,
            [
                "order.in_work",
                "order.estimated_delivery_time",
                "order.assembled",
                "order.ready_for_delivery",
                "order.delivering",
                "order.delivered"
            ]
        );
    }
}

#[test]
fn shuffled_webhooks_end_where_the_flow_says() {
    for t in TestDatabase::each_backend_migrated() {
        let w = world(t);
        // Paid before created: stored, acknowledged, and applied when the
        // order comes, without waiting for a retry.
        let paid = json!({"event_type": "order.paid", "payload": {"originalOrderId": "SH-1"}}).to_string();
        assert_eq!(post(&w.service, &bearer(), &paid).unwrap().0, 200);
        w.created("SH-1", "STORE-001");
        assert_eq!(w.status("SH-1"), (KuperStatus::Created, true), "{}", w.t.db.backend());
        assert_eq!(post(&w.service, &bearer(), &paid).unwrap().0, 200, "a retry changes nothing");
        // Delivered overtakes received and delivering; they come late.
        for event in ["order.delivered", "order.delivering", "order.received"] {
            assert_eq!(w.send(event, "SH-1", json!({})), 200);
        }
        assert_eq!(w.status("SH-1").0, KuperStatus::Delivered, "{}", w.t.db.backend());
    }
}

#[test]
fn a_cancel_from_kuper_at_every_stage_ends_canceled_and_restocks_what_is_still_in_store() {
    use StaffAction as A;
    for t in TestDatabase::each_backend_migrated() {
        let w = world(t);
        let stages: [(&str, &[A], &[&str]); 6] = [
            ("C-created", &[], &[]),
            ("C-in-work", &[A::StartAssembly], &[]),
            ("C-assembled", &[A::StartAssembly, A::Assembled], &[]),
            ("C-ready", &[A::StartAssembly, A::Assembled, A::Ready], &["order.paid"]),
            ("C-received", &[A::StartAssembly, A::Assembled, A::Ready], &["order.received"]),
            (
                "C-delivering",
                &[A::StartAssembly, A::Assembled, A::Ready],
                &["order.received", "order.delivering"],
            ),
        ];
        for (order, actions, events) in stages {
            let before = w.stock("STORE-001");
            w.created(order, "STORE-001");
            assert_eq!(w.stock("STORE-001"), before - 2, "{order}: reserved");
            for action in actions {
                w.staff(order, *action);
            }
            for event in events {
                w.send(event, order, json!({}));
            }
            let in_store = w.status(order).0 <= KuperStatus::Ready;
            assert_eq!(
                w.send(
                    "order.canceled",
                    order,
                    json!({"reason": {"code": "client", "comment": "передумал"}})
                ),
                200
            );
            assert_eq!(w.status(order).0, KuperStatus::Canceled, "{order}");
            let expected = if in_store { before } else { before - 2 };
            assert_eq!(w.stock("STORE-001"), expected, "{}: {order}", w.t.db.backend());
        }
    }
}

impl World {
    fn request(
        &self,
        order: &str,
        action: StaffAction,
        payload: &Value,
    ) -> Result<KuperStatus, storage::ActError> {
        let request = kuper_client::payload::staff_request(action, payload).unwrap();
        DbKuperInbox::act(&mut self.t.db.get().unwrap(), order, &request, Utc::now()).unwrap()
    }

    fn held(&self, order: &str) -> Vec<String> {
        let view = DbKuperInbox::order(&mut self.t.db.get().unwrap(), order).unwrap().expect("order");
        view.lines.iter().map(|l| l.held.to_string()).collect()
    }

    fn updated(&self, order: &str, quantity: u32) -> u16 {
        let positions = json!([{"id": SKU, "quantity": quantity, "price": "99.90"}]);
        self.send(
            "order.updated",
            order,
            json!({"kind": "positions", "positions": positions, "comment": "позвонить"}),
        )
    }

    fn attention(&self) -> Vec<storage::Attention> {
        DbKuperInbox::attention(&mut self.t.db.get().unwrap(), 100).unwrap()
    }
}

#[test]
fn order_updated_moves_the_holds_before_assembly_and_goes_to_staff_after_ready() {
    use StaffAction as A;
    for t in TestDatabase::each_backend_migrated() {
        let w = world(t);
        let backend = w.t.db.backend();
        let before = w.stock("STORE-001");
        w.created("U-1", "STORE-001");
        assert_eq!(w.held("U-1"), ["2"]);
        // More before assembly: held more.
        assert_eq!(w.updated("U-1", 5), 200);
        assert_eq!((w.held("U-1"), w.stock("STORE-001")), (vec!["5".to_owned()], before - 5), "{backend}");
        w.staff("U-1", A::StartAssembly);
        // Less while in work: the rest goes back on the shelf.
        assert_eq!(w.updated("U-1", 1), 200);
        assert_eq!((w.held("U-1"), w.stock("STORE-001")), (vec!["1".to_owned()], before - 1), "{backend}");
        // More than the shelf has: nothing changes, staff hear of it.
        assert_eq!(w.updated("U-1", 10_000), 200);
        assert_eq!(w.held("U-1"), ["1"], "{backend}");
        w.staff("U-1", A::Assembled);
        let ready = json!({"order": {"positions": [{"id": SKU, "quantity": 1}]}});
        assert!(w.request("U-1", A::Ready, &ready).is_ok());
        // After ready_for_delivery Kuper has the composition: staff decide.
        assert_eq!(w.updated("U-1", 3), 200);
        assert_eq!((w.held("U-1"), w.stock("STORE-001")), (vec!["1".to_owned()], before - 1), "{backend}");
        let raised: Vec<String> =
            w.attention().into_iter().filter(|a| a.kind == "update").map(|a| a.note).collect();
        assert_eq!(raised.len(), 2, "{backend}: {raised:?}");
        assert!(raised[0].contains("not enough"), "{raised:?}");
        assert!(raised[1].contains("final composition"), "{raised:?}");
        let view = DbKuperInbox::order(&mut w.t.db.get().unwrap(), "U-1").unwrap().unwrap();
        let outcomes: Vec<&str> = view.details.updates.iter().map(|u| u.outcome.as_str()).collect();
        assert_eq!(outcomes, ["applied", "applied", "raised", "raised"], "{backend}");
        assert_eq!(view.details.comment.as_deref(), Some("позвонить"), "{backend}: applied with the first");
    }
}

#[test]
fn an_order_created_without_a_readable_store_or_positions_is_created_then_canceled_with_the_reason() {
    for t in TestDatabase::each_backend_migrated() {
        let w = world(t);
        for (order, payload) in [
            ("BAD-1", json!({"positions": [{"id": SKU, "quantity": 1}]})),
            ("BAD-2", json!({"storeID": "STORE-001", "positions": []})),
            ("BAD-3", json!({"storeID": "STORE-001", "positions": [{"id": SKU, "quantity": "a lot"}]})),
        ] {
            let mut body = payload.clone();
            body["originalOrderId"] = json!(order);
            let body = json!({"event_type": "order.created", "payload": body}).to_string();
            let (status, answer) = post(&w.service, &bearer(), &body).unwrap();
            assert_eq!((status, &answer["status"]), (200, &json!("created")), "{order}: {answer}");
            let view = DbKuperInbox::order(&mut w.t.db.get().unwrap(), order).unwrap().unwrap();
            assert_eq!(view.status, KuperStatus::Canceled, "{order}");
            let queued: Vec<&str> = view.notifications.iter().map(|n| n.kind.as_str()).collect();
            assert_eq!(queued, ["order.canceled"], "{order}");
            let reason = view.details.cancel.unwrap().comment.unwrap();
            assert!(reason.contains("cannot be read"), "{order}: {reason}");
        }
    }
}

#[test]
fn a_courier_who_takes_the_goods_before_ready_for_delivery_does_not_block_it() {
    use StaffAction as A;
    for t in TestDatabase::each_backend_migrated() {
        let w = world(t);
        let backend = w.t.db.backend();
        let before = w.stock("STORE-001");
        w.created("EARLY-1", "STORE-001");
        w.staff("EARLY-1", A::StartAssembly);
        w.staff("EARLY-1", A::Assembled);
        assert_eq!(w.send("order.received", "EARLY-1", json!({})), 200);
        assert_eq!(w.status("EARLY-1").0, KuperStatus::Received, "{backend}");
        assert_eq!(w.held("EARLY-1"), ["2"], "{backend}: held until the composition says what left");
        // The final composition is still owed: 1 of 2 found.
        let ready = json!({"order": {"positions": [{"id": SKU, "quantity": 1}]}});
        assert_eq!(w.request("EARLY-1", A::Ready, &ready), Ok(KuperStatus::Received), "{backend}");
        assert_eq!(
            (w.held("EARLY-1"), w.stock("STORE-001")),
            (vec!["0".to_owned()], before - 1),
            "{backend}: 1 sold"
        );
        assert!(w.request("EARLY-1", A::Ready, &ready).is_err(), "{backend}: once");
    }
}

#[test]
fn goods_are_not_handed_over_before_kuper_has_charged() {
    use StaffAction as A;
    for t in TestDatabase::each_backend_migrated() {
        let w = world(t);
        let backend = w.t.db.backend();
        let ready = json!({"order": {"positions": [{"id": SKU, "quantity": 2}]}});
        for (order, store, steps, handover) in [
            ("HP-1", "STORE-002", &[A::StartAssembly, A::Assembled, A::PickupCode][..], A::Delivered),
            ("HM-1", "STORE-003", &[A::StartAssembly, A::Assembled][..], A::Delivering),
        ] {
            w.created(order, store);
            for step in steps {
                w.staff(order, *step);
            }
            assert!(w.request(order, A::Ready, &ready).is_ok());
            let refused = w.request(order, handover, &json!({})).unwrap_err();
            assert!(refused.to_string().contains("order.paid"), "{backend} {order}: {refused}");
            assert_eq!(w.send("order.paid", order, json!({})), 200);
            assert!(w.request(order, handover, &json!({})).is_ok(), "{backend} {order}");
        }
        // A pickup code comes after assembled, not before.
        w.created("HP-2", "STORE-002");
        w.staff("HP-2", A::StartAssembly);
        let early = w.request("HP-2", A::PickupCode, &json!({"code": "1234"})).unwrap_err();
        assert!(early.to_string().contains("assembled first"), "{backend}: {early}");
    }
}
