//! `merchantctl` as an operator runs it, on both backends.

use std::process::{Command, Output};

use storage::testing::TestDatabase;

fn merchantctl(t: &TestDatabase, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_merchantctl"))
        .args(args)
        .env("MERCHANT_DATABASE_URL", &t.raw_url)
        .env_remove("MERCHANT_CONFIG")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("merchantctl runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn migrate_check_and_revert() {
    for t in TestDatabase::each_backend() {
        let backend = t.db.backend().to_string();

        let check = merchantctl(&t, &["db", "check"]);
        assert!(!check.status.success(), "{backend}: an empty database is behind");
        assert!(stdout(&check).contains("schema is behind"), "{}", stdout(&check));

        let migrate = merchantctl(&t, &["migrate"]);
        assert!(migrate.status.success(), "{backend}: {migrate:?}");
        assert!(stdout(&migrate).contains("applied 20261125000001"), "{}", stdout(&migrate));
        assert!(stdout(&merchantctl(&t, &["migrate"])).contains("up to date"));

        let check = merchantctl(&t, &["db", "check"]);
        let report = stdout(&check);
        assert!(check.status.success(), "{report}");
        assert!(report.contains(&format!("backend:    {backend}")), "{report}");
        assert!(report.contains("0 pending"), "{report}");
        if backend == "sqlite" {
            assert!(report.contains("pragma:     journal_mode=wal"), "{report}");
        }

        // --revert takes back the newest migration only, one per call.
        let newest = storage::migrations::embedded_versions(t.db.backend()).unwrap().pop().unwrap();
        let revert = merchantctl(&t, &["migrate", "--revert"]);
        assert_eq!(stdout(&revert).trim(), format!("reverted {newest}"));
        while !stdout(&merchantctl(&t, &["migrate", "--revert"])).contains("nothing to revert") {}
        assert!(merchantctl(&t, &["migrate"]).status.success());
        let revert_all = merchantctl(&t, &["migrate", "--revert", "--all"]);
        assert!(revert_all.status.success() && stdout(&revert_all).contains("reverted"));
    }
}

#[test]
fn a_bad_database_url_is_named() {
    let out = Command::new(env!("CARGO_BIN_EXE_merchantctl"))
        .args(["db", "check"])
        .env("MERCHANT_DATABASE_URL", "redis://127.0.0.1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "merchantctl: invalid configuration: MERCHANT_DATABASE_URL: unknown database scheme"
        ),
        "{stderr}"
    );
}

#[test]
fn client_tokens_create_list_revoke() {
    for t in TestDatabase::each_backend_migrated() {
        let created = merchantctl(&t, &["tokens", "create", "--client", "sber-mcp"]);
        assert!(created.status.success(), "{created:?}");
        let token = stdout(&created).trim().to_owned();
        assert!(token.starts_with("mct_"), "{token}");
        assert!(String::from_utf8_lossy(&created.stderr).contains("shown once"));

        let again = merchantctl(&t, &["tokens", "create", "--client", "sber-mcp"]);
        assert!(!again.status.success());
        assert!(String::from_utf8_lossy(&again.stderr).contains("revoke it first"), "{again:?}");

        let list = stdout(&merchantctl(&t, &["tokens", "list"]));
        assert!(list.contains("sber-mcp") && list.contains("active"), "{list}");
        assert!(!list.contains(&token[20..]), "the list never shows secrets");

        assert!(merchantctl(&t, &["tokens", "revoke", "sber-mcp"]).status.success());
        assert!(stdout(&merchantctl(&t, &["tokens", "list"])).contains("revoked"));
        assert!(!merchantctl(&t, &["tokens", "revoke", "sber-mcp"]).status.success());
    }
}

#[test]
fn demo_data_writes_once() {
    for t in TestDatabase::each_backend_migrated() {
        let out = merchantctl(&t, &["demo-data", "--offers", "600", "--if-empty"]);
        assert!(out.status.success(), "{out:?}");
        assert!(stdout(&out).contains("wrote 4 stores, 150 products, 600 offers"), "{}", stdout(&out));
        assert!(String::from_utf8_lossy(&out.stderr).contains("100% (600/600 offers)"));
        let again = merchantctl(&t, &["demo-data", "--offers", "600", "--if-empty"]);
        assert!(stdout(&again).contains("not empty"));
    }
}

