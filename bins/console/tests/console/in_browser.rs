//! The console in a real headless Chromium, on the real binaries: a picker
//! signs in, picks a grocery order (a weighed line, a shortfall, a
//! replacement found by search as they type) and sends it ready, and
//! `kuper-sim` receives that composition; another store's order is a 403;
//! a form stripped of its CSRF token is refused; an operator retries a
//! dead letter from the outbox; a new Kuper order appears in an open queue
//! without a reload. With `UPDATE_SCREENSHOTS=1` the pages are
//! photographed into `docs/console/` (desktop and an 800×1280 tablet).

use std::path::Path;
use std::time::Duration;

use app::testing::browser::Browser;
use serde_json::{Value, json};
use storage::testing::TestDatabase;

use crate::common::{Grocery, KuperWorld, PASSWORD, ean13, kuper_order, setup, start, weighed_label};

const WAIT: Duration = Duration::from_secs(15);

fn sign_in(browser: &Browser, base: &str, login: &str) {
    browser.open(&format!("{base}/login"));
    browser.wait_for("input[name=login]", WAIT);
    browser.fill("input[name=login]", login);
    browser.fill("input[name=password]", PASSWORD);
    browser.click("form.login button[type=submit]");
    browser.wait_for("table#queue", WAIT);
}

/// Replaces what a field holds.
fn retype(browser: &Browser, css: &str, text: &str) {
    browser.clear(css);
    browser.fill(css, text);
}

/// A picture of the page for README, when asked for.
fn photograph(browser: &Browser, name: &str) {
    if std::env::var_os("UPDATE_SCREENSHOTS").is_none() {
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/console");
    std::fs::create_dir_all(&dir).unwrap();
    for (suffix, width, height) in [("desktop", 1366, 900), ("tablet", 800, 1280)] {
        browser.resize(width, height);
        std::thread::sleep(Duration::from_millis(300));
        std::fs::write(dir.join(format!("{name}-{suffix}.png")), browser.screenshot()).unwrap();
    }
    browser.resize(1366, 900);
}

fn grocery_positions(g: &Grocery) -> Value {
    json!([{"id": g.counted, "quantity": 3}, {"id": g.weighed, "quantity": 1, "weight": 700},
           {"id": g.replaced, "quantity": 1}])
}

#[test]
fn a_picker_picks_a_grocery_order_in_the_browser_and_kuper_receives_that_composition() {
    let Some(browser) = Browser::start() else { return };
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        let g = setup(&t);
        let world = KuperWorld::start(&t);
        let id = world.order("STORE-001", &grocery_positions(&g));
        let theirs = world.order("STORE-002", &json!([{"id": g.counted, "quantity": 1}]));
        // A busier queue for the picture.
        for quantity in [1, 2] {
            world.order("STORE-001", &json!([{"id": g.weighed, "quantity": 1, "weight": 500 * quantity}]));
        }
        let base = world.console.base_url.clone();

        sign_in(&browser, &base, "olga");
        let queue = browser.text("table#queue");
        assert!(queue.contains(&id) && !queue.contains(&theirs), "{backend}: {queue}");
        photograph(&browser, "queue");
        browser.click(&format!("a[href='/orders/kuper/{id}']"));
        browser.wait_for("form#picking", WAIT);
        browser.click("button[value=in_work]");
        browser.wait_for_text("#status", |s| s.contains("в сборке"), WAIT);
        photograph(&browser, "order");
        browser.click("button[value=assembled]");
        browser.wait_for_text("#status", |s| s.contains("собран"), WAIT);

        // 2 of 3 found, 734 g cut of 700 g ordered, the third not found and
        // replaced by what the search offers as the picker types.
        retype(&browser, "input[name=qty_0]", "2");
        retype(&browser, "input[name=grams_1]", "734");
        retype(&browser, "input[name=qty_2]", "0");
        browser.fill("input[name=repl_2]", &g.replacement_name);
        let suggestion = format!("#suggest-2 button[data-sku='{}']", g.replacement);
        browser.wait_for(&suggestion, WAIT);
        photograph(&browser, "picking");
        browser.click(&suggestion);
        assert_eq!(
            browser.execute("return document.querySelector('input[name=repl_2]').value"),
            json!(g.replacement)
        );
        browser.fill("input[name=repl_qty_2]", "1");
        retype(&browser, "input[name=packs]", "2");
        browser.click("button[value=ready_for_delivery]");
        browser.wait_for_text("#status", |s| s.contains("готов"), WAIT);

        KuperWorld::wait_until(&format!("{backend}: Kuper receives the composition"), || {
            world.sim_order(&id)["finalComposition"].is_object()
        });
        let kuper = world.sim_order(&id);
        assert_eq!(
            kuper["finalComposition"],
            json!({"originalOrderId": id, "packs": {"count": 2}, "positions": [
                {"id": g.counted, "quantity": 2, "replacedByID": null},
                {"id": g.weighed, "quantity": 1, "weight": 734, "replacedByID": null},
                {"id": g.replaced, "quantity": 0, "replacedByID": g.replacement},
                {"id": g.replacement, "quantity": 1, "replacedByID": null}]}),
            "{backend}"
        );
        assert_eq!(kuper["refused"], json!([]), "{backend}");
        assert!(browser.text("#audit").contains("olga: order.ready_for_delivery"), "{backend}");

        // Another store's order: 403, in the browser too.
        browser.open(&format!("{base}/orders/kuper/{theirs}"));
        browser.wait_for("main h1", WAIT);
        assert!(browser.text("main h1").contains("Нет доступа"), "{backend}");
    }
}

