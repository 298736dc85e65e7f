//! The console over HTTP on both backends: sign-in with its CSRF token,
//! the sign-in throttle per login and address, a picker who sees only their store's orders (another
//! store's order is a 403), a form without its token refused, sign-out;
//! picking step by step; MCP orders; the outbox; the catalog; bad input
//! everywhere answered beside its field, never with a 500.

use std::path::Path;

use app::testing::RunningService;
use storage::DbKuperInbox;
use storage::testing::TestDatabase;

use crate::common::{PASSWORD, client, csrf, kuper_order, setup, sign_in, signed_in, start};

/// The demo fixtures and two Kuper orders: H-1 at STORE-001, H-2 at
/// STORE-002.
fn two_orders(t: &TestDatabase) -> crate::common::Grocery {
    let g = setup(t);
    kuper_order(t, "H-1", "STORE-001", &g.counted);
    kuper_order(t, "H-2", "STORE-002", &g.counted);
    g
}

fn started(t: &TestDatabase, dir: &Path) -> RunningService {
    two_orders(t);
    start(t, dir)
}

#[test]
fn staff_sign_in_and_see_only_what_their_role_allows() {
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        let dir = tempfile::tempdir().unwrap();
        let service = started(&t, dir.path());
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

        assert!(!service.output().contains(PASSWORD), "no password in the logs");
    }
}

/// A sign-in from `address` (the test is the trusted balancer): the status
/// and the error the form shows.
fn sign_in_from(service: &RunningService, address: &str, login: &str, password: &str) -> (u16, String) {
    let http = client();
    let page = http.get(service.url("/login")).send().unwrap().text().unwrap();
    let form = [("login", login), ("password", password), ("csrf", &csrf(&page))];
    let response =
        http.post(service.url("/login")).header("X-Forwarded-For", address).form(&form).send().unwrap();
    let status = response.status().as_u16();
    let body = response.text().unwrap();
    let error =
        body.split(r#"id="login-error" role="alert">"#).nth(1).and_then(|rest| rest.split('<').next());
    let error = error.unwrap_or_default();
    (status, error.to_owned())
}

/// Guessing is throttled per (login, address) and per address, never per
/// account: a guesser cannot lock staff out, and an unknown login, a wrong
/// password, a disabled account and a throttled caller read the same.
#[test]
fn sign_in_is_throttled_per_login_and_address_and_every_refusal_reads_the_same() {
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        two_orders(&t);
        let dir = tempfile::tempdir().unwrap();
        let service = RunningService::start(
            Path::new(crate::common::BIN),
            dir.path(),
            &[
                ("MERCHANT_DATABASE_URL", &t.raw_url),
                ("MERCHANT_CONSOLE_ADDR", "127.0.0.1:0"),
                ("MERCHANT_HTTP_TRUSTED_PROXIES", "127.0.0.1"),
            ],
        );
        let guesser = "203.0.113.7";
        let (status, wrong) = sign_in_from(&service, guesser, "anna", "guess guess guess");
        assert_eq!(status, 400, "{backend}");
        assert!(wrong.contains("Неверный логин или пароль"), "{wrong}");
        let (status, unknown) = sign_in_from(&service, guesser, "nobody-here", "guess guess guess");
        assert_eq!((status, &unknown), (400, &wrong), "an unknown login reads as a wrong password");
        for _ in 0..4 {
            assert_eq!(sign_in_from(&service, guesser, "anna", "guess guess guess").0, 400);
        }
        // Five failures for anna from this address: even her password is
        // refused from here, in the same words.
        let throttled = sign_in_from(&service, guesser, "anna", PASSWORD);
        assert_eq!(throttled, (400, wrong.clone()), "{backend}: throttled reads the same");
        // Anna herself, from her own address, is not locked out.
        assert_eq!(sign_in_from(&service, "198.51.100.20", "anna", PASSWORD).0, 303, "{backend}");

        // Spraying logins from one address: throttled as a whole.
        let sprayer = "203.0.113.99";
        for n in 0..30 {
            assert_eq!(sign_in_from(&service, sprayer, &format!("guess-{n}"), "guess guess guess").0, 400);
        }
        assert_eq!(sign_in_from(&service, sprayer, "olga", PASSWORD), (400, wrong.clone()));
        assert_eq!(sign_in_from(&service, "198.51.100.21", "olga", PASSWORD).0, 303);

        // A disabled account reads the same too.
        storage::DbStaff::set_disabled(&mut t.db.get().unwrap(), "ivan", true).unwrap();
        assert_eq!(sign_in_from(&service, "198.51.100.22", "ivan", PASSWORD), (400, wrong.clone()));
        assert!(!service.output().contains(PASSWORD), "no password in the logs");
    }
}

