//! The staff console through the real binary on both backends: sign-in
//! with its CSRF token, the lock-out, a picker who sees only their store's
//! orders (another store's order is a 403), a form without its token
//! refused, sign-out; and a sign-in in a real headless Chromium.

use std::path::Path;
use std::time::Duration;

use app::testing::RunningService;
use app::testing::browser::Browser;
use identity::staff::{self, Role, StaffAccount};
use orders::kuper::flow::IntegrationType;
use orders::kuper::{EventNews, KuperInbox, NewKuperOrder, NewLine, ReceivedEvent};
use storage::testing::TestDatabase;
use storage::{CatalogBatch, DbCatalogRepo, DbKuperInbox, DbStaff};

const BIN: &str = env!("CARGO_BIN_EXE_merchant-console");
const PASSWORD: &str = "a long enough secret";

/// Two stores' Kuper orders (H-1 at STORE-001, H-2 at STORE-002) and two
/// accounts: an operator and a picker of STORE-001.
fn setup(t: &TestDatabase) {
    let mut catalog = catalog::demo::generate(500);
    for store in &mut catalog.stores {
        store.opening_hours = "24/7".into();
    }
    let sku = catalog.products[0].sku.to_string();
    let mut conn = t.db.get().unwrap();
    DbCatalogRepo::write(&mut conn, &CatalogBatch::from(catalog)).unwrap();
    for store in ["STORE-001", "STORE-002"] {
        DbKuperInbox::set_store(&mut conn, store, IntegrationType::KuperDelivery, false, None).unwrap();
    }
    let inbox = DbKuperInbox::new(t.db.clone());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    for (original, store) in [("H-1", "STORE-001"), ("H-2", "STORE-002")] {
        let event = ReceivedEvent {
            key: format!("k-{original}"),
            event_type: "order.created".into(),
            original_order_id: original.into(),
            body: "{}".into(),
            received_at: chrono::Utc::now(),
            new_order: Some(NewKuperOrder::of(store, vec![NewLine::of(&sku, domain::Decimal::ONE)])),
            news: EventNews::Nothing,
        };
        runtime.block_on(inbox.receive(&event)).unwrap();
    }
    let hash = staff::hash_password(PASSWORD).unwrap();
    for (login, role, stores) in
        [("anna", Role::Operator, vec![]), ("olga", Role::Picker, vec!["STORE-001".to_owned()])]
    {
        let account = StaffAccount { login: login.into(), name: login.into(), role, stores, disabled: false };
        assert!(DbStaff::create(&mut conn, &account, &hash, chrono::Utc::now()).unwrap());
    }
}