#[test]
fn import_stores_then_a_feed_with_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let stores = dir.path().join("stores.csv");
    std::fs::write(
        &stores,
        "id,name,address,lat,lon,delivery_radius_m,delivery_polygon,pickup,opening_hours,time_zone\nS1,Гастроном,Москва,55.75,37.61,3000,,true,,\nS2,Плохой,Москва,99,37.6,,,true,,\n",
    )
    .unwrap();
    let feed = dir.path().join("feed.csv");
    std::fs::write(
        &feed,
        "sku,name,unit,price,photo_url,category,stock\nA,Молоко 1 л,pcs,89.90,https://x/a.jpg,Молоко,5\nB,Кефир,pcs,-1,https://x/b.jpg,Кефир,5\n",
    )
    .unwrap();
    let broken = dir.path().join("broken.yml");
    std::fs::write(&broken, "<yml_catalog><shop><offers><offer id=\"X\"><name>x</nam></offer>").unwrap();
    for t in TestDatabase::each_backend_migrated() {
        let out = merchantctl(&t, &["import", "stores", stores.to_str().unwrap()]);
        let report = stdout(&out);
        assert!(out.status.success(), "{out:?}");
        assert!(
            report.contains("stores:   1 added, 0 updated") && report.contains("line 3: latitude"),
            "{report}"
        );

        let out = merchantctl(&t, &["import", "csv", feed.to_str().unwrap()]);
        let report = stdout(&out);
        assert!(report.contains("offers:   1 added, 0 updated, 0 removed"), "{report}");
        assert!(report.contains("line 3: price must be positive"), "{report}");

        let out = merchantctl(&t, &["import", "yml", broken.to_str().unwrap()]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was changed"), "{out:?}");

        // A Shop-Script feed: weighted goods by a flag and by a unit
        // parameter, every offer in, the report says how each unit was read.
        let feed = concat!(env!("CARGO_MANIFEST_DIR"), "/../../crates/catalog/tests/feeds/shop-script.yml");
        let out = merchantctl(&t, &["import", "yml", "--partial", feed]);
        let report = stdout(&out);
        assert!(out.status.success(), "{out:?}");
        assert!(report.contains("rejected: 0"), "{report}");
        assert!(
            report.contains(
                "units:    1 by no unit given: pieces, 2 by unit parameter, 1 by weighted-goods flag"
            ),
            "{report}"
        );

        // Each import is on record for staff, newest first, the refused one
        // with why.
        let record = storage::DbCatalogImports::recent(&mut t.db.get().unwrap(), 10).unwrap();
        let seen: Vec<(&str, &str)> = record.iter().map(|r| (r.kind.as_str(), r.outcome.as_str())).collect();
        assert_eq!(seen, [("yml", "applied"), ("yml", "refused"), ("csv", "applied"), ("stores", "applied")]);
        assert_eq!(record[2].report["offers"]["added"], 1);
        assert_eq!(record[2].report["rejectedCount"], 1);
        assert_eq!(record[2].report["rejected"][0]["line"], 3);
        assert!(record[1].report["error"].as_str().is_some_and(|e| !e.is_empty()));
        assert!(record[3].source.ends_with("stores.csv"));
    }
}

