//! Fixtures: the demo catalog with staff accounts, the console started on
//! a test database, a signed-in HTTP client, and a world with the real
//! `kuper-listener` and `kuper-sim` beside the console.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use app::testing::RunningService;
use identity::staff::{self, Role, StaffAccount};
use orders::kuper::flow::IntegrationType;
use serde_json::{Value, json};
use storage::testing::TestDatabase;
use storage::{CatalogBatch, DbCatalogRepo, DbKuperInbox, DbStaff};

pub const BIN: &str = env!("CARGO_BIN_EXE_merchant-console");
pub const PASSWORD: &str = "a long enough secret";
const WEBHOOK_SECRET: &str = "kuper-webhook-secret";

/// A grocery order's products, sold in STORE-001 and STORE-002: one by
/// weight, one the picker does not find, the one that replaces it, and one
/// ordered 3 of which 2 are found.
#[derive(Clone, Debug)]
pub struct Grocery {
    pub counted: String,
    pub weighed: String,
    pub replaced: String,
    pub replacement: String,
    /// The replacement's name, as the picker types it.
    pub replacement_name: String,
    /// What a scanner reads off the counted and the replacement products.
    pub counted_barcode: String,
    pub replacement_barcode: String,
}

/// The article the stores' scales print on the weighed product's label.
pub const WEIGHED_ARTICLE: &str = "00042";

/// A scale's label (the default 5+5 layout) for the weighed product.
pub fn weighed_label(grams: u32) -> String {
    ean13(&format!("21{WEIGHED_ARTICLE}{grams:05}"))
}

/// `body` (12 digits) with its check digit.
pub fn ean13(body: &str) -> String {
    let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
    format!("{body}{}", catalog::barcode::check_digit(&digits))
}

/// The demo catalog (open around the clock, plenty of the grocery order's
/// products), STORE-001 and STORE-002 set up for Kuper delivery, and three
/// accounts: `anna` (operator), `olga` (picker of STORE-001), `ivan`
/// (picker of STORE-002).
pub fn setup(t: &TestDatabase) -> Grocery {
    let mut catalog = catalog::demo::generate(2_000);
    for store in &mut catalog.stores {
        store.opening_hours = "24/7".into();
    }
    let stores = ["STORE-001", "STORE-002"];
    let everywhere = |sku: &domain::SkuId| {
        stores.iter().all(|s| catalog.offers.iter().any(|o| &o.sku == sku && o.store.as_str() == *s))
    };
    let pick = |weighed: bool, not: &[&str]| {
        catalog
            .products
            .iter()
            .filter(|p| (p.unit == domain::Unit::Kg) == weighed && !not.contains(&p.sku.as_str()))
            .find(|p| everywhere(&p.sku))
            .expect("the demo catalog sells such a product in both stores")
            .clone()
    };
    let counted = pick(false, &[]).sku.to_string();
    let weighed = pick(true, &[]).sku.to_string();
    let replaced = pick(false, &[&counted]).sku.to_string();
    let replacement = pick(false, &[&counted, &replaced]);
    let grocery = Grocery {
        counted,
        weighed,
        replaced,
        replacement: replacement.sku.to_string(),
        replacement_name: replacement.name.clone(),
        counted_barcode: String::new(),
        replacement_barcode: replacement.barcode.clone().expect("the demo gives every product a barcode"),
    };
    let mut grocery = grocery;
    grocery.counted_barcode = catalog
        .products
        .iter()
        .find(|p| p.sku.as_str() == grocery.counted)
        .and_then(|p| p.barcode.clone())
        .expect("the demo gives every product a barcode");
    // The weighed product's barcode is its scale label with no weight.
    for product in catalog.products.iter_mut().filter(|p| p.sku.as_str() == grocery.weighed) {
        product.barcode = Some(weighed_label(0));
    }
    let plenty = [&grocery.counted, &grocery.weighed, &grocery.replaced, &grocery.replacement];
    for offer in catalog.offers.iter_mut().filter(|o| plenty.iter().any(|s| o.sku.as_str() == s.as_str())) {
        offer.stock = 1_000;
    }
    let mut conn = t.db.get().unwrap();
    DbCatalogRepo::write(&mut conn, &CatalogBatch::from(catalog)).unwrap();
    for store in stores {
        DbKuperInbox::set_store(&mut conn, store, IntegrationType::KuperDelivery, false, Some(30)).unwrap();
    }
    let hash = staff::hash_password(PASSWORD).unwrap();
    for (login, role, stores) in [
        ("anna", Role::Operator, vec![]),
        ("olga", Role::Picker, vec!["STORE-001".to_owned()]),
        ("ivan", Role::Picker, vec!["STORE-002".to_owned()]),
    ] {
        let account = StaffAccount { login: login.into(), name: login.into(), role, stores, disabled: false };
        assert!(DbStaff::create(&mut conn, &account, &hash, chrono::Utc::now()).unwrap());
    }
    grocery
}