fn start(t: &TestDatabase, dir: &Path) -> RunningService {
    RunningService::start(
        Path::new(BIN),
        dir,
        &[("MERCHANT_DATABASE_URL", &t.raw_url), ("MERCHANT_CONSOLE_ADDR", "127.0.0.1:0")],
    )
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The CSRF token of the page's first form.
fn csrf(page: &str) -> String {
    let at = page.find(r#"name="csrf" value=""#).expect("a form with its CSRF token")
        + r#"name="csrf" value=""#.len();
    page[at..].split('"').next().unwrap().to_owned()
}

fn sign_in(
    service: &RunningService,
    http: &reqwest::blocking::Client,
    login: &str,
    password: &str,
) -> reqwest::blocking::Response {
    let page = http.get(service.url("/login")).send().unwrap().text().unwrap();
    let form = [("login", login), ("password", password), ("csrf", &csrf(&page))];
    http.post(service.url("/login")).form(&form).send().unwrap()
}

#[test]
fn staff_sign_in_and_see_only_what_their_role_allows() {
    for t in TestDatabase::each_backend_migrated() {
        setup(&t);
        let backend = t.db.backend();
        let dir = tempfile::tempdir().unwrap();
        let service = start(&t, dir.path());
        let http = client();

        // Nothing without signing in.
        let queue = http.get(service.url("/")).send().unwrap();
        assert_eq!(queue.status(), 303, "{backend}");
        assert_eq!(queue.headers()["location"], "/login");
        // A form without its token is refused.
        let forged = http
            .post(service.url("/login"))
            .form(&[("login", "olga"), ("password", PASSWORD)])
            .send()
            .unwrap();
        assert_eq!(forged.status(), 403, "{backend}");
        // A wrong password: a message beside the form, nothing else.
        let wrong = sign_in(&service, &http, "olga", "not the password");
        assert_eq!(wrong.status(), 400);
        assert!(wrong.text().unwrap().contains("Неверный логин или пароль"));

        // The picker of STORE-001.
        assert_eq!(sign_in(&service, &http, "olga", PASSWORD).status(), 303, "{backend}");
        let queue = http.get(service.url("/")).send().unwrap().text().unwrap();
        assert!(queue.contains("H-1") && !queue.contains("H-2"), "{backend}: {queue}");
        let own = http.get(service.url("/orders/kuper/H-1")).send().unwrap();
        assert_eq!(own.status(), 200);
        let own = own.text().unwrap();
        assert!(own.contains("order.created") && own.contains("STORE-001"), "{own}");
        assert_eq!(http.get(service.url("/orders/kuper/H-2")).send().unwrap().status(), 403, "{backend}");
        assert_eq!(http.get(service.url("/orders/kuper/NOPE")).send().unwrap().status(), 404);
        // Sign-out needs the session's token too.
        assert_eq!(
            http.post(service.url("/logout")).form(&[("csrf", "forged")]).send().unwrap().status(),
            403
        );
        let token = csrf(&queue);
        assert_eq!(
            http.post(service.url("/logout")).form(&[("csrf", token.as_str())]).send().unwrap().status(),
            303
        );
        assert_eq!(http.get(service.url("/")).send().unwrap().status(), 303, "{backend}: signed out");

        // The operator sees every store.
        let anna = client();
        assert_eq!(sign_in(&service, &anna, "anna", PASSWORD).status(), 303);
        let queue = anna.get(service.url("/")).send().unwrap().text().unwrap();
        assert!(queue.contains("H-1") && queue.contains("H-2"), "{backend}");

        // Five wrong passwords in a row lock the account.
        let guesser = client();
        for _ in 0..4 {
            assert_eq!(sign_in(&service, &guesser, "anna", "guess guess guess").status(), 400);
        }
        let locked = sign_in(&service, &guesser, "anna", "guess guess guess");
        assert_eq!(locked.status(), 429, "{backend}");
        assert_eq!(sign_in(&service, &guesser, "anna", PASSWORD).status(), 429, "even the right one waits");
        assert!(!service.output().contains(PASSWORD), "no password in the logs");
    }
}

#[test]
fn a_picker_signs_in_in_a_real_browser_and_sees_the_queue() {
    let Some(browser) = Browser::start() else { return };
    let t = TestDatabase::sqlite();
    t.migrate();
    setup(&t);
    let dir = tempfile::tempdir().unwrap();
    let service = start(&t, dir.path());
    browser.open(&service.url("/"));
    browser.wait_for("input[name=login]", Duration::from_secs(10));
    browser.fill("input[name=login]", "olga");
    browser.fill("input[name=password]", PASSWORD);
    browser.click("button[type=submit]");
    browser.wait_for("table#queue", Duration::from_secs(10));
    let queue = browser.text("table#queue");
    assert!(queue.contains("H-1") && !queue.contains("H-2"), "{queue}");
    browser.click("a[href='/orders/kuper/H-1']");
    browser.wait_for("table#lines", Duration::from_secs(10));
    assert!(browser.text("#status").contains("created"));
}

#[test]
fn staff_pick_a_kuper_order_step_by_step_and_the_page_says_what_was_refused() {
    for t in TestDatabase::each_backend_migrated() {
        setup(&t);
        let backend = t.db.backend();
        let dir = tempfile::tempdir().unwrap();
        let service = start(&t, dir.path());
        let http = client();
        assert_eq!(sign_in(&service, &http, "olga", PASSWORD).status(), 303);
        let page = || http.get(service.url("/orders/kuper/H-1")).send().unwrap().text().unwrap();
        let step = |fields: &[(&str, &str)]| {
            let mut form: Vec<(&str, String)> = vec![("csrf", csrf(&page()))];
            form.extend(fields.iter().map(|(k, v)| (*k, (*v).to_owned())));
            http.post(service.url("/orders/kuper/H-1/step")).form(&form).send().unwrap()
        };
        // Out of turn: the flow's reason beside the form, nothing queued.
        let early = step(&[("action", "ready_for_delivery"), ("qty_0", "1")]);
        assert_eq!(early.status(), 409, "{backend}");
        assert!(early.text().unwrap().contains("step-error"));
        assert_eq!(step(&[("action", "in_work")]).status(), 303, "{backend}");
        assert_eq!(step(&[("action", "assembled")]).status(), 303);
        // Bad input is named and changes nothing.
        let bad = step(&[("action", "ready_for_delivery"), ("qty_0", "много")]);
        assert_eq!(bad.status(), 422);
        assert!(bad.text().unwrap().contains("целое число"));
        let over = step(&[("action", "ready_for_delivery"), ("qty_0", "5")]);
        assert_eq!(over.status(), 422, "{backend}: more than ordered");
        assert_eq!(step(&[("action", "ready_for_delivery"), ("qty_0", "1"), ("packs", "2")]).status(), 303);
        // A form without the session's token is refused.
        let forged =
            http.post(service.url("/orders/kuper/H-1/step")).form(&[("action", "canceled")]).send().unwrap();
        assert_eq!(forged.status(), 403);

        let view = DbKuperInbox::order(&mut t.db.get().unwrap(), "H-1").unwrap().unwrap();
        let queued: Vec<&str> = view.notifications.iter().map(|n| n.kind.as_str()).collect();
        assert_eq!(queued, ["order.in_work", "order.assembled", "order.ready_for_delivery"], "{backend}");
        assert_eq!(view.lines[0].picked.map(|p| p.to_string()), Some("1".into()));
        let shown = page();
        assert!(shown.contains("olga: order.ready_for_delivery"), "the audit trail: {shown}");
        // The other store's order is not the picker's to step.
        let theirs = http
            .post(service.url("/orders/kuper/H-2/step"))
            .form(&[("csrf", csrf(&shown).as_str()), ("action", "in_work")])
            .send()
            .unwrap();
        assert_eq!(theirs.status(), 403, "{backend}");
    }
}