#[test]
fn staff_list_show_and_move_orders() {
    use std::sync::Arc;

    use domain::{Decimal, SystemClock, UserId};
    use orders::{CheckoutRequest, Destination, ItemRequest, ShippingMethod};

    for t in TestDatabase::each_backend_migrated() {
        assert!(merchantctl(&t, &["demo-data", "--offers", "2000"]).status.success());
        let ordering = t.ordering(Arc::new(SystemClock), 10);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let order = runtime.block_on(async {
            let store = domain::StoreId::new("STORE-001").unwrap();
            let items = vec![ItemRequest {
                sku: domain::SkuId::new("SKU-000001").unwrap(),
                quantity: Decimal::ONE,
                unit: None,
                price: None,
            }];
            let options = ordering
                .delivery_options(&Destination::Pickup { store: store.clone() }, &items)
                .await
                .unwrap();
            let request = CheckoutRequest {
                store,
                shipping: ShippingMethod::Pickup,
                address: None,
                items,
                slot: options.options[0].slot,
                delivery_price: None,
                order_price: None,
                request_id: "cli-1".into(),
                request_digest: "cli-1".into(),
            };
            ordering.checkout(&UserId::new("staff-test").unwrap(), request).await.unwrap()
        });
        let id = order.id.to_string();

        let list = stdout(&merchantctl(&t, &["orders", "list", "--status", "new"]));
        assert!(list.contains(&id), "{list}");
        let show = merchantctl(&t, &["orders", "show", &id]);
        assert!(
            stdout(&show).contains("SKU-000001") && stdout(&show).contains("checkout"),
            "{}",
            stdout(&show)
        );

        let early = merchantctl(&t, &["orders", "advance", &id, "process"]);
        assert!(!early.status.success());
        assert!(
            String::from_utf8_lossy(&early.stderr).contains("an order that is new cannot process"),
            "{early:?}"
        );
        let pay = merchantctl(&t, &["orders", "advance", &id, "pay"]);
        assert!(!pay.status.success(), "payment is not a staff action");
        let cancel = merchantctl(&t, &["orders", "advance", &id, "cancel"]);
        assert!(cancel.status.success(), "{cancel:?}");
        assert!(stdout(&cancel).contains("cancelled"));
        let show = stdout(&merchantctl(&t, &["orders", "show", &id]));
        assert!(show.contains("cancel") && show.contains("new -> cancelled"), "{show}");
        assert!(!merchantctl(&t, &["orders", "show", "ord_nope"]).status.success());
        assert!(!merchantctl(&t, &["orders", "advance", &id, "teleport"]).status.success());
    }
}

#[test]
fn a_store_gets_its_own_slot_grid_and_back() {
    for t in TestDatabase::each_backend_migrated() {
        assert!(merchantctl(&t, &["demo-data", "--offers", "500"]).status.success());
        let set = merchantctl(
            &t,
            &[
                "stores",
                "slots",
                "STORE-001",
                "--shipping",
                "pickup",
                "--slot-minutes",
                "30",
                "--capacity",
                "2",
            ],
        );
        assert!(set.status.success(), "{set:?}");
        assert!(stdout(&set).contains("pickup slots of 30 min"), "{}", stdout(&set));
        assert!(!merchantctl(&t, &["stores", "slots", "NOPE", "--shipping", "pickup"]).status.success());
        assert!(
            !merchantctl(&t, &["stores", "slots", "STORE-001", "--shipping", "pickup", "--cutoff", "late"])
                .status
                .success()
        );
        assert!(
            !merchantctl(
                &t,
                &["stores", "slots", "STORE-001", "--shipping", "pickup", "--slot-minutes", "5"]
            )
            .status
            .success()
        );
        let clear = merchantctl(&t, &["stores", "slots", "STORE-001", "--shipping", "pickup", "--clear"]);
        assert!(clear.status.success() && stdout(&clear).contains("follow the configuration"), "{clear:?}");
    }
}