/// A Kuper order received straight into the inbox (no Kuper to notify).
pub fn kuper_order(t: &TestDatabase, original: &str, store: &str, sku: &str) {
    use orders::kuper::{EventNews, KuperInbox, NewKuperOrder, NewLine, ReceivedEvent};
    let event = ReceivedEvent {
        key: format!("k-{original}"),
        event_type: "order.created".into(),
        original_order_id: original.into(),
        body: "{}".into(),
        received_at: chrono::Utc::now(),
        new_order: Some(NewKuperOrder::of(store, vec![NewLine::of(sku, domain::Decimal::ONE)])),
        news: EventNews::Nothing,
    };
    let inbox = DbKuperInbox::new(t.db.clone());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(inbox.receive(&event)).unwrap();
}

pub fn start(t: &TestDatabase, dir: &Path) -> RunningService {
    RunningService::start(
        Path::new(BIN),
        dir,
        &[
            ("MERCHANT_DATABASE_URL", &t.raw_url),
            ("MERCHANT_CONSOLE_ADDR", "127.0.0.1:0"),
            ("MERCHANT_CATALOG_INDEX_REFRESH_MS", "200"),
        ],
    )
}

pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The CSRF token of the page's first form.
pub fn csrf(page: &str) -> String {
    let at = page.find(r#"name="csrf" value=""#).expect("a form with its CSRF token")
        + r#"name="csrf" value=""#.len();
    page[at..].split('"').next().unwrap().to_owned()
}

pub fn sign_in(
    service: &RunningService,
    http: &reqwest::blocking::Client,
    login: &str,
    password: &str,
) -> reqwest::blocking::Response {
    let page = http.get(service.url("/login")).send().unwrap().text().unwrap();
    let form = [("login", login), ("password", password), ("csrf", &csrf(&page))];
    http.post(service.url("/login")).form(&form).send().unwrap()
}

/// A client signed in as `login`.
pub fn signed_in(service: &RunningService, login: &str) -> reqwest::blocking::Client {
    let http = client();
    assert_eq!(sign_in(service, &http, login, PASSWORD).status(), 303, "{login} signs in");
    http
}

fn sibling(name: &str) -> PathBuf {
    app::testing::sibling_binary(BIN, name)
}

/// The console beside the real `kuper-listener` (webhooks in, the outbox
/// dispatched) and the real `kuper-sim` playing Kuper, on one database.
pub struct KuperWorld {
    pub sim: RunningService,
    _listener: RunningService,
    pub console: RunningService,
    _dir: tempfile::TempDir,
}

impl KuperWorld {
    pub fn start(t: &TestDatabase) -> KuperWorld {
        let dir = tempfile::tempdir().unwrap();
        let args = ["serve", "--addr", "127.0.0.1:0", "--courier-ms", "50"];
        let sim = RunningService::start_with_args(&sibling("kuper-sim"), dir.path(), &args, &[]);
        let listener = RunningService::start(
            &sibling("kuper-listener"),
            dir.path(),
            &[
                ("MERCHANT_DATABASE_URL", &t.raw_url),
                ("MERCHANT_KUPER_LISTENER_ADDR", "127.0.0.1:0"),
                ("MERCHANT_KUPER_WEBHOOK_SECRET", WEBHOOK_SECRET),
                ("MERCHANT_KUPER_BASE_URL", &sim.base_url),
                ("MERCHANT_KUPER_CLIENT_ID", "merchant"),
                ("MERCHANT_KUPER_CLIENT_SECRET", "kuper-secret"),
                ("MERCHANT_KUPER_DISPATCH_INTERVAL_MS", "100"),
                ("MERCHANT_KUPER_TIMEOUT_MS", "1000"),
                ("MERCHANT_KUPER_RETRY_SCHEDULE", "200ms,400ms,800ms,1s"),
            ],
        );
        let console = start(t, dir.path());
        let body = json!({"url": listener.base_url, "token": WEBHOOK_SECRET});
        let pointed =
            reqwest::blocking::Client::new().put(sim.url("/sim/listener")).json(&body).send().unwrap();
        assert!(pointed.status().is_success());
        KuperWorld { sim, _listener: listener, console, _dir: dir }
    }

    pub fn sim_post(&self, path: &str, body: &Value) -> Value {
        let response = reqwest::blocking::Client::new().post(self.sim.url(path)).json(body).send().unwrap();
        assert!(response.status().is_success(), "{path}");
        response.json().unwrap()
    }

    pub fn sim_order(&self, id: &str) -> Value {
        reqwest::blocking::get(self.sim.url(&format!("/sim/orders/{id}"))).unwrap().json().unwrap()
    }

    /// Kuper creates an order at `store`; its `originalOrderId`.
    pub fn order(&self, store: &str, positions: &Value) -> String {
        let body = json!({"integration": "kuper_delivery", "store": store, "positions": positions});
        let created = self.sim_post("/sim/orders", &body);
        assert_eq!(created["reply"]["status"], "created", "{created}");
        created["originalOrderId"].as_str().unwrap().to_owned()
    }

    pub fn faults(&self, plan: &Value) {
        let response =
            reqwest::blocking::Client::new().post(self.sim.url("/sim/faults")).json(plan).send().unwrap();
        assert!(response.status().is_success());
    }

    /// Ends every fault now.
    pub fn clear_faults(&self) {
        let cleared = reqwest::blocking::Client::new().delete(self.sim.url("/sim/faults")).send().unwrap();
        assert!(cleared.status().is_success());
    }

    pub fn wait_until(what: &str, done: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !done() {
            assert!(Instant::now() < deadline, "{what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
