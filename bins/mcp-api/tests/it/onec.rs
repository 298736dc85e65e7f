//! 1C's exchange with a site through the real `mcp-api`, on SQLite and
//! PostgreSQL: a scripted client making 1C's exact calls (checkauth →
//! init → file parts → import) with files shaped as 1C writes them (one
//! exchange with import.xml + offers.xml in windows-1251, one with the
//! split prices.xml + rests.xml), parts smaller than a file; the catalog,
//! prices and per-warehouse stock are ours afterwards. Wrong credentials,
//! no session, a name out of the folder and a hostile file are refused with
//! the reason, and change nothing.

use crate::common;

use app::testing::RunningService;
use base64::Engine as _;
use diesel::prelude::*;
use storage::testing::TestDatabase;
use storage::{CatalogBatch, DbCatalogRepo, DbOneC};

const USER: &str = "1c-exchange";
const PASSWORD: &str = "1c-password-7f3a";
/// Small parts, so that every file comes in several.
const FILE_LIMIT: &str = "2048";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../../crates/commerceml/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
}

fn cp1251(bytes: &[u8]) -> Vec<u8> {
    let text =
        String::from_utf8(bytes.to_vec()).unwrap().replace("encoding=\"UTF-8\"", "encoding=\"windows-1251\"");
    encoding_rs::WINDOWS_1251.encode(&text).0.into_owned()
}

/// 1C's side of the exchange: its HTTP client, its cookie.
struct OneC<'a> {
    service: &'a RunningService,
    http: reqwest::blocking::Client,
    cookie: Option<String>,
}

impl<'a> OneC<'a> {
    fn new(service: &'a RunningService) -> Self {
        OneC { service, http: reqwest::blocking::Client::new(), cookie: None }
    }

    fn call(
        &self,
        method: reqwest::Method,
        query: &str,
        body: Vec<u8>,
        password: &str,
    ) -> (u16, Vec<String>) {
        let mut request = self
            .http
            .request(method, self.service.url(&format!("/1c/exchange?{query}")))
            .basic_auth(USER, Some(password))
            .body(body);
        if let Some(cookie) = &self.cookie {
            request = request.header("Cookie", cookie);
        }
        let response = request.send().unwrap();
        let status = response.status().as_u16();
        let text = response.text().unwrap();
        (status, text.lines().map(str::to_owned).collect())
    }

    fn get(&self, query: &str) -> Vec<String> {
        let (status, lines) = self.call(reqwest::Method::GET, query, Vec::new(), PASSWORD);
        assert_eq!(status, 200, "{query}: {lines:?}");
        lines
    }

    /// checkauth, then init; the part size 1C was told.
    fn start(&mut self, kind: &str) -> usize {
        let lines = self.get(&format!("type={kind}&mode=checkauth"));
        assert_eq!(lines[0], "success", "{lines:?}");
        self.cookie = Some(format!("{}={}", lines[1], lines[2]));
        let init = self.get(&format!("type={kind}&mode=init"));
        assert!(init.contains(&"zip=yes".to_owned()), "{init:?}");
        init.iter().find_map(|l| l.strip_prefix("file_limit=")).unwrap().parse().unwrap()
    }

    /// A file sent in parts of `limit`, as 1C sends it.
    fn send(&self, filename: &str, bytes: &[u8], limit: usize) {
        for part in bytes.chunks(limit) {
            let (status, lines) = self.call(
                reqwest::Method::POST,
                &format!("type=catalog&mode=file&filename={filename}"),
                part.to_vec(),
                PASSWORD,
            );
            assert_eq!((status, lines[0].as_str()), (200, "success"), "{filename}: {lines:?}");
        }
    }

    fn import(&self, filename: &str) -> Vec<String> {
        self.get(&format!("type=catalog&mode=import&filename={filename}"))
    }
}

/// (shelf in thousandths, price in kopecks) of `sku` in `store`.
fn offer(t: &TestDatabase, sku: &str, store: &str) -> Option<(i64, i64)> {
    use storage::schema::offers;
    offers::table
        .find((sku, store))
        .select((offers::shelf, offers::price_minor))
        .first(&mut *t.db.get().unwrap())
        .optional()
        .unwrap()
}