/// Types `code` into the scan field and Enter, as a scanner does, and
/// waits for the page the scan comes back as.
fn scan(browser: &Browser, code: &str) -> String {
    // Marked now, gone once the page the scan posts has replaced this one.
    browser.execute("document.body.dataset.scanned = 'before'");
    browser.fill("#scan", &format!("{code}\u{E007}"));
    browser.wait_for("body:not([data-scanned])", WAIT);
    browser.wait_for("#scan", WAIT);
    browser
        .execute("return document.querySelector('#scan-said, #scan-error')?.textContent ?? ''")
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn value(browser: &Browser, name: &str) -> Value {
    browser.execute(&format!("return document.querySelector('input[name={name}]').value"))
}

#[test]
fn a_picker_scans_a_grocery_order_and_kuper_receives_exactly_what_was_scanned() {
    let Some(browser) = Browser::start() else { return };
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        let g = setup(&t);
        let world = KuperWorld::start(&t);
        let id = world.order("STORE-001", &grocery_positions(&g));
        let base = world.console.base_url.clone();
        sign_in(&browser, &base, "olga");
        browser.open(&format!("{base}/orders/kuper/{id}"));
        browser.wait_for("form#picking", WAIT);
        browser.click("button[value=in_work]");
        browser.wait_for_text("#status", |s| s.contains("в сборке"), WAIT);
        browser.click("button[value=assembled]");
        browser.wait_for_text("#status", |s| s.contains("собран"), WAIT);
        assert_eq!(
            browser.execute("return document.activeElement.id"),
            json!("scan"),
            "the scan field has focus"
        );

        // Two of the three packs; the first scan starts the counts from nothing.
        assert!(scan(&browser, &g.counted_barcode).contains("1 из 3"), "{backend}");
        assert_eq!(value(&browser, "qty_2"), json!("0"), "{backend}: nothing else counted yet");
        assert!(scan(&browser, &g.counted_barcode).contains("2 из 3"), "{backend}");
        // The scale's label: 734 g of the 700 g ordered (within 10 %).
        assert!(scan(&browser, &weighed_label(734)).contains("734 г"), "{backend}");
        // A code nobody sells, and one with a wrong check digit: said,
        // nothing changed.
        let unknown = ean13("460999999999");
        assert!(scan(&browser, &unknown).contains("не знаем"), "{backend}");
        let mut wrong = g.counted_barcode.clone();
        let last = wrong.pop().unwrap().to_digit(10).unwrap();
        wrong.push(char::from_digit((last + 1) % 10, 10).unwrap());
        assert!(scan(&browser, &wrong).contains("контрольная цифра"), "{backend}");
        // Too heavy for the tolerance: said, the 734 g stays.
        assert!(scan(&browser, &weighed_label(900)).contains("больше заказанного"), "{backend}");
        assert_eq!((value(&browser, "qty_0"), value(&browser, "grams_1")), (json!("2"), json!("734")));
        // The product of no line replaces the line not found at all.
        assert!(scan(&browser, &g.replacement_barcode).contains("предложен заменой"), "{backend}");
        assert_eq!(
            (value(&browser, "repl_2"), value(&browser, "repl_qty_2")),
            (json!(g.replacement), json!("1"))
        );
        photograph(&browser, "scanning");

        retype(&browser, "input[name=packs]", "2");
        browser.click("button[value=ready_for_delivery]");
        browser.wait_for_text("#status", |s| s.contains("готов"), WAIT);
        KuperWorld::wait_until(&format!("{backend}: Kuper receives the composition"), || {
            world.sim_order(&id)["finalComposition"].is_object()
        });
        assert_eq!(
            world.sim_order(&id)["finalComposition"],
            json!({"originalOrderId": id, "packs": {"count": 2}, "positions": [
                {"id": g.counted, "quantity": 2, "replacedByID": null},
                {"id": g.weighed, "quantity": 1, "weight": 734, "replacedByID": null},
                {"id": g.replaced, "quantity": 0, "replacedByID": g.replacement},
                {"id": g.replacement, "quantity": 1, "replacedByID": null}]}),
            "{backend}"
        );
    }
}

