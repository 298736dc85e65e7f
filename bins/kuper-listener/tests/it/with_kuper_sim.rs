//! The real listener against the real `kuper-sim`, on both backends: an
//! order of each integration type all the way round (a plain one, and a
//! grocery order picked as a store picks it: a shortfall, a weight to the
//! gram, a replacement); Kuper failing every
//! call for a while (5xx, then 429, then 401 with every token expired);
//! the listener killed while notifications are in flight. Afterwards every
//! notification has reached Kuper, in order per order, none acknowledged
//! twice (a resend is Kuper's 202), none dead.
//!
//! `kuper-sim` is another package's binary: it is found beside this one in
//! the target directory, where a workspace test run builds it (for
//! `kuper-sim`'s own tests).

use crate::common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use app::testing::RunningService;
use common::{BIN, SECRET};
use orders::kuper::flow::{IntegrationType, KuperStatus};
use orders::kuper::states::OutboxState;
use serde_json::{Value, json};
use storage::testing::TestDatabase;
use storage::{CatalogBatch, DbCatalogRepo, DbKuperInbox, DbKuperOutbox};

pub(crate) const OPERATOR: &str = "op-token-7c2e";
pub(crate) const SKU: &str = "SKU-000001";
pub(crate) const STORES: [(&str, &str); 3] =
    [("kuper_delivery", "STORE-001"), ("pickup", "STORE-002"), ("merchant_delivery", "STORE-003")];
/// Notifications of a whole round: 3 + 5 + 6.
const ROUND_NOTIFICATIONS: usize = 14;

pub(crate) fn sim_bin() -> PathBuf {
    app::testing::sibling_binary(BIN, "kuper-sim")
}

/// A grocery order's products, sold in all three stores: one by weight,
/// one that is not found, and the one that replaces it.
pub(crate) struct Grocery {
    pub(crate) weighed: String,
    replaced: String,
    replacement: String,
}

pub(crate) fn grocery(catalog: &catalog::demo::DemoCatalog) -> Grocery {
    let everywhere = |sku: &domain::SkuId| {
        STORES
            .iter()
            .all(|(_, store)| catalog.offers.iter().any(|o| &o.sku == sku && o.store.as_str() == *store))
    };
    let pick = |weighed: bool, not: &[&str]| {
        catalog
            .products
            .iter()
            .filter(|p| (p.unit == domain::Unit::Kg) == weighed && p.sku.as_str() != SKU)
            .filter(|p| !not.contains(&p.sku.as_str()) && everywhere(&p.sku))
            .map(|p| p.sku.to_string())
            .next()
            .expect("the demo catalog sells such a product in every store")
    };
    let weighed = pick(true, &[]);
    let replaced = pick(false, &[]);
    let replacement = pick(false, &[replaced.as_str()]);
    Grocery { weighed, replaced, replacement }
}

/// The demo catalog, open around the clock with plenty of SKU (and of the
/// grocery order's products), and the three stores set up for Kuper, one
/// per integration type.
fn setup(t: &TestDatabase) {
    let mut catalog = catalog::demo::generate(2_000);
    for store in &mut catalog.stores {
        store.opening_hours = "24/7".into();
    }
    let g = grocery(&catalog);
    let plenty = [SKU, g.weighed.as_str(), g.replaced.as_str(), g.replacement.as_str()];
    for offer in catalog.offers.iter_mut().filter(|o| plenty.contains(&o.sku.as_str())) {
        offer.stock = 1_000;
    }
    let batch = CatalogBatch::from(catalog);
    let mut conn = t.db.get().unwrap();
    DbCatalogRepo::write(&mut conn, &batch).unwrap();
    for (integration, store) in STORES {
        let integration = IntegrationType::parse(integration).unwrap();
        DbKuperInbox::set_store(&mut conn, store, integration, false, Some(30)).unwrap();
    }
}

pub(crate) struct World {
    pub(crate) t: TestDatabase,
    pub(crate) sim: RunningService,
    pub(crate) listener: RunningService,
    dir: tempfile::TempDir,
}