/// import.xml and a cheaper prices.xml in one deflated archive.
fn zipped_exchange_files() -> Vec<u8> {
    use std::io::Write as _;
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let deflated =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let cheaper = String::from_utf8(fixture("prices_2_10.xml")).unwrap().replace("92.50", "91.00");
    for (name, bytes) in [("import.xml", fixture("import_2_10.xml")), ("prices.xml", cheaper.into_bytes())] {
        zip.start_file(name, deflated).unwrap();
        zip.write_all(&bytes).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

#[test]
fn a_1c_exchange_brings_the_catalog_prices_and_stock_per_warehouse() {
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        let catalog = catalog::demo::generate(200);
        DbCatalogRepo::write(&mut t.db.get().unwrap(), &CatalogBatch::from(catalog)).unwrap();
        let mut conn = t.db.get().unwrap();
        DbOneC::map_warehouse(&mut conn, "wh-tverskaya", "STORE-001").unwrap();
        DbOneC::map_warehouse(&mut conn, "wh-arbat", "STORE-002").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let service = common::start(
            &t.raw_url,
            dir.path(),
            &[
                ("MERCHANT_ONEC_USER", USER),
                ("MERCHANT_ONEC_PASSWORD", PASSWORD),
                ("MERCHANT_ONEC_PRICE_TYPE", "Розничная"),
                ("MERCHANT_ONEC_FILE_LIMIT_BYTES", FILE_LIMIT),
            ],
        );

        // The full exchange, in windows-1251 as older configurations write.
        let mut onec = OneC::new(&service);
        let limit = onec.start("catalog");
        assert_eq!(limit, 2048);
        onec.send("import.xml", &cp1251(&fixture("import_2_10.xml")), limit);
        let imported = onec.import("import.xml");
        assert_eq!(imported[0], "success", "{backend}: {imported:?}");
        assert!(
            imported[1].contains("2 products"),
            "{backend}: the withdrawn one is not taken: {imported:?}"
        );
        onec.send("offers.xml", &cp1251(&fixture("offers_2_05.xml")), limit);
        let offered = onec.import("offers.xml");
        assert_eq!(offered[0], "success", "{backend}: {offered:?}");
        assert_eq!(offer(&t, "SKU-000001", "STORE-001"), Some((10_000, 8_990)), "{backend}");
        assert_eq!(offer(&t, "SKU-000001", "STORE-002"), Some((7_000, 8_990)), "{backend}");
        assert_eq!(
            offer(&t, "SKU-000007", "STORE-001"),
            Some((3_500, 124_900)),
            "{backend}: by the kilogram"
        );

        // The split files of a later exchange: prices alone, then counts alone.
        let mut later = OneC::new(&service);
        let limit = later.start("catalog");
        later.send("prices.xml", &fixture("prices_2_10.xml"), limit);
        assert_eq!(later.import("prices.xml")[0], "success", "{backend}");
        assert_eq!(offer(&t, "SKU-000001", "STORE-001"), Some((10_000, 9_250)), "{backend}: the count stays");
        later.send("rests.xml", &fixture("rests_2_10.xml"), limit);
        assert_eq!(later.import("rests.xml")[0], "success", "{backend}");
        assert_eq!(offer(&t, "SKU-000001", "STORE-002"), Some((0, 9_250)), "{backend}: the price stays");

        // Zipped, as 1C sends with zip=yes, the archive in parts.
        let zipped = zipped_exchange_files();
        let mut zipped_exchange = OneC::new(&service);
        let limit = zipped_exchange.start("catalog");
        // Parts smaller than the archive, as over a small file_limit.
        let part = limit.min(700);
        assert!(zipped.len() > part, "{backend}: the archive comes in parts");
        zipped_exchange.send("v8_exchange.zip", &zipped, part);
        assert_eq!(zipped_exchange.import("import.xml")[0], "success", "{backend}");
        assert_eq!(zipped_exchange.import("prices.xml")[0], "success", "{backend}");
        assert_eq!(offer(&t, "SKU-000001", "STORE-001").unwrap().1, 9_100, "{backend}: from the archive");
        later.cookie.clone_from(&zipped_exchange.cookie);

        // Refusals, each with its reason, none changing anything.
        let (status, _) =
            later.call(reqwest::Method::GET, "type=catalog&mode=checkauth", Vec::new(), "wrong");
        assert_eq!(status, 401, "{backend}");
        let stranger = OneC::new(&service);
        assert_eq!(stranger.get("type=catalog&mode=init")[0], "failure", "{backend}: no session");
        let (_, escaped) = later.call(
            reqwest::Method::POST,
            "type=catalog&mode=file&filename=../../etc/passwd",
            b"x".to_vec(),
            PASSWORD,
        );
        assert_eq!(escaped[0], "failure", "{backend}");
        let hostile = String::from_utf8(fixture("prices_2_10.xml"))
            .unwrap()
            .replace("92.50", "1.00")
            .replacen("?>", "?><!DOCTYPE x [<!ENTITY a \"b\">]>", 1);
        later.send("prices2.xml", hostile.as_bytes(), limit);
        let refused = later.import("prices2.xml");
        assert_eq!(refused[0], "failure", "{backend}: {refused:?}");
        assert!(refused[1].contains("DOCTYPE"), "{backend}: {refused:?}");
        assert_eq!(
            offer(&t, "SKU-000001", "STORE-001").unwrap().1,
            9_100,
            "{backend}: nothing of it applied"
        );
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
        assert!(
            !service.output().contains(PASSWORD) && !service.output().contains(&basic),
            "{backend}: no secret logged"
        );
    }
}

/// Python's own XML parser's reading of an orders file: per document its
/// number, sum, lines (article, quantity, sum) and the customer's contacts.
fn python_reads(xml: &str) -> serde_json::Value {
    use std::io::Write as _;
    let script = r"
import json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.buffer.read())
def text(node, path):
    found = node.find(path)
    return found.text.strip() if found is not None and found.text else None
docs = []
for d in root.findall('Документ'):
    docs.append({
        'number': text(d, 'Номер'),
        'sum': text(d, 'Сумма'),
        'lines': [[text(t, 'Артикул') or text(t, 'Ид'), text(t, 'Количество'), text(t, 'Сумма')] for t in d.findall('Товары/Товар')],
        'contacts': [text(c, 'Значение') for c in d.findall('Контрагенты/Контрагент/Контакты/Контакт')],
    })
print(json.dumps(docs, ensure_ascii=False))
";
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    child.stdin.take().unwrap().write_all(xml.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "python3 could not read it");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// An MCP pickup order of two SKU-000001 at STORE-001 and a Kuper order of
/// one, with its customer: our numbers of both.
fn two_orders(t: &TestDatabase) -> (String, String) {
    use orders::kuper::{EventNews, KuperInbox, NewKuperOrder, NewLine, ReceivedEvent};
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let clock: std::sync::Arc<dyn domain::Clock> = std::sync::Arc::new(domain::SystemClock);
    let ordering = t.ordering(clock, 100);
    runtime.block_on(async {
        let order = pickup_order(&ordering, 2, "alice").await;
        let mut new = NewKuperOrder::of("STORE-001", vec![NewLine::of("SKU-000001", 1.into())]);
        new.details.customer = Some(orders::kuper::details::Customer {
            name: Some("Ольга".into()),
            phone: Some("+79990000000".into()),
        });
        let event = ReceivedEvent {
            key: "k-1c".into(),
            event_type: "order.created".into(),
            original_order_id: "H-1C".into(),
            body: "{}".into(),
            received_at: chrono::Utc::now(),
            new_order: Some(new),
            news: EventNews::Nothing,
        };
        let receipt = storage::DbKuperInbox::new(t.db.clone()).receive(&event).await.unwrap();
        let orders::kuper::Reply::Created { number, .. } = receipt.reply else { panic!("{receipt:?}") };
        (order.id.to_string(), number.to_string())
    })
}

#[test]
fn orders_of_both_channels_go_to_1c_once_and_1c_s_changes_move_them() {
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        let mut catalog = catalog::demo::generate(200);
        for store in &mut catalog.stores {
            store.opening_hours = "24/7".into();
        }
        DbCatalogRepo::write(&mut t.db.get().unwrap(), &CatalogBatch::from(catalog)).unwrap();
        let (mcp_id, kuper_number) = two_orders(&t);
        let dir = tempfile::tempdir().unwrap();
        let service = common::start(
            &t.raw_url,
            dir.path(),
            &[("MERCHANT_ONEC_USER", USER), ("MERCHANT_ONEC_PASSWORD", PASSWORD)],
        );
        let mut onec = OneC::new(&service);
        let limit = onec.start("sale");

        let query = |onec: &OneC<'_>| {
            let response = onec
                .http
                .get(service.url("/1c/exchange?type=sale&mode=query"))
                .basic_auth(USER, Some(PASSWORD))
                .header("Cookie", onec.cookie.clone().unwrap())
                .send()
                .unwrap();
            assert_eq!(response.status().as_u16(), 200);
            response.text().unwrap()
        };
        let xml = query(&onec);
        let ours: Vec<commerceml::documents::Document> =
            commerceml::documents::read_documents(xml.as_bytes()).collect::<Result<_, _>>().unwrap();
        let numbers: Vec<&str> = ours.iter().map(|d| d.number.as_str()).collect();
        assert!(
            numbers.contains(&mcp_id.as_str()) && numbers.contains(&kuper_number.as_str()),
            "{backend}: {numbers:?}"
        );
        let python = python_reads(&xml);
        assert_eq!(python.as_array().unwrap().len(), ours.len(), "{backend}: {python}");
        for (doc, theirs) in ours.iter().zip(python.as_array().unwrap()) {
            assert_eq!(theirs["number"], doc.number, "{backend}");
            assert_eq!(theirs["sum"], doc.sum.to_string(), "{backend}");
            assert_eq!(theirs["lines"].as_array().unwrap().len(), doc.lines.len(), "{backend}");
            assert!(!doc.lines.is_empty(), "{backend}: every line of {}", doc.number);
            let lines: domain::Decimal = doc.lines.iter().map(|l| l.sum).sum();
            assert_eq!(lines, doc.sum, "{backend}: {} adds up", doc.number);
        }
        let kuper_doc = ours.iter().find(|d| d.number == kuper_number).unwrap();
        assert_eq!(kuper_doc.requisite("Канал"), Some("Kuper"), "{backend}");
        assert_eq!(
            python[ours.iter().position(|d| d.number == kuper_number).unwrap()]["contacts"],
            serde_json::json!(["+79990000000"])
        );

        // 1C took them: not sent again.
        assert_eq!(onec.get("type=sale&mode=success")[0], "success", "{backend}");
        let again: Vec<_> = commerceml::documents::read_documents(query(&onec).as_bytes()).collect();
        assert!(again.is_empty(), "{backend}: sent twice");

        // 1C's changes: the MCP order paid and set out, the Kuper one
        // canceled, and one order we never had.
        let doc = |number: &str, requisites: &[(&str, &str)]| commerceml::documents::Document {
            id: number.into(),
            number: number.into(),
            date: "2026-12-07".into(),
            operation: commerceml::documents::ORDER.into(),
            role: "Продавец".into(),
            currency: "RUB".into(),
            requisites: requisites.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            ..Default::default()
        };
        let changes = commerceml::documents::write_documents(
            &[
                doc(&mcp_id, &[("Заказ оплачен", "true"), ("Статус заказа", "Отгружен")]),
                doc(&kuper_number, &[("Отменен", "true")]),
                doc("ord_never", &[("Заказ оплачен", "true")]),
            ],
            "2.08",
            "2026-12-07T12:00:00",
        );
        let mut answer = Vec::new();
        for part in changes.as_bytes().chunks(limit.min(700)) {
            let (status, lines) = onec.call(
                reqwest::Method::POST,
                "type=sale&mode=file&filename=orders.xml",
                part.to_vec(),
                PASSWORD,
            );
            assert_eq!(status, 200, "{backend}");
            answer = lines;
        }
        assert_eq!(answer[0], "success", "{backend}: {answer:?}");
        assert!(answer[1].starts_with("3 documents, 4 steps taken, 1 refused"), "{backend}: {answer:?}");
        assert!(answer[2].contains("ord_never"), "{backend}: {answer:?}");
        let status = |id: &str| -> String {
            use storage::schema::orders;
            orders::table.find(id).select(orders::status).first(&mut *t.db.get().unwrap()).unwrap()
        };
        assert_eq!(status(&mcp_id), "ready_for_pickup", "{backend}");
        let kuper = storage::DbKuperInbox::order(&mut t.db.get().unwrap(), "H-1C").unwrap().unwrap();
        assert_eq!(kuper.status.as_str(), "canceled", "{backend}");
        // Changed since 1C confirmed them: sent again.
        let resent: Vec<_> = commerceml::documents::read_documents(query(&onec).as_bytes()).collect();
        assert_eq!(resent.len(), 2, "{backend}");
    }
}

