//! 1C's exchange on both backends: files uploaded in parts (split inside a
//! character), the catalog and offers applied as 1C wrote them (UTF-8 and
//! windows-1251), counts that never touch a hold, and a file that cannot be
//! applied leaves nothing of itself.

use std::sync::Arc;

use catalog::import::onec::{ImportError, OneCExchange};
use chrono::Utc;
use domain::{Decimal, ManualClock};
use storage::testing::TestDatabase;
use storage::{DbConn, DbOneC, DbOneCExchange, DbStockLedger};

const SESSION: &str = "a-session-hash";

const IMPORT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация ВерсияСхемы="2.10">
  <Классификатор><Группы><Группа><Ид>g1</Ид><Наименование>Молочные продукты</Наименование></Группа></Группы></Классификатор>
  <Каталог СодержитТолькоИзменения="true"><Товары>
    <Товар><Ид>guid-milk</Ид><Артикул>MILK</Артикул><Наименование>Молоко 3,2%</Наименование>
      <БазоваяЕдиница Код="796">шт</БазоваяЕдиница><Группы><Ид>g1</Ид></Группы></Товар>
    <Товар><Ид>guid-cheese</Ид><Артикул>CHEESE</Артикул><Наименование>Сыр Российский</Наименование>
      <БазоваяЕдиница Код="166">кг</БазоваяЕдиница><Группы><Ид>g1</Ид></Группы></Товар>
    <Товар><Ид>guid-rope</Ид><Наименование>Верёвка</Наименование><БазоваяЕдиница Код="006">м</БазоваяЕдиница></Товар>
  </Товары></Каталог>
</КоммерческаяИнформация>"#;

fn offers(milk_price: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="windows-1251"?>
<КоммерческаяИнформация ВерсияСхемы="2.10">
  <ПакетПредложений СодержитТолькоИзменения="true">
    <ТипыЦен><ТипЦены><Ид>retail</Ид><Наименование>Розничная</Наименование><Валюта>RUB</Валюта></ТипЦены></ТипыЦен>
    <Предложения>
      <Предложение><Ид>guid-milk</Ид><Цены><Цена><ИдТипаЦены>retail</ИдТипаЦены><ЦенаЗаЕдиницу>{milk_price}</ЦенаЗаЕдиницу></Цена></Цены>
        <Остатки><Остаток><Склад><Ид>wh-1</Ид><Количество>10</Количество></Склад></Остаток></Остатки></Предложение>
      <Предложение><Ид>guid-cheese</Ид><Цены><Цена><ИдТипаЦены>retail</ИдТипаЦены><ЦенаЗаЕдиницу>1 249,00</ЦенаЗаЕдиницу></Цена></Цены>
        <Остатки><Остаток><Склад><Ид>wh-1</Ид><Количество>3,5</Количество></Склад></Остаток>
                 <Остаток><Склад><Ид>wh-9</Ид><Количество>4</Количество></Склад></Остаток></Остатки></Предложение>
      <Предложение><Ид>guid-unknown</Ид><Остатки><Остаток><Склад><Ид>wh-1</Ид><Количество>1</Количество></Склад></Остаток></Остатки></Предложение>
    </Предложения>
  </ПакетПредложений>
</КоммерческаяИнформация>"#
    )
}

fn cp1251(text: &str) -> Vec<u8> {
    encoding_rs::WINDOWS_1251.encode(text).0.into_owned()
}

/// Shelf, held, available and the price in kopecks of `sku` in S1.
fn figures(conn: &mut DbConn, sku: &str) -> (String, String, String, i64) {
    use diesel::prelude::*;
    use storage::schema::offers;
    let o = DbStockLedger::offers(conn, "S1", Some(sku), 1).unwrap().remove(0);
    let price: i64 = offers::table.find((sku, "S1")).select(offers::price_minor).first(&mut **conn).unwrap();
    (o.shelf, o.held, o.available, price)
}

/// Uploads `bytes` as `filename` in parts of `part` bytes.
async fn upload(exchange: &DbOneCExchange, filename: &str, bytes: &[u8], part: usize) {
    for chunk in bytes.chunks(part) {
        assert!(exchange.append(SESSION, filename, chunk.to_vec(), 1 << 20).await.unwrap());
    }
}