#[test]
fn kuper_stores_and_staff_actions() {
    use domain::Decimal;
    use orders::kuper::{EventNews, KuperInbox, NewKuperOrder, NewLine, ReceivedEvent};

    for t in TestDatabase::each_backend_migrated() {
        assert!(merchantctl(&t, &["demo-data", "--offers", "500"]).status.success());
        let set = merchantctl(&t, &["kuper", "store", "STORE-001", "--integration", "pickup"]);
        assert!(set.status.success(), "{set:?}");
        assert!(
            !merchantctl(&t, &["kuper", "store", "STORE-001", "--integration", "drone"]).status.success()
        );
        // A Kuper order, as the listener takes it (12:00 in Moscow: open).
        let inbox = storage::DbKuperInbox::new(t.db.clone());
        let event = ReceivedEvent {
            key: "k".into(),
            event_type: "order.created".into(),
            original_order_id: "H1".into(),
            body: "{}".into(),
            received_at: chrono::DateTime::parse_from_rfc3339("2026-11-25T09:00:00Z").unwrap().into(),
            new_order: Some(NewKuperOrder::of("STORE-001", vec![NewLine::of("SKU-000001", Decimal::ONE)])),
            news: EventNews::Nothing,
        };
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(inbox.receive(&event))
            .unwrap();

        let act = merchantctl(&t, &["kuper", "act", "H1", "in_work"]);
        assert!(act.status.success(), "{act:?}");
        let empty =
            merchantctl(&t, &["kuper", "act", "H1", "ready_for_delivery", "--payload", r#"{"order": {}}"#]);
        assert!(!empty.status.success());
        assert!(String::from_utf8_lossy(&empty.stderr).contains("positions"), "{empty:?}");
        let composition = r#"{"order": {"positions": [{"id": "SKU-000001", "quantity": 1}]}}"#;
        let early = merchantctl(&t, &["kuper", "act", "H1", "ready_for_delivery", "--payload", composition]);
        assert!(!early.status.success());
        assert!(
            String::from_utf8_lossy(&early.stderr).contains("not at this point of the flow"),
            "{early:?}"
        );
        assert!(!merchantctl(&t, &["kuper", "act", "H404", "in_work"]).status.success());
        let list = stdout(&merchantctl(&t, &["orders", "list"]));
        let kuper = list.lines().find(|l| l.contains(" H1 ")).unwrap_or_else(|| panic!("{list}"));
        assert!(
            kuper.contains("kuper") && kuper.contains("in_work") && kuper.contains("STORE-001"),
            "{kuper}"
        );
        let mcp_only = stdout(&merchantctl(&t, &["orders", "list", "--channel", "mcp"]));
        assert!(!mcp_only.contains(" H1 "), "{mcp_only}");
        assert!(!merchantctl(&t, &["orders", "list", "--status", "teleported"]).status.success());
        let show = stdout(&merchantctl(&t, &["kuper", "show", "H1"]));
        assert!(show.contains("status:      in_work") && show.contains("order.in_work"), "{show}");

        // The dead letter: list, send again, give up.
        let id = storage::DbKuperOutbox::list(
            &mut t.db.get().unwrap(),
            Some(orders::kuper::states::OutboxState::Pending),
            10,
        )
        .unwrap()[0]
            .id;
        storage::DbKuperOutbox::dead(&mut t.db.get().unwrap(), id, "422 unknown order").unwrap();
        let dead = stdout(&merchantctl(&t, &["outbox", "list", "--state", "dead"]));
        assert!(dead.contains("order.in_work") && dead.contains("422 unknown order"), "{dead}");
        assert!(merchantctl(&t, &["outbox", "retry", &id.to_string()]).status.success());
        assert!(!merchantctl(&t, &["outbox", "discard", &id.to_string()]).status.success(), "only dead ones");
        storage::DbKuperOutbox::dead(&mut t.db.get().unwrap(), id, "again").unwrap();
        assert!(merchantctl(&t, &["outbox", "discard", &id.to_string()]).status.success());
        assert!(stdout(&merchantctl(&t, &["outbox", "list"])).contains("discarded"));
    }
}

#[test]
fn purge_says_what_it_deleted_and_openapi_needs_no_database() {
    for t in TestDatabase::each_backend_migrated() {
        let purge = merchantctl(&t, &["purge", "--older-than-days", "30"]);
        assert!(purge.status.success(), "{purge:?}");
        assert!(
            stdout(&purge).contains("0 notifications, 0 idempotency keys, 0 access tokens"),
            "{}",
            stdout(&purge)
        );
        assert!(
            stdout(&purge).contains("erased personal data of orders closed before")
                && stdout(&purge).contains("0 MCP orders, 0 Kuper orders, 0 shoppers"),
            "{}",
            stdout(&purge)
        );
        assert!(!merchantctl(&t, &["purge", "--older-than-days", "0"]).status.success(), "at least a day");
        let erase = merchantctl(&t, &["purge", "--personal-data-days", "7"]);
        assert!(erase.status.success(), "{erase:?}");
    }
    let t = TestDatabase::sqlite();
    let spec = merchantctl(&t, &["openapi", "mcp-api"]);
    assert!(spec.status.success());
    let spec: serde_json::Value = serde_json::from_slice(&spec.stdout).unwrap();
    assert_eq!(spec["info"]["version"], "1.0.5");
}

/// `merchantctl openapi SERVICE --version 3.0` prints the committed 3.0.3
/// rendering, as client generators that do not read 3.1 take it.
#[test]
fn openapi_prints_both_renderings() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi");
    for service in ["mcp-api", "kuper-listener"] {
        for (args, file) in
            [(vec![], format!("{service}.json")), (vec!["--version", "3.0"], format!("{service}.3.0.json"))]
        {
            let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_merchantctl"));
            command.arg("openapi").arg(service).args(&args);
            let out = command.output().unwrap();
            assert!(out.status.success(), "{out:?}");
            let committed = std::fs::read_to_string(format!("{root}/{file}")).unwrap();
            assert_eq!(String::from_utf8(out.stdout).unwrap(), committed, "{file}");
        }
    }
}

/// `merchantctl` with `input` on its standard input.
fn merchantctl_with_input(t: &TestDatabase, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_merchantctl"))
        .args(args)
        .env("MERCHANT_DATABASE_URL", &t.raw_url)
        .env_remove("MERCHANT_CONFIG")
        .current_dir(std::env::temp_dir())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("merchantctl runs");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn staff_accounts_are_created_listed_disabled_and_reset() {
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        merchantctl(&t, &["demo-data", "--offers", "100"]);
        let create = |args: &[&str], password: &str| {
            let mut all = vec!["staff", "create"];
            all.extend_from_slice(args);
            merchantctl_with_input(&t, &all, &format!("{password}\n"))
        };
        let made = create(
            &["olga", "--role", "picker", "--name", "Ольга", "--store", "STORE-001"],
            "a long enough secret",
        );
        assert!(made.status.success(), "{backend}: {made:?}");
        let admin = create(&["boss", "--role", "admin", "--name", "Анна"], "another long secret");
        assert!(admin.status.success(), "{made:?}");
        for (args, password, why) in [
            (&["olga", "--role", "admin", "--name", "x"][..], "a long enough secret", "taken"),
            (&["ivan", "--role", "picker", "--name", "Иван"], "a long enough secret", "at least one store"),
            (
                &["ivan", "--role", "picker", "--name", "Иван", "--store", "NOWHERE"],
                "a long enough secret",
                "no store",
            ),
            (&["ivan", "--role", "operator", "--name", "Иван"], "short", "at least 10"),
            (&["i v", "--role", "operator", "--name", "Иван"], "a long enough secret", "a login is"),
        ] {
            let out = create(args, password);
            assert!(!out.status.success(), "{args:?}");
            assert!(String::from_utf8_lossy(&out.stderr).contains(why), "{args:?}: {out:?}");
        }
        assert!(!create(&["ivan", "--role", "boss", "--name", "x"], "a long enough secret").status.success());

        let list = stdout(&merchantctl(&t, &["staff", "list"]));
        let olga = list.lines().find(|l| l.starts_with("olga")).unwrap_or_else(|| panic!("{list}"));
        assert!(olga.contains("picker") && olga.contains("active") && olga.contains("STORE-001"), "{olga}");
        assert!(!list.contains("a long enough secret"), "no password is ever shown");

        assert!(merchantctl(&t, &["staff", "disable", "olga"]).status.success());
        assert!(stdout(&merchantctl(&t, &["staff", "list"])).contains("disabled"));
        assert!(merchantctl(&t, &["staff", "enable", "olga"]).status.success());
        assert!(!merchantctl(&t, &["staff", "disable", "nobody"]).status.success());
        let reset = merchantctl_with_input(&t, &["staff", "password", "olga"], "a brand new secret\n");
        assert!(reset.status.success(), "{reset:?}");
        assert!(!merchantctl_with_input(&t, &["staff", "password", "olga"], "short\n").status.success());

        let trail = storage::DbStaff::audit_trail(&mut t.db.get().unwrap(), None, 100).unwrap();
        let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            ["staff.create", "staff.create", "staff.disable", "staff.enable", "staff.password"],
            "{backend}"
        );
    }
}

