//! Kuper as it really sends, through the real listener and `kuper-sim` on
//! both backends: each order runs the flow of its own `shipmentMethod` in a
//! store that takes several; a method the store does not take is created
//! and canceled with the reason; every field of `order.created` in every
//! way it may come (the tolerance table); notifications by Basic auth, and
//! Kuper's `Retry-After` as an HTTP date honoured.

use crate::common::SECRET;
use crate::with_kuper_sim::{SKU, World, finish, grocery};

use kuper_client::wire_cases::{self, Need};
use orders::kuper::flow::{IntegrationType, KuperStatus};
use orders::kuper::intake::PositionIds;
use orders::kuper::method::Methods;
use serde_json::{Value, json};
use storage::testing::TestDatabase;
use storage::{DbKuperInbox, KuperStoreSetup};

/// STORE-001 as most stores are: Kuper's couriers by default, pickup too.
fn courier_and_pickup(world: &World) {
    let setup = KuperStoreSetup {
        integration: IntegrationType::KuperDelivery,
        methods: Methods::of([IntegrationType::KuperDelivery, IntegrationType::Pickup]),
        restaurant: false,
        assembly_minutes: Some(30),
        kuper_store_id: None,
        position_ids: PositionIds::Sku,
    };
    DbKuperInbox::configure_store(&mut world.t.db.get().unwrap(), "STORE-001", &setup).unwrap();
}

#[test]
fn a_store_taking_courier_and_pickup_runs_each_order_s_own_flow() {
    for t in TestDatabase::each_backend_migrated() {
        let world = World::start(t, &[]);
        let backend = world.t.db.backend();
        courier_and_pickup(&world);
        // The store set up a second ago: the listener reads stores at most
        // once a second.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let stores = [("kuper_delivery", "STORE-001"), ("pickup", "STORE-001")];
        finish(world.scenario_for(30, None, &stores), "courier and pickup from one store");
        let orders = world.orders();
        assert_eq!(orders.len(), 2, "{backend}: {orders:?}");
        for order in &orders {
            let id = order["originalOrderId"].as_str().unwrap();
            assert_eq!(
                (order["complete"].clone(), order["refused"].clone()),
                (json!(true), json!([])),
                "{backend}: {order}"
            );
            assert_eq!(
                order["orderUuidMissing"],
                json!([]),
                "{backend}: orderUUID echoed on every notification"
            );
            let view = world.view(id);
            assert_eq!(view.integration.as_str(), order["integration"], "{backend}: {id}");
            assert_eq!(view.status, KuperStatus::Delivered, "{backend}: {id}");
        }
        let pickup = orders.iter().find(|o| o["integration"] == "pickup").unwrap();
        assert!(
            pickup["accepted"].as_array().unwrap().contains(&json!("order.pickup_code_created")),
            "{backend}: the pickup order sent its code: {pickup}"
        );

        // A method the store does not take: created, then canceled with
        // the reason.
        let order = json!({"integration": "merchant_delivery", "store": "STORE-001", "shipmentMethod": "by_merchant",
                           "positions": [{"id": SKU, "quantity": 1}]});
        let created = world.sim_post("/sim/orders", &order);
        assert_eq!(created["reply"]["status"], "created", "{backend}: {created}");
        let id = created["originalOrderId"].as_str().unwrap().to_owned();
        world.wait_until("the cancel reaches Kuper", || world.accepted(&id) == json!(["order.canceled"]));
        let view = world.view(&id);
        assert_eq!(view.status, KuperStatus::Canceled, "{backend}");
        let why = view.details.cancel.and_then(|c| c.comment).unwrap_or_default();
        assert!(why.contains("does not take merchant_delivery"), "{backend}: {why}");
    }
}

/// Every case of the tolerance table posted to the listener as Kuper would:
/// an optional field however it comes leaves the order taken; a field the
/// order needs makes it created and canceled; only the order id is a 400.
#[test]
fn every_field_of_order_created_in_every_way_it_may_come() {
    for t in TestDatabase::each_backend_migrated() {
        let world = World::start(t, &[]);
        let backend = world.t.db.backend();
        let weighed = grocery(&catalog::demo::generate(2_000)).weighed;
        let http = reqwest::blocking::Client::new();
        let mut wrong = Vec::new();
        for (n, case) in wire_cases::cases().into_iter().enumerate() {
            let original = format!("T{n}");
            let body = case.apply(&wire_cases::documented(&original, "STORE-001", SKU, &weighed));
            let response = http
                .post(world.listener.url("/kuper/webhooks"))
                .bearer_auth(SECRET)
                .json(&body)
                .send()
                .unwrap();
            let status = response.status().as_u16();
            let answer: Value = response.json().unwrap_or(Value::Null);
            let what = format!("{} {}", case.field.path, case.variant);
            let taken = || world.view(&original).status != KuperStatus::Canceled;
            let fits = match (case.field.need, case.readable()) {
                (Need::Webhook, false) => status == 400,
                (Need::Webhook, true) => status == 200,
                (Need::Order, false) => status == 200 && answer["status"] == "created" && !taken(),
                // A readable field can still be one the order is refused
                // for (a store "42" we do not have, 12.5 loaves).
                (_, true) => status == 200 && answer["status"] == "created",
                (Need::Optional, false) => status == 200 && answer["status"] == "created" && taken(),
            };
            if !fits {
                wrong.push(format!("{what}: {status} {answer}"));
            }
        }
        assert!(wrong.is_empty(), "{backend}: {} cases:\n{}", wrong.len(), wrong.join("\n"));
    }
}

/// A Kuper that takes Basic credentials only, and says `Retry-After` as an
/// HTTP date: the listener sends with the credentials and waits as told.
#[test]
fn basic_auth_and_retry_after_as_a_date_against_a_kuper_that_wants_them() {
    for t in TestDatabase::each_backend_migrated() {
        let world = World::start_with(
            t,
            &["--auth", "basic", "--retry-after-date"],
            &[("MERCHANT_KUPER_AUTH", "basic")],
        );
        let backend = world.t.db.backend();
        let order = json!({"integration": "kuper_delivery", "store": "STORE-001",
                           "positions": [{"id": SKU, "quantity": 1}]});
        let id = world.sim_post("/sim/orders", &order)["originalOrderId"].as_str().unwrap().to_owned();
        world.act(&id, "in_work", &json!({}));
        world.wait_until("in_work reaches Kuper", || world.accepted(&id) == json!(["order.in_work"]));

        // 429 for 1.5 s, each saying "not before two seconds from now" as a
        // date: one refusal, then the next attempt after the limit lifted
        // (the schedule alone would have tried three or four times).
        world.faults(&json!([{"kind": "rate_limited", "seconds": 1.5}]));
        world.act(&id, "assembled", &json!({}));
        world.wait_until("assembled reaches Kuper", || {
            world.accepted(&id) == json!(["order.in_work", "order.assembled"])
        });
        let refused: Vec<Value> = world
            .sim_get("/sim/log")
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["status"] == 429)
            .cloned()
            .collect();
        assert_eq!(refused.len(), 1, "{backend}: {refused:?}");
        let unauthorized =
            world.sim_get("/sim/log").as_array().unwrap().iter().filter(|e| e["status"] == 401).count();
        assert_eq!(unauthorized, 0, "{backend}: the Basic credentials were taken every time");
    }
}