impl World {
    pub(crate) fn start(t: TestDatabase, sim_args: &[&str]) -> World {
        Self::start_with(t, sim_args, &[])
    }

    /// With `sim_args` for `kuper-sim serve` and `env` for the listener.
    pub(crate) fn start_with(t: TestDatabase, sim_args: &[&str], env: &[(&str, &str)]) -> World {
        setup(&t);
        let dir = tempfile::tempdir().unwrap();
        let mut args = vec!["serve", "--addr", "127.0.0.1:0", "--token-ttl-secs", "40", "--courier-ms", "50"];
        args.extend(sim_args);
        let sim = RunningService::start_with_args(&sim_bin(), dir.path(), &args, &[]);
        let listener = listener_with(&t, dir.path(), &sim, "127.0.0.1:0", env);
        let world = World { t, sim, listener, dir };
        world.point_sim_at_listener();
        world
    }

    fn point_sim_at_listener(&self) {
        let body = json!({"url": self.listener.base_url, "token": SECRET});
        let response =
            reqwest::blocking::Client::new().put(self.sim.url("/sim/listener")).json(&body).send().unwrap();
        assert!(response.status().is_success());
    }

    pub(crate) fn sim_get(&self, path: &str) -> Value {
        reqwest::blocking::get(self.sim.url(path)).unwrap().json().unwrap()
    }

    pub(crate) fn faults(&self, plan: &Value) {
        let response =
            reqwest::blocking::Client::new().post(self.sim.url("/sim/faults")).json(plan).send().unwrap();
        assert!(response.status().is_success());
    }

    pub(crate) fn sim_post(&self, path: &str, body: &Value) -> Value {
        let response = reqwest::blocking::Client::new().post(self.sim.url(path)).json(body).send().unwrap();
        assert!(response.status().is_success(), "{path}");
        response.json().unwrap()
    }

    /// The listener's operator API.
    pub(crate) fn operator(&self, method: reqwest::Method, path: &str, body: &Value) -> (u16, Value) {
        let response = reqwest::blocking::Client::new()
            .request(method, self.listener.url(path))
            .bearer_auth(OPERATOR)
            .json(body)
            .send()
            .unwrap();
        (response.status().as_u16(), response.json().unwrap_or(Value::Null))
    }

    pub(crate) fn act(&self, order: &str, action: &str, payload: &Value) {
        let path = format!("/operator/kuper/orders/{order}/{action}");
        let (status, answer) = self.operator(reqwest::Method::POST, &path, payload);
        assert_eq!(status, 200, "{action}: {answer}");
    }

    pub(crate) fn view(&self, order: &str) -> storage::KuperOrderView {
        DbKuperInbox::order(&mut self.t.db.get().unwrap(), order).unwrap().expect("the order")
    }

    /// What Kuper has accepted of `order`, in order.
    pub(crate) fn accepted(&self, order: &str) -> Value {
        self.sim_get(&format!("/sim/orders/{order}"))["accepted"].clone()
    }