/// What a store takes from Kuper and which store a 1C warehouse is, set
/// and shown as an operator does it.
#[test]
fn kuper_methods_and_1c_warehouses_are_set_and_said() {
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        assert!(merchantctl(&t, &["demo-data", "--offers", "500"]).status.success());
        let set = merchantctl(
            &t,
            &[
                "kuper",
                "store",
                "STORE-002",
                "--integration",
                "kuper_delivery",
                "--methods",
                "kuper_delivery,pickup",
            ],
        );
        assert!(set.status.success(), "{backend}: {set:?}");
        assert!(
            stdout(&set).contains(
                "takes kuper_delivery, pickup orders (kuper_delivery when an order names no method)"
            ),
            "{backend}: {}",
            stdout(&set)
        );
        let without_default = merchantctl(
            &t,
            &["kuper", "store", "STORE-002", "--integration", "kuper_delivery", "--methods", "pickup"],
        );
        assert!(!without_default.status.success(), "{backend}");
        assert!(
            String::from_utf8_lossy(&without_default.stderr).contains("is not among --methods"),
            "{backend}"
        );
        assert!(
            !merchantctl(
                &t,
                &["kuper", "store", "STORE-002", "--integration", "pickup", "--methods", "drone"]
            )
            .status
            .success()
        );

        assert!(
            stdout(&merchantctl(&t, &["onec", "warehouses"])).contains("no 1C warehouse is mapped"),
            "{backend}"
        );
        let mapped = merchantctl(&t, &["onec", "warehouse", "wh-tverskaya", "STORE-001"]);
        assert!(mapped.status.success(), "{backend}: {mapped:?}");
        assert!(!merchantctl(&t, &["onec", "warehouse", "wh-x", "NOWHERE"]).status.success(), "{backend}");
        let listed = stdout(&merchantctl(&t, &["onec", "warehouses"]));
        assert!(listed.contains("wh-tverskaya") && listed.contains("STORE-001"), "{backend}: {listed}");
    }
}