/// Whether the page, laid out for print at `width` CSS pixels, fits
/// without a horizontal scroll.
fn fits_print_width(browser: &Browser, width: u32) -> bool {
    browser.emulate_print(true);
    browser.resize(width, 1200);
    std::thread::sleep(Duration::from_millis(300));
    let fits = browser
        .execute("return document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1");
    browser.emulate_print(false);
    browser.resize(1366, 900);
    fits == json!(true)
}

#[test]
fn three_orders_make_one_pick_list_summed_per_product_naming_each_order_and_both_lists_print() {
    let Some(browser) = Browser::start() else { return };
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        let g = setup(&t);
        let world = KuperWorld::start(&t);
        let a = world.order(
            "STORE-001",
            &json!([{"id": g.counted, "quantity": 3}, {"id": g.weighed, "quantity": 1, "weight": 700}]),
        );
        let b = world.order(
            "STORE-001",
            &json!([{"id": g.counted, "quantity": 1}, {"id": g.replaced, "quantity": 2}]),
        );
        let c = world.order(
            "STORE-001",
            &json!([{"id": g.weighed, "quantity": 1, "weight": 500}, {"id": g.counted, "quantity": 2}]),
        );
        // Another store's order is not on this store's list.
        world.order("STORE-002", &json!([{"id": g.counted, "quantity": 5}]));
        let base = world.console.base_url.clone();
        sign_in(&browser, &base, "olga");
        browser.click("a[href='/picklist']");
        browser.wait_for("table.pick", WAIT);
        let row = |sku: &str| browser.text(&format!("tr[data-sku='{sku}']"));
        let counted = row(&g.counted);
        assert!(counted.contains("6 шт"), "{backend}: {counted}");
        for (order, pieces) in [(&a, 3), (&b, 1), (&c, 2)] {
            assert!(counted.contains(&format!("К {order} × {pieces} шт")), "{backend}: {order} in {counted}");
        }
        let weighed = row(&g.weighed);
        assert!(
            weighed.contains("1,2 кг") && weighed.contains(&format!("К {a} × 0,7 кг")),
            "{backend}: {weighed}"
        );
        assert!(weighed.contains(&format!("К {c} × 0,5 кг")), "{backend}: {weighed}");
        assert!(row(&g.replaced).contains("2 шт"), "{backend}");
        assert!(browser.text("#pick-meta").contains(": 3,"), "{backend}: three orders");
        assert!(browser.text("#pick-meta").contains("Europe/Moscow"), "{backend}: the store's own clock");
        photograph(&browser, "pick-list");
        // Printed: A4's 186 mm of print width, and a receipt printer's 72 mm.
        assert!(fits_print_width(&browser, 703), "{backend}: the A4 list is wider than the page");
        let a4 = browser.print_pdf(21.0, 29.7);
        assert!(a4.starts_with(b"%PDF"), "{backend}");
        browser.open(&format!("{base}/picklist?store=STORE-001&due_within=60&paper=80mm"));
        browser.wait_for("table.pick", WAIT);
        assert!(fits_print_width(&browser, 272), "{backend}: the receipt list is wider than 72 mm");
        let receipt = browser.print_pdf(8.0, 60.0);
        assert!(receipt.starts_with(b"%PDF"), "{backend}");
        if std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/console");
            std::fs::write(dir.join("pick-list-a4.pdf"), &a4).unwrap();
            std::fs::write(dir.join("pick-list-80mm.pdf"), &receipt).unwrap();
        }
        // The packing list of one order: its goods, the customer as the
        // bag may name them, the due time on the store's clock.
        browser.open(&format!("{base}/orders/kuper/{a}"));
        browser.wait_for("#packing-link", WAIT);
        browser.click("#packing-link");
        browser.wait_for("#packing-lines", WAIT);
        assert_eq!(browser.text("#packing-customer"), "Ольга …0000", "{backend}");
        let facts = browser.text("#packing-facts");
        assert!(
            facts.contains("25.11 12:00 (Europe/Moscow)") && facts.contains("Позвонить"),
            "{backend}: {facts}"
        );
        assert!(!browser.source().contains("+79990000000"), "{backend}: no whole phone on a bag's label");
        assert_eq!(browser.count("#packing-lines tbody tr"), 2, "{backend}");
        photograph(&browser, "packing-list");
        assert!(fits_print_width(&browser, 703), "{backend}: the A4 packing list is wider than the page");
        browser.open(&format!("{base}/orders/kuper/{a}/packing?paper=80mm"));
        browser.wait_for("#packing-lines", WAIT);
        assert!(fits_print_width(&browser, 272), "{backend}: the receipt packing list is wider than 72 mm");
        let packing = browser.print_pdf(8.0, 30.0);
        if std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/console");
            std::fs::write(dir.join("packing-list-80mm.pdf"), &packing).unwrap();
        }
        // Every page is on the store's clock, its zone said once, no UTC.
        for page in ["/".to_owned(), format!("/orders/kuper/{a}")] {
            browser.open(&format!("{base}{page}"));
            browser.wait_for("#zone", WAIT);
            assert_eq!(browser.text("#zone"), "Время магазина: Europe/Moscow", "{backend}: {page}");
            assert!(!browser.text("main").contains("UTC"), "{backend}: {page}");
            if page != "/" {
                // Kuper's window, sent as 12:00+03:00, on Moscow's clock.
                assert_eq!(browser.text("#window"), "25.11 12:00 — 25.11 14:00", "{backend}");
            }
            if page == "/" {
                // The sim's orders are due at 12:00 in Moscow (09:00 UTC).
                assert!(
                    browser.text("#queue").contains("25.11 12:00"),
                    "{backend}: due on the store's clock"
                );
                // Whom for, how big, how much, and that it is late.
                let row = browser.text(&format!("tr.order.late:has(a[href='/orders/kuper/{a}'])"));
                for said in ["Ольга …0000", "2 поз., 3 шт, 0,7 кг", "опаздывает"] {
                    assert!(row.contains(said), "{backend}: {said} in {row}");
                }
                assert_eq!(browser.text("#status-counts"), "новый: 3", "{backend}");
            }
        }
        // A picker of another store gets none of it.
        browser.open(&format!("{base}/picklist?store=STORE-002"));
        browser.wait_for("main h1", WAIT);
        assert!(browser.text("main").contains("Нет доступа"), "{backend}");
    }
}

