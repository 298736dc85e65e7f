//! `cargo xtask bench 1c`: 1C's exchange with a site on PostgreSQL, through
//! `mcp-api` over HTTP as 1C makes it: an `import.xml` of the demo
//! catalog's products, then an `offers.xml` of 100,000 offers (stock per
//! warehouse, one warehouse per store), each sent in parts and applied by
//! `import`. Timed from the `import` call to its answer; the service's
//! memory read before and after, to show the file is streamed, not held.

use std::fmt::Write as _;
use std::io::BufReader;
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine as _;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::{ScratchSchema, connect, post, release_binaries, rss_kib, start_service, stop, write_section};
use crate::Result;

const SCHEMA: &str = "bench_onec";
const USER: &str = "bench-1c";
const PASSWORD: &str = "bench-1c-password";
/// The part size 1C is told (`file_limit`).
const PART: usize = 8 << 20;

#[derive(Debug)]
pub struct Settings {
    pub offers: usize,
    pub database_url: String,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    sku: String,
    #[diesel(sql_type = Text)]
    store_id: String,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// `import.xml` of `skus` and `offers.xml` of every (sku, store) offer.
fn files(offers: &[Row]) -> (String, String) {
    let mut skus: Vec<&str> = offers.iter().map(|o| o.sku.as_str()).collect();
    skus.dedup();
    let mut import = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<КоммерческаяИнформация ВерсияСхемы=\"2.10\">\n<Каталог><Товары>\n",
    );
    for sku in &skus {
        let _ = writeln!(
            import,
            "<Товар><Ид>guid-{sku}</Ид><Артикул>{}</Артикул><Наименование>Товар {}</Наименование><БазоваяЕдиница Код=\"796\">шт</БазоваяЕдиница></Товар>",
            escape(sku),
            escape(sku)
        );
    }
    import.push_str("</Товары></Каталог>\n</КоммерческаяИнформация>\n");
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<КоммерческаяИнформация ВерсияСхемы=\"2.10\">\n<ПакетПредложений>\n\
         <ТипыЦен><ТипЦены><Ид>retail</Ид><Наименование>Розничная</Наименование><Валюта>RUB</Валюта></ТипЦены></ТипыЦен>\n<Предложения>\n",
    );
    let mut i = 0;
    while i < offers.len() {
        let sku = &offers[i].sku;
        let _ = write!(
            xml,
            "<Предложение><Ид>guid-{sku}</Ид><Цены><Цена><ИдТипаЦены>retail</ИдТипаЦены><ЦенаЗаЕдиницу>{}.90</ЦенаЗаЕдиницу></Цена></Цены><Остатки>",
            100 + i % 900
        );
        while i < offers.len() && &offers[i].sku == sku {
            let _ = write!(
                xml,
                "<Остаток><Склад><Ид>wh-{}</Ид><Количество>{}</Количество></Склад></Остаток>",
                offers[i].store_id,
                i % 50
            );
            i += 1;
        }
        xml.push_str("</Остатки></Предложение>\n");
    }
    xml.push_str("</Предложения></ПакетПредложений>\n</КоммерческаяИнформация>\n");
    (import, xml)
}

/// `bytes` in MiB, for the report.
fn mib(bytes: usize) -> f64 {
    #[allow(clippy::cast_precision_loss)] // a file's size in a report
    let bytes = bytes as f64;
    bytes / f64::from(1 << 20)
}

struct Exchange<'a> {
    conn: BufReader<TcpStream>,
    addr: &'a str,
    headers: Vec<(String, String)>,
}

impl Exchange<'_> {
    fn call(&mut self, query: &str, body: &str) -> Result<Vec<String>> {
        let headers: Vec<(&str, &str)> = self.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (status, text) =
            post(&mut self.conn, self.addr, &format!("/1c/exchange?{query}"), &headers, body)?;
        if status != 200 {
            return Err(format!("{query} answered {status}: {text}").into());
        }
        Ok(text.lines().map(str::to_owned).collect())
    }

    fn send(&mut self, filename: &str, file: &str) -> Result {
        let mut rest = file;
        while !rest.is_empty() {
            let mut cut = rest.len().min(PART);
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            let (part, next) = rest.split_at(cut);
            let answer = self.call(&format!("type=catalog&mode=file&filename={filename}"), part)?;
            if answer.first().map(String::as_str) != Some("success") {
                return Err(format!("file {filename}: {answer:?}").into());
            }
            rest = next;
        }
        Ok(())
    }

    fn import(&mut self, filename: &str) -> Result<(Duration, Vec<String>)> {
        let started = Instant::now();
        let answer = self.call(&format!("type=catalog&mode=import&filename={filename}"), "")?;
        let took = started.elapsed();
        if answer.first().map(String::as_str) != Some("success") {
            return Err(format!("import {filename}: {answer:?}").into());
        }
        Ok((took, answer))
    }
}