/// `merchantctl stock apply FILE` reads the stock API's batch format: good
/// lines applied, a bad one refused by line, the same batch id with other
/// contents refused whole, a file that is no batch named.
#[test]
fn stock_apply_reads_the_api_s_batch_file() {
    for t in TestDatabase::each_backend_migrated() {
        t.one_store(&[("MILK", 5), ("BREAD", 0)]);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("batch.json");
        let batch = |id: &str, milk: f64| {
            serde_json::json!({"batchId": id, "updates": [
                {"sku": "MILK", "storeId": "S1", "stock": milk, "asOf": "2026-12-07T10:00:00Z"},
                {"sku": "BREAD", "storeId": "S1", "stock": -1, "asOf": "2026-12-07T10:00:00Z"},
            ]})
            .to_string()
        };
        std::fs::write(&file, batch("b1", 7.0)).unwrap();
        let path = file.to_str().unwrap();
        let out = merchantctl(&t, &["stock", "apply", path]);
        assert!(out.status.success(), "{}: {}", t.db.backend(), String::from_utf8_lossy(&out.stderr));
        let said = stdout(&out);
        assert!(said.contains("batch b1: 1 applied, 1 refused"), "{said}");
        assert!(said.contains("line 1: BREAD in S1"), "{said}");
        let shelf = stdout(&merchantctl(&t, &["stock", "show", "S1", "--sku", "MILK"]));
        assert!(shelf.lines().any(|l| l.starts_with("MILK") && l.contains(" 7")), "{shelf}");

        std::fs::write(&file, batch("b1", 9.0)).unwrap();
        let conflict = merchantctl(&t, &["stock", "apply", path]);
        assert!(!conflict.status.success());
        assert!(String::from_utf8_lossy(&conflict.stderr).contains("other contents"));

        std::fs::write(&file, "{\"not\": \"a batch\"}").unwrap();
        let refused = merchantctl(&t, &["stock", "apply", path]);
        assert!(!refused.status.success());
        assert!(String::from_utf8_lossy(&refused.stderr).contains("batch.json"), "the file is named");
    }
}