#[test]
fn a_form_without_its_csrf_token_is_refused_and_a_bad_weight_is_named_beside_its_field() {
    let Some(browser) = Browser::start() else { return };
    let t = TestDatabase::sqlite();
    t.migrate();
    let g = setup(&t);
    kuper_order(&t, "H-1", "STORE-001", &g.weighed);
    let dir = tempfile::tempdir().unwrap();
    let console = start(&t, dir.path());
    sign_in(&browser, &console.base_url, "olga");
    browser.open(&console.url("/orders/kuper/H-1"));
    browser.wait_for("form#picking", WAIT);
    browser.click("button[value=in_work]");
    browser.wait_for_text("#status", |s| s.contains("в сборке"), WAIT);
    browser.click("button[value=assembled]");
    browser.wait_for_text("#status", |s| s.contains("собран"), WAIT);

    // A weight that is not a number: the message beside the field, what
    // was typed kept, nothing stepped.
    browser.execute("document.querySelector('input[name=grams_0]').type = 'text'");
    retype(&browser, "input[name=grams_0]", "семьсот");
    browser.click("button[value=ready_for_delivery]");
    let beside = browser.wait_for_text("#grams_0-error", |s| !s.is_empty(), WAIT);
    assert!(beside.contains("целое число"), "{beside}");
    assert!(browser.source().contains(r#"value="семьсот""#), "what was typed is kept");
    assert!(browser.text("#status").contains("собран"));

    // The same form with its token taken out is refused.
    browser.execute("document.querySelector('#picking input[name=csrf]').remove()");
    browser.click("button[value=canceled]");
    browser.wait_for_text("main h1", |s| s.contains("Форма устарела"), WAIT);
    browser.open(&console.url("/orders/kuper/H-1"));
    browser.wait_for("#status", WAIT);
    assert!(browser.text("#status").contains("собран"), "nothing changed");
}

#[test]
fn an_operator_retries_a_dead_letter_from_the_outbox_and_kuper_gets_the_sequence_in_order() {
    let Some(browser) = Browser::start() else { return };
    let t = TestDatabase::sqlite();
    t.migrate();
    let g = setup(&t);
    let world = KuperWorld::start(&t);
    let id = world.order("STORE-001", &json!([{"id": g.counted, "quantity": 1}]));
    let accepted = || world.sim_order(&id)["accepted"].clone();

    sign_in(&browser, &world.console.base_url, "anna");
    browser.open(&world.console.url(&format!("/orders/kuper/{id}")));
    browser.wait_for("form#picking", WAIT);
    // Kuper refuses the first notification (422): a dead letter. The fault
    // lasts until the dead letter is seen, however slow the machine.
    world.faults(&json!([{"kind": "invalid", "seconds": 60}]));
    browser.click("button[value=in_work]");
    browser.wait_for_text("#status", |s| s.contains("в сборке"), WAIT);
    browser.open(&world.console.url("/outbox"));
    browser.wait_for("table#dead", WAIT);
    let mut waited = 0;
    while browser.count("table#dead tbody tr") == 0 {
        assert!(waited < 100, "the refused notification becomes a dead letter");
        std::thread::sleep(Duration::from_millis(200));
        browser.open(&world.console.url("/outbox"));
        browser.wait_for("table#dead", WAIT);
        waited += 1;
    }
    assert!(browser.text("table#dead").contains("order.in_work"));
    world.clear_faults();
    // The queue says so first thing.
    browser.open(&world.console.url("/"));
    browser.wait_for("#attention", WAIT);
    assert!(browser.text("#attention").contains(&id));
    assert_eq!(accepted(), json!([]));

    std::thread::sleep(Duration::from_millis(1600));
    browser.open(&world.console.url("/outbox"));
    browser.wait_for("table#dead tbody tr", WAIT);
    browser.click("table#dead button[value=retry]");
    browser.wait_for("table#pending", WAIT);
    KuperWorld::wait_until("the retried notification reaches Kuper", || {
        accepted() == json!(["order.in_work"])
    });
    browser.open(&world.console.url("/outbox"));
    browser.wait_for("table#dead", WAIT);
    assert_eq!(browser.count("table#dead tbody tr"), 0);
}

#[test]
fn a_new_kuper_order_appears_in_an_open_queue_without_a_reload() {
    let Some(browser) = Browser::start() else { return };
    let t = TestDatabase::sqlite();
    t.migrate();
    let g = setup(&t);
    let world = KuperWorld::start(&t);
    sign_in(&browser, &world.console.base_url, "olga");
    // Marks the page: a reload would lose it.
    browser.execute("window.notReloaded = true");
    let id = world.order("STORE-001", &json!([{"id": g.counted, "quantity": 1}]));
    browser.wait_for(&format!("a[href='/orders/kuper/{id}']"), WAIT);
    assert_eq!(browser.execute("return window.notReloaded === true"), json!(true), "no reload");
    // Another store's new order does not come to this picker's queue.
    let theirs = world.order("STORE-002", &json!([{"id": g.counted, "quantity": 1}]));
    let mine = world.order("STORE-001", &json!([{"id": g.counted, "quantity": 2}]));
    browser.wait_for(&format!("a[href='/orders/kuper/{mine}']"), WAIT);
    assert_eq!(browser.count(&format!("a[href='/orders/kuper/{theirs}']")), 0);
}