#[test]
fn a_catalog_and_its_offers_apply_as_counts_that_never_touch_a_hold() {
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        t.one_store(&[("MILK", 10)]);
        let o = t.ordering(Arc::new(ManualClock::new(Utc::now())) as _, 100);
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let exchange = DbOneCExchange::new(t.db.clone());
        let mut conn = t.db.get().unwrap();
        DbOneC::map_warehouse(&mut conn, "wh-1", "S1").unwrap();
        runtime.block_on(async {
            TestDatabase::pickup_checkout(&o, Decimal::from(6), "rq-1").await.unwrap();
            exchange.open_session(SESSION, Utc::now()).await.unwrap();
            // Parts of 7 bytes: many split a two-byte letter.
            upload(&exchange, "import.xml", IMPORT.as_bytes(), 7).await;
            let report = exchange.import(SESSION, "import.xml", None, Utc::now()).await.unwrap();
            assert_eq!(report.products, 2, "{backend}: {report:?}");
            assert!(report.left_out[0].contains("guid-rope"), "{backend}: metres are not sold: {report:?}");

            upload(&exchange, "offers.xml", &cp1251(&offers("92,50")), 100).await;
            let report =
                exchange.import(SESSION, "offers.xml", Some("Розничная".into()), Utc::now()).await.unwrap();
            assert_eq!(report.offers, 2, "{backend}: {report:?}");
            let left_out = report.left_out.join("\n");
            assert!(left_out.contains("guid-unknown") && left_out.contains("wh-9"), "{backend}: {left_out}");
        });
        // 1C counted 10 on the shelf; our 6 are held on it: 4 to sell.
        assert_eq!(figures(&mut conn, "MILK"), ("10".into(), "6".into(), "4".into(), 9_250), "{backend}");
        assert_eq!(
            figures(&mut conn, "CHEESE"),
            ("3.5".into(), "0".into(), "3.5".into(), 124_900),
            "{backend}"
        );

        // A file that cannot be applied leaves nothing of itself.
        runtime.block_on(async {
            let hostile = offers("99,00").replacen("?>", "?><!DOCTYPE x [<!ENTITY a \"b\">]>", 1);
            upload(&exchange, "offers2.xml", &cp1251(&hostile), 1000).await;
            let e = exchange.import(SESSION, "offers2.xml", None, Utc::now()).await.unwrap_err();
            assert!(matches!(&e, ImportError::File(why) if why.contains("DOCTYPE")), "{backend}: {e}");
            let broken = offers("99,00").replace("1 249,00", "дорого");
            upload(&exchange, "offers3.xml", &cp1251(&broken), 1000).await;
            let e =
                exchange.import(SESSION, "offers3.xml", Some("retail".into()), Utc::now()).await.unwrap_err();
            assert!(matches!(&e, ImportError::File(why) if why.contains("дорого")), "{backend}: {e}");
            let missing = exchange.import(SESSION, "never.xml", None, Utc::now()).await.unwrap_err();
            assert!(matches!(missing, ImportError::File(_)), "{backend}");
        });
        assert_eq!(
            figures(&mut conn, "MILK").3,
            9_250,
            "{backend}: the milk's 99,00 came in a file refused whole"
        );
    }
}

#[test]
fn sessions_end_when_idle_and_files_grow_no_larger_than_allowed() {
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let exchange = DbOneCExchange::new(t.db.clone());
        runtime.block_on(async {
            let start = Utc::now();
            exchange.open_session(SESSION, start).await.unwrap();
            assert!(exchange.touch_session(SESSION, start, start).await.unwrap(), "{backend}");
            assert!(!exchange.touch_session("another", start, start).await.unwrap(), "{backend}");
            assert!(exchange.append(SESSION, "big.xml", vec![b'x'; 600], 1000).await.unwrap());
            assert!(
                !exchange.append(SESSION, "big.xml", vec![b'x'; 600], 1000).await.unwrap(),
                "{backend}: over the limit"
            );
            let later = start + chrono::Duration::hours(2);
            assert!(
                !exchange.touch_session(SESSION, later, later).await.unwrap(),
                "{backend}: idle too long"
            );
        });
        let mut conn = t.db.get().unwrap();
        assert_eq!(DbOneC::end_idle_sessions(&mut conn, Utc::now() + chrono::Duration::hours(3)).unwrap(), 1);
        assert!(DbOneC::files(&mut conn, SESSION).unwrap().is_empty(), "{backend}");
    }
}

/// A zip archive of `entries`, deflated, as 1C sends with `zip=yes`.
fn archive(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write as _;
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

#[test]
fn archives_unpack_into_the_folder_within_their_bounds_or_not_at_all() {
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        t.one_store(&[("MILK", 10)]);
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let exchange = DbOneCExchange::new(t.db.clone()).with_max_unpacked(1 << 20);
        DbOneC::map_warehouse(&mut t.db.get().unwrap(), "wh-1", "S1").unwrap();
        runtime.block_on(async {
            exchange.open_session(SESSION, Utc::now()).await.unwrap();
            let good =
                archive(&[("import.xml", IMPORT.as_bytes()), ("offers.xml", &cp1251(&offers("95,00")))]);
            upload(&exchange, "import_files.zip", &good, 333).await;
            let report = exchange.import(SESSION, "import.xml", None, Utc::now()).await.unwrap();
            assert_eq!(report.products, 2, "{backend}");
            let report = exchange.import(SESSION, "offers.xml", None, Utc::now()).await.unwrap();
            assert_eq!(report.offers, 2, "{backend}");

            // Two megabytes of zeros: a few kilobytes packed, over the bound unpacked.
            let bomb = archive(&[("offers2.xml", &vec![b' '; 2 << 20])]);
            assert!(bomb.len() < 64 << 10);
            upload(&exchange, "bomb.zip", &bomb, 1 << 16).await;
            let e = exchange.import(SESSION, "offers2.xml", None, Utc::now()).await.unwrap_err();
            assert!(
                matches!(&e, ImportError::File(why) if why.contains("unpacks to over")),
                "{backend}: {e}"
            );
            let escape = archive(&[("../../offers3.xml", b"<x/>")]);
            upload(&exchange, "escape.zip", &escape, 1 << 16).await;
            let e = exchange.import(SESSION, "offers3.xml", None, Utc::now()).await.unwrap_err();
            assert!(
                matches!(&e, ImportError::File(why) if why.contains("leaves the exchange's folder")),
                "{backend}: {e}"
            );
        });
        let mut conn = t.db.get().unwrap();
        let files = DbOneC::files(&mut conn, SESSION).unwrap();
        assert!(
            !files.iter().any(|f| f.contains("offers2")
                || f.contains("offers3")
                || catalog::import::onec::is_archive(f)),
            "{backend}: {files:?}"
        );
        assert_eq!(figures(&mut conn, "MILK").3, 9_500, "{backend}");
    }
}