/// The demo's 1C: two products of the demo catalog with a price and a
/// count in the warehouse mapped to STORE-001, then the orders back.
/// Returns what it did, a line each.
pub(crate) fn demo(addr: &str, user: &str, password: &str, warehouse: &str) -> Result<Vec<String>> {
    let offers: Vec<Row> = ["SKU-000001", "SKU-000002"]
        .iter()
        .map(|sku| Row { sku: (*sku).to_owned(), store_id: warehouse.trim_start_matches("wh-").to_owned() })
        .collect();
    let (import, offers_xml) = files(&offers);
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let mut exchange = Exchange {
        conn: connect(addr)?,
        addr,
        headers: vec![("authorization".into(), format!("Basic {basic}"))],
    };
    let auth = exchange.call("type=catalog&mode=checkauth", "")?;
    exchange.headers.push((
        "cookie".into(),
        format!("{}={}", auth.get(1).cloned().unwrap_or_default(), auth.get(2).cloned().unwrap_or_default()),
    ));
    exchange.call("type=catalog&mode=init", "")?;
    exchange.send("import.xml", &import)?;
    let (_, imported) = exchange.import("import.xml")?;
    exchange.send("offers.xml", &offers_xml)?;
    let (_, offered) = exchange.import("offers.xml")?;
    let orders = exchange.call("type=sale&mode=query", "")?;
    let documents = orders.iter().filter(|l| l.contains("<Документ>")).count();
    exchange.call("type=sale&mode=success", "")?;
    Ok(vec![
        imported.get(1).cloned().unwrap_or_default(),
        offered.get(1).cloned().unwrap_or_default(),
        format!("orders: {documents} documents handed to 1C and confirmed"),
    ])
}

pub fn run(root: &Path, settings: &Settings) -> Result {
    println!("bench 1c: building release binaries");
    let bin = release_binaries(root, &["mcp-api", "merchantctl"])?;
    let schema = ScratchSchema::create(&settings.database_url, SCHEMA)?;
    let url = schema.url.clone();
    super::merchantctl(&bin, &url, &["migrate"])?;
    println!("bench 1c: loading {} offers", settings.offers);
    super::merchantctl(&bin, &url, &["demo-data", "--offers", &settings.offers.to_string()])?;
    let offers: Vec<Row> = diesel::sql_query("SELECT sku, store_id FROM offers ORDER BY sku, store_id")
        .load(&mut PgConnection::establish(&url)?)?;
    let stores: Vec<Row> = diesel::sql_query("SELECT DISTINCT '' AS sku, store_id FROM offers")
        .load(&mut PgConnection::establish(&url)?)?;
    for store in &stores {
        super::merchantctl(
            &bin,
            &url,
            &["onec", "warehouse", &format!("wh-{}", store.store_id), &store.store_id],
        )?;
    }
    let (import, offers_xml) = files(&offers);
    let file_limit = PART.to_string();
    let (service, addr) = start_service(
        root,
        &bin.join("mcp-api"),
        &[
            ("MERCHANT_DATABASE_URL", &url),
            ("MERCHANT_ONEC_USER", USER),
            ("MERCHANT_ONEC_PASSWORD", PASSWORD),
            ("MERCHANT_ONEC_FILE_LIMIT_BYTES", &file_limit),
        ],
    )?;
    let pid = service.id();
    let outcome = (|| -> Result<(Duration, Duration, u64, u64)> {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
        let mut exchange = Exchange {
            conn: connect(&addr)?,
            addr: &addr,
            headers: vec![("authorization".into(), format!("Basic {basic}"))],
        };
        let auth = exchange.call("type=catalog&mode=checkauth", "")?;
        exchange.headers.push(("cookie".into(), format!("{}={}", auth[1], auth[2])));
        exchange.call("type=catalog&mode=init", "")?;
        println!("bench 1c: import.xml, {} bytes", import.len());
        exchange.send("import.xml", &import)?;
        let (products, _) = exchange.import("import.xml")?;
        println!("bench 1c: offers.xml, {} offers in {} bytes", offers.len(), offers_xml.len());
        exchange.send("offers.xml", &offers_xml)?;
        let before = rss_kib(pid);
        let (applied, answer) = exchange.import("offers.xml")?;
        let after = rss_kib(pid);
        println!("bench 1c: {answer:?}");
        Ok((products, applied, before, after))
    })();
    stop(service);
    let (products, applied, before, after) = outcome?;
    let report = format!(
        "# bench: 1c\n\n`cargo xtask bench 1c --offers {n}`: 1C's exchange with a site on PostgreSQL through a release \
         `mcp-api`, files sent in parts of {part} MiB as 1C sends them.\n\n\
         | file | size | applied in |\n| --- | ---: | ---: |\n\
         | import.xml ({products_n} products) | {isize:.1} MiB | {products:.2} s |\n\
         | offers.xml ({n} offers, stock per warehouse) | {osize:.1} MiB | {applied:.2} s (target ≤ 10 s) |\n\n\
         - `mcp-api`'s resident memory: {before} KiB before the offers were applied, {after} KiB after \
         (the file is {osize:.1} MiB: read part by part, one offer in memory at a time).\n",
        n = offers.len(),
        part = PART >> 20,
        products_n = offers.iter().map(|o| o.sku.as_str()).collect::<std::collections::BTreeSet<_>>().len(),
        isize = mib(import.len()),
        osize = mib(offers_xml.len()),
        products = products.as_secs_f64(),
        applied = applied.as_secs_f64(),
    );
    write_section(root, "1c", &report)?;
    println!("{report}");
    if applied > Duration::from_secs(10) {
        return Err(format!(
            "bench 1c: {:.1} s for {} offers, over the 10 s target",
            applied.as_secs_f64(),
            offers.len()
        )
        .into());
    }
    Ok(())
}