#[test]
fn staff_pick_a_kuper_order_step_by_step_and_the_page_says_what_was_refused() {
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        let dir = tempfile::tempdir().unwrap();
        let service = started(&t, dir.path());
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

/// A paid pickup order an AI agent placed at S1.
fn mcp_order(t: &TestDatabase) -> String {
    use std::sync::Arc;
    t.one_store(&[("MILK", 10)]);
    let ordering = t.ordering(Arc::new(domain::SystemClock), 5);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let order = TestDatabase::pickup_checkout(&ordering, domain::Decimal::TWO, "rq-1").await.unwrap();
        // Paid by SBP, with a receipt sent to the buyer's phone.
        let receipt = payments::receipt::Receipt {
            customer: payments::receipt::Contact::Phone("79161234567".into()),
            items: Vec::new(),
        };
        let now = chrono::Utc::now();
        let payment = payments::Payment {
            id: "sbx_paid".into(),
            gateway: "sandbox".into(),
            order_id: order.id.clone(),
            method: payments::PaymentMethod::Sbp,
            amount: order.total,
            status: payments::PaymentStatus::Succeeded,
            confirmation_url: None,
            details: serde_json::Value::Null,
            return_url: "https://back.example/".into(),
            idempotence_key: format!("{}:1", order.id),
            receipt: Some(receipt),
            created_at: now,
            updated_at: now,
        };
        payments::PaymentRepo::insert(&storage::DbPaymentRepo::new(t.db.clone()), &payment).await.unwrap();
        ordering.advance(&order.id, orders::Action::Pay).await.unwrap();
        order.id.to_string()
    })
}

/// Posts a step form with the page's CSRF token.
fn step(
    service: &RunningService,
    http: &reqwest::blocking::Client,
    page: &str,
    action: &str,
) -> reqwest::blocking::Response {
    let token = csrf(&http.get(service.url(page)).send().unwrap().text().unwrap());
    let form = [("csrf", token.as_str()), ("action", action)];
    http.post(service.url(&format!("{page}/step"))).form(&form).send().unwrap()
}

