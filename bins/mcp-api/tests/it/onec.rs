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
        assert!(init.contains(&"zip=no".to_owned()), "{init:?}");
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
            9_250,
            "{backend}: nothing of it applied"
        );
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
        assert!(
            !service.output().contains(PASSWORD) && !service.output().contains(&basic),
            "{backend}: no secret logged"
        );
    }
}
