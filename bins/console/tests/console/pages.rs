//! The console over HTTP on both backends: sign-in with its CSRF token,
//! the lock-out, a picker who sees only their store's orders (another
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