#[test]
fn staff_step_an_mcp_order_through_what_its_state_machine_allows() {
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        setup(&t);
        let id = mcp_order(&t);
        let dir = tempfile::tempdir().unwrap();
        let service = start(&t, dir.path());
        let anna = signed_in(&service, "anna");
        let page_path = format!("/orders/mcp/{id}");
        let page = anna.get(service.url(&page_path)).send().unwrap().text().unwrap();
        assert!(page.contains("MILK") && page.contains("оплачен"), "{backend}: {page}");
        assert!(
            page.contains("СБП") && page.contains("отправлен: +79161234567"),
            "method and receipt: {page}"
        );
        // Only the steps the state machine allows a paid pickup order.
        assert!(page.contains(r#"value="process""#) && page.contains(r#"value="cancel""#), "{page}");
        assert!(!page.contains(r#"value="deliver""#) && !page.contains(r#"value="complete""#), "{page}");
        // In the queue, linked.
        let queue = anna.get(service.url("/?channel=mcp")).send().unwrap().text().unwrap();
        assert!(queue.contains(&page_path) && !queue.contains("H-1"), "{backend}");

        let illegal = step(&service, &anna, &page_path, "deliver");
        assert_eq!(illegal.status(), 409, "{backend}");
        assert!(illegal.text().unwrap().contains("step-error"));
        assert_eq!(step(&service, &anna, &page_path, "teleport").status(), 422);
        assert_eq!(step(&service, &anna, &page_path, "pay").status(), 422, "payment is not a staff step");
        for action in ["process", "ready_for_pickup", "complete"] {
            assert_eq!(step(&service, &anna, &page_path, action).status(), 303, "{backend}: {action}");
        }
        let done = anna.get(service.url(&page_path)).send().unwrap().text().unwrap();
        assert!(done.contains(r#"data-status="completed""#), "{backend}");
        assert!(done.contains("anna: process") && done.contains("anna: complete"), "the audit trail");
        assert!(!done.contains("form class=\"steps\""), "a closed order has no steps");

        // Another store's picker: 403 to read and to step.
        let ivan = signed_in(&service, "ivan");
        assert_eq!(ivan.get(service.url(&page_path)).send().unwrap().status(), 403, "{backend}");
        let token = csrf(&ivan.get(service.url("/")).send().unwrap().text().unwrap());
        let theirs = ivan
            .post(service.url(&format!("{page_path}/step")))
            .form(&[("csrf", token.as_str()), ("action", "cancel")])
            .send()
            .unwrap();
        assert_eq!(theirs.status(), 403, "{backend}");
        assert_eq!(anna.get(service.url("/orders/mcp/no-such-order")).send().unwrap().status(), 404);
    }
}

#[test]
fn the_outbox_and_the_catalog_are_what_staff_may_see_and_say_what_is_wrong() {
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        let g = two_orders(&t);
        let dir = tempfile::tempdir().unwrap();
        let service = start(&t, dir.path());
        let anna = signed_in(&service, "anna");
        let olga = signed_in(&service, "olga");

        // A notification Kuper refused for good: dead, then discarded.
        assert_eq!(step(&service, &anna, "/orders/kuper/H-1", "in_work").status(), 303);
        let view = DbKuperInbox::order(&mut t.db.get().unwrap(), "H-1").unwrap().unwrap();
        let dead = view.notifications[0].id;
        storage::DbKuperOutbox::dead(&mut t.db.get().unwrap(), dead, "422 invalid payload").unwrap();
        let outbox = anna.get(service.url("/outbox")).send().unwrap().text().unwrap();
        assert!(outbox.contains("422 invalid payload") && outbox.contains("/orders/kuper/H-1"), "{backend}");
        assert_eq!(olga.get(service.url("/outbox")).send().unwrap().status(), 403, "pickers do not resolve");
        let token = csrf(&outbox);
        let act = |path: &str, action: &str| {
            anna.post(service.url(path)).form(&[("csrf", token.as_str()), ("action", action)]).send().unwrap()
        };
        assert_eq!(act(&format!("/outbox/{dead}"), "shred").status(), 422);
        assert_eq!(act("/outbox/not-a-number", "retry").status(), 404);
        assert_eq!(act("/outbox/999999", "retry").status(), 409, "{backend}: no such dead letter");
        assert_eq!(act(&format!("/outbox/{dead}"), "discard").status(), 303, "{backend}");
        assert_eq!(act(&format!("/outbox/{dead}"), "discard").status(), 409, "once");
        let forged =
            anna.post(service.url(&format!("/outbox/{dead}"))).form(&[("action", "retry")]).send().unwrap();
        assert_eq!(forged.status(), 403);

        // The catalog: the imports on record, and a product in every store
        // that sells it.
        let refused = catalog::reports::ImportRecord {
            at: chrono::Utc::now(),
            source: "/feeds/evening.yml".into(),
            kind: "yml".into(),
            outcome: "refused".into(),
            report: serde_json::json!({"error": "line 7: unexpected end of file"}),
        };
        storage::DbCatalogImports::record(&mut t.db.get().unwrap(), &refused).unwrap();
        let catalog = anna.get(service.url("/catalog")).send().unwrap();
        assert_eq!(catalog.headers()["cache-control"], "no-store", "pages are never kept");
        let catalog = catalog.text().unwrap();
        assert!(catalog.contains("/feeds/evening.yml") && catalog.contains("line 7: unexpected end of file"));
        let product = anna.get(service.url(&format!("/catalog?sku={}", g.counted))).send().unwrap();
        let product = product.text().unwrap();
        assert!(product.contains("STORE-001") && product.contains("STORE-002"), "{backend}");
        // A picker sees their own store only, and no merchant-wide feed.
        let catalog = olga.get(service.url("/catalog")).send().unwrap().text().unwrap();
        assert!(!catalog.contains("/feeds/evening.yml"), "{backend}: {catalog}");
        let product = olga.get(service.url(&format!("/catalog?sku={}", g.counted))).send().unwrap();
        assert_eq!(product.status(), 200, "{backend}");
        let product = product.text().unwrap();
        assert!(product.contains("STORE-001") && !product.contains("STORE-002"), "{backend}: {product}");
        let unknown = olga.get(service.url("/catalog?sku=NO-SUCH-SKU")).send().unwrap();
        assert_eq!(unknown.status(), 404);
        assert!(unknown.text().unwrap().contains("sku-error"));
        let malformed = olga.get(service.url(&format!("/catalog?sku={}", "x".repeat(200)))).send().unwrap();
        assert_eq!(malformed.status(), 400);
        assert!(malformed.text().unwrap().contains("sku-error"));
    }
}

/// Hostile and malformed input to every page and form: an answer that
/// says what is wrong, never a 500, and nothing changed.
#[test]
fn no_page_answers_500_to_any_input_tried() {
    let t = TestDatabase::sqlite();
    t.migrate();
    two_orders(&t);
    let dir = tempfile::tempdir().unwrap();
    let service = start(&t, dir.path());
    let anna = signed_in(&service, "anna");
    let token = csrf(&anna.get(service.url("/")).send().unwrap().text().unwrap());

    let filters = anna.get(service.url("/?status=teleported&channel=pigeon")).send().unwrap();
    assert_eq!(filters.status(), 400);
    assert!(filters.text().unwrap().contains("channel-error"));
    let status = anna.get(service.url("/?status=teleported")).send().unwrap();
    assert_eq!(status.status(), 400);
    assert!(status.text().unwrap().contains("status-error"));

    let long = "x".repeat(20_000);
    let gets = [
        "/?store=%00%FF&status=&channel=",
        "/?store=' OR 1=1 --",
        "/orders/kuper/%FF%FE",
        "/orders/kuper/..%2F..%2Fetc%2Fpasswd",
        "/orders/mcp/%00",
        "/orders/mcp/<script>",
        "/catalog?sku=%FF",
        "/stores/STORE-001/products?q=%FF%FE",
        "/stores/STORE-001/products?q=a",
        "/stores/NOWHERE/products?q=молоко",
        "/queue/events?channel=pigeon",
        "/assets/../../Cargo.toml",
    ];
    let mut answers = Vec::new();
    for path in gets {
        answers.push((path.to_owned(), anna.get(service.url(path)).send().unwrap().status().as_u16()));
    }
    answers.push((
        "long".into(),
        anna.get(service.url(&format!("/?store={long}"))).send().unwrap().status().as_u16(),
    ));
    let posts: [(&str, Vec<(&str, String)>); 7] = [
        (
            "/orders/kuper/H-1/step",
            vec![("csrf", token.clone()), ("action", "ready_for_delivery".into()), ("qty_0", "-1".into())],
        ),
        (
            "/orders/kuper/H-1/step",
            vec![
                ("csrf", token.clone()),
                ("action", "ready_for_delivery".into()),
                ("qty_0", "99999999999999999999".into()),
            ],
        ),
        ("/orders/kuper/H-1/step", vec![("csrf", token.clone()), ("action", String::new())]),
        ("/orders/kuper/NOPE/step", vec![("csrf", token.clone()), ("action", "in_work".into())]),
        ("/orders/mcp/NOPE/step", vec![("csrf", token.clone()), ("action", "process".into())]),
        ("/outbox/-1", vec![("csrf", token.clone()), ("action", "retry".into())]),
        ("/login", vec![("login", long.clone()), ("password", long.clone())]),
    ];
    for (path, form) in posts {
        answers.push((
            path.to_owned(),
            anna.post(service.url(path)).form(&form).send().unwrap().status().as_u16(),
        ));
    }
    // Not a form at all, and a form far too large.
    let json = anna
        .post(service.url("/orders/kuper/H-1/step"))
        .json(&serde_json::json!({"action": "in_work"}))
        .send()
        .unwrap();
    answers.push(("json body".into(), json.status().as_u16()));
    let huge = anna
        .post(service.url("/orders/kuper/H-1/step"))
        .form(&[("csrf", token.as_str()), ("reason", long.as_str()), ("x", long.as_str())])
        .send()
        .unwrap();
    answers.push(("huge form".into(), huge.status().as_u16()));
    for (what, status) in &answers {
        assert!(*status < 500, "{what}: {status}");
    }
    // Nothing moved.
    let view = DbKuperInbox::order(&mut t.db.get().unwrap(), "H-1").unwrap().unwrap();
    assert_eq!(view.status.as_str(), "created");
    assert!(view.notifications.is_empty());
}

/// The live queue's stream is open while its session is, and ends within
/// seconds of it: signing out (on another tab) closes the page's stream.
#[test]
fn the_live_queue_ends_with_its_session() {
    use std::io::Read;
    use std::time::Duration;

    let t = TestDatabase::sqlite();
    t.migrate();
    let dir = tempfile::tempdir().unwrap();
    let service = started(&t, dir.path());
    let anna = signed_in(&service, "anna");
    let token = csrf(&anna.get(service.url("/")).send().unwrap().text().unwrap());
    let mut stream = anna.get(service.url("/queue/events")).send().unwrap();
    assert_eq!(stream.status(), 200);
    let (ended, end) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut read = Vec::new();
        let _ = ended.send(stream.read_to_end(&mut read).is_ok());
    });
    assert!(end.recv_timeout(Duration::from_secs(6)).is_err(), "open while signed in");
    let out = anna.post(service.url("/logout")).form(&[("csrf", token)]).send().unwrap();
    assert_eq!(out.status(), 303);
    assert_eq!(end.recv_timeout(Duration::from_secs(15)), Ok(true), "the stream ends with its session");
}