    pub(crate) fn wait_until(&self, what: &str, done: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !done() {
            assert!(Instant::now() < deadline, "{}: {what}", self.t.db.backend());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `kuper-sim scenario` against the running pair, in the background.
    fn scenario(&self, timeout_secs: u64) -> std::process::Child {
        self.scenario_with(timeout_secs, None)
    }

    pub(crate) fn scenario_with(&self, timeout_secs: u64, grocery: Option<&Grocery>) -> std::process::Child {
        self.scenario_for(timeout_secs, grocery, &STORES)
    }

    /// An order of each `(integration, store)` all the way round.
    pub(crate) fn scenario_for(
        &self,
        timeout_secs: u64,
        grocery: Option<&Grocery>,
        stores: &[(&str, &str)],
    ) -> std::process::Child {
        let mut command = Command::new(sim_bin());
        command.args(["scenario", "--sim", &self.sim.base_url, "--operator", &self.listener.base_url]);
        command.args([
            "--operator-token",
            OPERATOR,
            "--sku",
            SKU,
            "--timeout-secs",
            &timeout_secs.to_string(),
        ]);
        for (integration, store) in stores {
            command.args(["--store", &format!("{integration}={store}")]);
        }
        if let Some(g) = grocery {
            command.args(["--grocery", &g.weighed, &g.replaced, &g.replacement]);
        }
        command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap()
    }

    /// The simulator's view of each order it created.
    pub(crate) fn orders(&self) -> Vec<Value> {
        let log = self.sim_get("/sim/log");
        let mut ids: Vec<String> =
            log.as_array().unwrap().iter().filter_map(|e| e["orderId"].as_str().map(str::to_owned)).collect();
        ids.sort();
        ids.dedup();
        ids.iter().map(|id| self.sim_get(&format!("/sim/orders/{id}"))).collect()
    }

    /// Every order went all the way round: each notification acknowledged
    /// once with 200 and in the flow's order, the composition as staff
    /// entered it, nothing refused, nothing left in the outbox.
    fn assert_all_delivered(&self, context: &str) {
        let backend = self.t.db.backend();
        let orders = self.orders();
        assert_eq!(orders.len(), 3, "{backend} {context}: {orders:?}");
        let log = self.sim_get("/sim/log");
        let mut acknowledged: HashMap<String, Vec<String>> = HashMap::new();
        for entry in log.as_array().unwrap().iter().filter(|e| e["status"] == 200) {
            let order = entry["orderId"].as_str().unwrap().to_owned();
            acknowledged.entry(order).or_default().push(entry["type"].as_str().unwrap().to_owned());
        }
        for order in &orders {
            let id = order["originalOrderId"].as_str().unwrap();
            assert_eq!(order["complete"], true, "{backend} {context}: {order}");
            assert_eq!(order["refused"], json!([]), "{backend} {context}: {order}");
            assert_eq!(
                json!(acknowledged[id]),
                order["accepted"],
                "{backend} {context}: acknowledged once each, in order"
            );
            assert_eq!(
                order["finalComposition"],
                json!({"originalOrderId": id, "positions": [{"id": SKU, "quantity": 2, "replacedByID": null}],
                       "packs": {"count": 1}}),
                "{backend} {context}: the composition staff entered"
            );
            let view = DbKuperInbox::order(&mut self.t.db.get().unwrap(), id).unwrap().unwrap();
            assert_eq!(view.status.as_str(), "delivered", "{backend} {context}: {id}");
        }
        let mut conn = self.t.db.get().unwrap();
        let sent = DbKuperOutbox::list(&mut conn, Some(OutboxState::Sent), 100).unwrap();
        assert_eq!(sent.len(), ROUND_NOTIFICATIONS, "{backend} {context}: {sent:?}");
        assert!(DbKuperOutbox::list(&mut conn, Some(OutboxState::Dead), 100).unwrap().is_empty());
    }
}

fn listener(t: &TestDatabase, dir: &Path, sim: &RunningService, addr: &str) -> RunningService {
    listener_with(t, dir, sim, addr, &[])
}

fn listener_with(
    t: &TestDatabase,
    dir: &Path,
    sim: &RunningService,
    addr: &str,
    extra: &[(&str, &str)],
) -> RunningService {
    let mut env = vec![
        ("MERCHANT_DATABASE_URL", t.raw_url.as_str()),
        ("MERCHANT_KUPER_LISTENER_ADDR", addr),
        ("MERCHANT_KUPER_WEBHOOK_SECRET", SECRET),
        ("MERCHANT_KUPER_LISTENER_OPERATOR_TOKEN", OPERATOR),
        ("MERCHANT_KUPER_BASE_URL", sim.base_url.as_str()),
        ("MERCHANT_KUPER_CLIENT_ID", "merchant"),
        ("MERCHANT_KUPER_CLIENT_SECRET", "kuper-secret"),
        ("MERCHANT_KUPER_DISPATCH_INTERVAL_MS", "100"),
        ("MERCHANT_KUPER_TIMEOUT_MS", "1000"),
        ("MERCHANT_KUPER_RETRY_SCHEDULE", "200ms,400ms,800ms,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s"),
    ];
    env.extend_from_slice(extra);
    RunningService::start(Path::new(BIN), dir, &env)
}

pub(crate) fn finish(child: std::process::Child, context: &str) {
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{context}: kuper-sim scenario failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn an_order_of_each_integration_type_goes_all_the_way_round() {
    for t in TestDatabase::each_backend_migrated() {
        let world = World::start(t, &[]);
        finish(world.scenario(30), "all the way round");
        world.assert_all_delivered("all the way round");
        assert!(!world.listener.output().contains("kuper-secret"), "the client secret stays out of the logs");
    }
}

/// The stock figures of `sku` in `store`: (held, sold since the shelf was
/// counted).
fn figures(t: &TestDatabase, store: &str, sku: &str) -> (String, String) {
    let offers = storage::DbStockLedger::offers(&mut t.db.get().unwrap(), store, Some(sku), 1).unwrap();
    (offers[0].held.clone(), offers[0].sold_after_report.clone())
}

#[test]
fn a_grocery_order_of_each_integration_type_is_picked_weighed_and_replaced_all_the_way_round() {
    for t in TestDatabase::each_backend_migrated() {
        let g = grocery(&catalog::demo::generate(2_000));
        let world = World::start(t, &[]);
        finish(world.scenario_with(30, Some(&g)), "grocery");
        let backend = world.t.db.backend();
        for order in world.orders() {
            let id = order["originalOrderId"].as_str().unwrap();
            assert_eq!(order["complete"], true, "{backend}: {order}");
            assert_eq!(order["refused"], json!([]), "{backend}: {order}");
            // What Kuper received, as KUPER-WIRE.md shows it.
            assert_eq!(
                order["finalComposition"],
                json!({"originalOrderId": id, "packs": {"count": 2}, "positions": [
                    {"id": SKU, "quantity": 2, "replacedByID": null},
                    {"id": g.weighed, "quantity": 1, "weight": 734, "replacedByID": null},
                    {"id": g.replaced, "quantity": 0, "replacedByID": g.replacement},
                    {"id": g.replacement, "quantity": 1, "replacedByID": null}]}),
                "{backend}"
            );
            let view = DbKuperInbox::order(&mut world.t.db.get().unwrap(), id).unwrap().unwrap();
            assert_eq!(view.status.as_str(), "delivered", "{backend}: {id}");
            let picked: Vec<(String, Option<String>, Option<String>)> = view
                .lines
                .iter()
                .map(|l| (l.position_id.clone(), l.picked.map(|p| p.to_string()), l.replaces.clone()))
                .collect();
            assert_eq!(
                picked,
                [
                    (SKU.to_owned(), Some("2".to_owned()), None),
                    (g.weighed.clone(), Some("0.734".to_owned()), None),
                    (g.replaced.clone(), Some("0".to_owned()), None),
                    (g.replacement.clone(), Some("1".to_owned()), Some(g.replaced.clone())),
                ],
                "{backend}: {id}"
            );
        }
        // After delivery the shelf has given exactly what was picked, and
        // nothing is held.
        for (_, store) in STORES {
            let expected = [
                (SKU, "2"),
                (g.weighed.as_str(), "0.734"),
                (g.replaced.as_str(), "0"),
                (g.replacement.as_str(), "1"),
            ];
            for (sku, sold) in expected {
                assert_eq!(
                    figures(&world.t, store, sku),
                    ("0".to_owned(), sold.to_owned()),
                    "{backend}: {store} {sku}"
                );
            }
        }
    }
}

#[test]
fn after_kuper_fails_every_call_for_a_while_every_notification_arrives_once_in_order() {
    for t in TestDatabase::each_backend_migrated() {
        let world = World::start(t, &[]);
        world.faults(
            &json!([{"kind": "unavailable", "seconds": 1.5}, {"kind": "rate_limited", "seconds": 1.5},
                             {"kind": "unauthorized", "seconds": 1.5}]),
        );
        finish(world.scenario(60), "outage");
        let statuses: Vec<u64> = world
            .sim_get("/sim/log")
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["status"].as_u64())
            .collect();
        for refused in [503, 429, 401] {
            assert!(statuses.contains(&refused), "{}: the outage played {refused}", world.t.db.backend());
        }
        world.assert_all_delivered("outage");
    }
}

#[test]
fn a_listener_killed_with_notifications_in_flight_loses_none() {
    for t in TestDatabase::each_backend_migrated() {
        let mut world = World::start(t, &["--slow-ms", "800"]);
        // Kuper answers slowly: the first notifications are in flight when
        // the listener dies.
        world.faults(&json!([{"kind": "slow", "seconds": 3}]));
        let scenario = world.scenario(60);
        let deadline = Instant::now() + Duration::from_secs(20);
        while DbKuperOutbox::list(&mut world.t.db.get().unwrap(), None, 100).unwrap().len()
            < ROUND_NOTIFICATIONS
        {
            assert!(Instant::now() < deadline, "staff actions did not all land");
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(300));
        let sent = DbKuperOutbox::list(&mut world.t.db.get().unwrap(), Some(OutboxState::Sent), 100).unwrap();
        assert!(sent.len() < ROUND_NOTIFICATIONS, "the kill must come while some are still on their way");
        let addr = world.listener.base_url.trim_start_matches("http://").to_owned();
        world.listener.kill();
        world.listener = listener(&world.t, world.dir.path(), &world.sim, &addr);
        finish(scenario, "crash");
        world.assert_all_delivered("crash");
    }
}

#[test]
fn a_dead_letter_stops_its_order_s_later_notifications_until_staff_retry_it() {
    for t in TestDatabase::each_backend_migrated() {
        let world = World::start(t, &[]);
        let backend = world.t.db.backend();
        let order = json!({"integration": "kuper_delivery", "store": "STORE-001",
                           "positions": [{"id": SKU, "quantity": 1}]});
        let created = world.sim_post("/sim/orders", &order);
        let id = created["originalOrderId"].as_str().unwrap().to_owned();
        world.sim_post(&format!("/sim/orders/{id}/events"), &json!({"event_type": "order.paid"}));
        world.act(&id, "in_work", &json!({}));
        world.wait_until("in_work reaches Kuper", || world.accepted(&id) == json!(["order.in_work"]));

        // Kuper refuses the next one (422): it is dead, not retried.
        world.faults(&json!([{"kind": "invalid", "seconds": 1.0}]));
        world.act(&id, "assembled", &json!({}));
        world.wait_until("assembled is dead", || {
            world.view(&id).notifications.iter().any(|n| n.kind == "order.assembled" && n.state == "dead")
        });
        std::thread::sleep(Duration::from_millis(1100));
        let ready = json!({"order": {"positions": [{"id": SKU, "quantity": 1}]}});
        world.act(&id, "ready_for_delivery", &ready);
        // Kuper would refuse ready_for_delivery before assembled: it waits.
        std::thread::sleep(Duration::from_millis(800));
        assert_eq!(world.accepted(&id), json!(["order.in_work"]), "{backend}");
        let view = world.view(&id);
        assert_eq!(view.status, KuperStatus::Ready, "{backend}: our side");
        assert_eq!(view.kuper_status, Some(KuperStatus::InWork), "{backend}: what Kuper has");
        assert_eq!(view.on_the_way(), ["order.ready_for_delivery"], "{backend}");
        // Raised to staff: the operator API and the metric.
        let (_, attention) = world.operator(reqwest::Method::GET, "/operator/kuper/attention", &json!({}));
        let dead: Vec<&Value> =
            attention.as_array().unwrap().iter().filter(|a| a["kind"] == "dead_letter").collect();
        assert_eq!(dead.len(), 1, "{backend}: {attention}");
        assert_eq!(dead[0]["kuperOrderId"], json!(id));
        let metrics = reqwest::blocking::get(world.listener.url("/metrics")).unwrap().text().unwrap();
        let gauge = metrics
            .lines()
            .find(|l| l.starts_with("merchant_kuper_attention{") && l.contains("kind=\"dead_letter\""))
            .unwrap_or_else(|| panic!("{backend}: no attention gauge in\n{metrics}"));
        assert!(gauge.ends_with(" 1"), "{backend}: {gauge}");

        // Staff retry the dead one: the sequence resumes, in order.
        let dead_id = view.notifications.iter().find(|n| n.state == "dead").unwrap().id;
        let path = format!("/operator/kuper/notifications/{dead_id}/retry");
        assert_eq!(world.operator(reqwest::Method::POST, &path, &json!({})).0, 200);
        assert_eq!(
            world.operator(reqwest::Method::POST, &path, &json!({})).0,
            404,
            "{backend}: not dead any more"
        );
        world.wait_until("the sequence resumes", || {
            world.accepted(&id) == json!(["order.in_work", "order.assembled", "order.ready_for_delivery"])
        });
        world.wait_until("Kuper has it all", || {
            let view = world.view(&id);
            view.kuper_status == Some(KuperStatus::Ready) && view.on_the_way().is_empty()
        });
        let refused = &world.sim_get(&format!("/sim/orders/{id}"))["refused"];
        assert_eq!(refused, &json!([]), "{backend}: nothing went out of sequence");
    }
}

/// Kuper's limit is per merchant: two listeners on one PostgreSQL take
/// their send slots from the database and together stay under it (each
/// pacing alone would send twice the rate and be refused).
#[test]
fn two_listeners_on_one_postgres_keep_under_kupers_rate_limit_together() {
    const ORDERS: usize = 40;
    let Some(t) = TestDatabase::postgres() else { return };
    t.migrate();
    let dir = tempfile::tempdir().unwrap();
    // Kuper's limit as the simulator plays it: 10 requests a second.
    let sim = RunningService::start_with_args(
        &sim_bin(),
        dir.path(),
        &["serve", "--addr", "127.0.0.1:0", "--rate-limit", "10", "--token-ttl-secs", "300"],
        &[],
    );
    let first = listener(&t, dir.path(), &sim, "127.0.0.1:0");
    let _second = listener(&t, dir.path(), &sim, "127.0.0.1:0");
    let body = json!({"url": first.base_url, "token": SECRET});
    assert!(
        reqwest::blocking::Client::new()
            .put(sim.url("/sim/listener"))
            .json(&body)
            .send()
            .unwrap()
            .status()
            .is_success()
    );
    // Orders for a store we do not have: each is taken canceled, its
    // order.canceled queued for Kuper.
    for n in 0..ORDERS {
        let order = json!({"integration": "kuper_delivery", "store": "NOWHERE", "originalOrderId": format!("R{n}"),
                           "positions": [{"id": "SKU-1", "quantity": 1}]});
        let response =
            reqwest::blocking::Client::new().post(sim.url("/sim/orders")).json(&order).send().unwrap();
        assert!(response.status().is_success());
    }
    let deadline = Instant::now() + Duration::from_mins(1);
    loop {
        let sent = DbKuperOutbox::list(&mut t.db.get().unwrap(), Some(OutboxState::Sent), 100).unwrap().len();
        if sent == ORDERS {
            break;
        }
        assert!(Instant::now() < deadline, "only {sent} of {ORDERS} notifications reached Kuper");
        std::thread::sleep(Duration::from_millis(100));
    }
    let stats: Value = reqwest::blocking::get(sim.url("/sim/stats")).unwrap().json().unwrap();
    assert!(stats["byStatus"].get("429").is_none(), "Kuper's limit was exceeded: {stats}");
    assert_eq!(stats["byStatus"]["200"], json!(ORDERS), "{stats}");
}