/// The exchange's session is the database's: a file begun on one instance
/// goes on on another (two `mcp-api` behind one balancer) and on the first
/// again after it restarts.
#[test]
fn an_exchange_goes_on_across_instances_and_a_restart() {
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        DbCatalogRepo::write(&mut t.db.get().unwrap(), &CatalogBatch::from(catalog::demo::generate(200)))
            .unwrap();
        DbOneC::map_warehouse(&mut t.db.get().unwrap(), "wh-tverskaya", "STORE-001").unwrap();
        // Six held by an order before 1C counts the shelf.
        hold(&t, 6);
        let dir = tempfile::tempdir().unwrap();
        let env = [
            ("MERCHANT_ONEC_USER", USER),
            ("MERCHANT_ONEC_PASSWORD", PASSWORD),
            ("MERCHANT_ONEC_PRICE_TYPE", "Розничная"),
            ("MERCHANT_ONEC_FILE_LIMIT_BYTES", FILE_LIMIT),
        ];
        let first = common::start(&t.raw_url, dir.path(), &env);
        let second = common::start(&t.raw_url, dir.path(), &env);
        let mut on_first = OneC::new(&first);
        let limit = on_first.start("catalog");
        let import = fixture("import_2_10.xml");
        let (head, tail) = import.split_at(import.len() / 2);
        on_first.send("import.xml", head, limit);
        // The same session on the other instance.
        let mut on_second = OneC::new(&second);
        on_second.cookie.clone_from(&on_first.cookie);
        on_second.send("import.xml", tail, limit);
        assert_eq!(on_second.import("import.xml")[0], "success", "{backend}");
        // The first restarts; the session goes on there.
        let offers = fixture("offers_2_05.xml");
        on_second.send("offers.xml", &offers[..offers.len() / 2], limit);
        drop(on_first);
        drop(first);
        let restarted = common::start(&t.raw_url, dir.path(), &env);
        let mut after = OneC::new(&restarted);
        after.cookie.clone_from(&on_second.cookie);
        after.send("offers.xml", &offers[offers.len() / 2..], limit);
        assert_eq!(after.import("offers.xml")[0], "success", "{backend}");
        assert_eq!(offer(&t, "SKU-000001", "STORE-001"), Some((10_000, 8_990)), "{backend}");
        // 1C counted 10 on the shelf, our 6 still on it: 4 to sell.
        let figures =
            storage::DbStockLedger::offers(&mut t.db.get().unwrap(), "STORE-001", Some("SKU-000001"), 1)
                .unwrap()
                .remove(0);
        assert_eq!((figures.held.as_str(), figures.available.as_str()), ("6", "4"), "{backend}");
    }
}

/// An MCP pickup order holding `quantity` of SKU-000001 at STORE-001.
fn hold(t: &TestDatabase, quantity: i64) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let ordering = t.ordering(std::sync::Arc::new(domain::SystemClock), 100);
    runtime.block_on(pickup_order(&ordering, quantity, "bob"));
}

/// `user`'s pickup order of `quantity` SKU-000001 at STORE-001.
async fn pickup_order(ordering: &orders::Ordering, quantity: i64, user: &str) -> orders::Order {
    let rq = format!("rq-{user}-{quantity}");
    TestDatabase::pickup_order(ordering, "STORE-001", "SKU-000001", quantity.into(), &rq, user).await.unwrap()
}
