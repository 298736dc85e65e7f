//! The feed readers on small feeds: what lands, what is rejected and why.

use super::*;

fn entries(events: &[FeedEvent]) -> Vec<&FeedEntry> {
    events.iter().filter_map(|e| if let FeedEvent::Entry(e) = e { Some(e) } else { None }).collect()
}

fn rejected(events: &[FeedEvent]) -> Vec<(u64, String)> {
    events
        .iter()
        .filter_map(|e| if let FeedEvent::Rejected(r) = e { Some((r.line, r.reason.clone())) } else { None })
        .collect()
}

const YML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<yml_catalog date="2026-11-25 10:00">
  <shop>
    <name>Гастроном</name>
    <currencies><currency id="RUR" rate="1"/></currencies>
    <categories>
      <category id="1">Молочные продукты</category>
    </categories>
    <offers>
      <offer id="SKU-1" available="true">
        <name>Молоко &quot;Простоквашино&quot; 2,5% 1 л</name>
        <price>89.90</price>
        <oldprice>99.90</oldprice>
        <currencyId>RUR</currencyId>
        <categoryId>1</categoryId>
        <picture>https://cdn.example.com/1.jpg</picture>
        <picture>https://cdn.example.com/1b.jpg</picture>
        <vendor>Простоквашино</vendor>
        <description><![CDATA[Пастеризованное <b>молоко</b>]]></description>
        <outlets>
          <outlet id="S1" instock="12"/>
          <outlet id="S2" instock="0"/>
        </outlets>
      </offer>
      <offer id="SKU-2" available="true">
        <name>Бананы</name>
        <price>129</price>
        <currencyId>USD</currencyId>
        <categoryId>1</categoryId>
        <picture>https://cdn.example.com/2.jpg</picture>
      </offer>
      <offer id="SKU-3" available="true">
        <name>Сыр весовой</name>
        <price>abc</price>
        <categoryId>1</categoryId>
        <picture>https://cdn.example.com/3.jpg</picture>
      </offer>
      <offer id="SKU-4" available="false">
        <name>Сыр Гауда</name>
        <price>799</price>
        <categoryId>1</categoryId>
        <picture>https://cdn.example.com/4.jpg</picture>
        <param name="unit">kg</param>
        <weight>1</weight>
        <count>7</count>
      </offer>
    </offers>
  </shop>
</yml_catalog>
"#;

#[test]
fn yml_offers_with_outlets_params_and_entities() {
    let events: Vec<FeedEvent> = read_yml(YML.as_bytes()).collect();
    let good = entries(&events);
    assert_eq!(good.len(), 2, "{events:#?}");
    let milk = good[0];
    assert_eq!(milk.product.name, r#"Молоко "Простоквашино" 2,5% 1 л"#);
    assert_eq!(milk.product.category, "Молочные продукты");
    assert_eq!(milk.product.photo_url, "https://cdn.example.com/1.jpg");
    assert_eq!(milk.product.description, "Пастеризованное <b>молоко</b>");
    assert_eq!(milk.offers.len(), 2);
    assert_eq!(
        (milk.offers[0].store.as_ref().unwrap().as_str(), milk.offers[0].stock),
        ("S1", StockQty::units(12))
    );
    assert_eq!(milk.offers[0].price.minor(), 8990);
    assert_eq!(milk.offers[0].old_price.unwrap().minor(), 9990);
    let cheese = good[1];
    assert_eq!(cheese.product.unit, domain::Unit::Kg);
    assert_eq!(
        (cheese.offers[0].store.clone(), cheese.offers[0].stock),
        (None, StockQty::ZERO),
        "not available: no stock"
    );

    let bad = rejected(&events);
    assert_eq!(bad.len(), 2);
    assert!(bad[0].1.contains("currency \"USD\" is not supported"), "{bad:?}");
    assert!(bad[1].1.contains("price: \"abc\" is not a number"), "{bad:?}");
    assert_eq!(bad[0].0, 25, "the line of <offer id=\"SKU-2\">");
}

#[test]
fn broken_xml_is_fatal() {
    let broken = YML.replace("</name>\n        <price>129", "</nam>\n        <price>129");
    let events: Vec<FeedEvent> = read_yml(broken.as_bytes()).collect();
    assert!(
        matches!(events.last(), Some(FeedEvent::Fatal(r)) if r.reason.contains("broken XML")),
        "{events:#?}"
    );
    let truncated = &YML[..YML.find("<offer id=\"SKU-2\"").unwrap() + 40];
    let events: Vec<FeedEvent> = read_yml(truncated.as_bytes()).collect();
    assert!(matches!(events.last(), Some(FeedEvent::Fatal(_))), "{events:#?}");
}

const CSV: &str = "sku,name,unit,price,photo_url,category,store_id,stock,old_price,pickup
SKU-1,\"Молоко 2,5% 1 л\",pcs,\"89,90\",https://cdn.example.com/1.jpg,Молоко,S1,5,,
SKU-1,\"Молоко 2,5% 1 л\",pcs,91.00,https://cdn.example.com/1.jpg,Молоко,S2,0,,no
SKU-2,Бананы,kg,129,https://cdn.example.com/2.jpg,Фрукты,,10,,
SKU-3,Сыр,pack,100,https://cdn.example.com/3.jpg,Сыры,,1,,
SKU-4,Хлеб,pcs,-5,https://cdn.example.com/4.jpg,Хлеб,,1,,
SKU-5,Вода,pcs,30,,Напитки,,1,,
SKU-6,Соль,pcs,30,ftp://cdn.example.com/6.jpg,Бакалея,,1,,
";

#[test]
fn csv_rows_group_by_sku_and_bad_rows_are_named() {
    let events: Vec<FeedEvent> = read_csv(CSV.as_bytes()).collect();
    let good = entries(&events);
    assert_eq!(good.len(), 3, "{events:#?}");
    assert_eq!(good[2].product.photo_url, "", "no photo is not a reason to leave a product out");
    assert_eq!(good[0].offers.len(), 2);
    assert_eq!(good[0].offers[0].price.minor(), 8990);
    assert!(!good[0].offers[1].pickup);
    assert_eq!(good[1].offers[0].store, None);
    let bad = rejected(&events);
    assert_eq!(bad.iter().map(|(line, _)| *line).collect::<Vec<_>>(), [5, 6, 8], "{bad:?}");
    assert!(bad[0].1.contains("unknown unit"));
    assert!(bad[1].1.contains("must be positive"));
    assert!(bad[2].1.contains("photo"));
}

#[test]
fn csv_without_required_columns_is_fatal() {
    let events: Vec<FeedEvent> = read_csv("sku,name\nA,B\n".as_bytes()).collect();
    assert!(matches!(&events[..], [FeedEvent::Fatal(r)] if r.reason.contains("unit")), "{events:?}");
}

#[test]
fn batches_expand_all_store_offers_and_reject_duplicates_and_unknown_stores() {
    let csv = "sku,name,unit,price,photo_url,category,store_id
A,Молоко,pcs,10,https://x/a.jpg,М,
B,Кефир,pcs,10,https://x/b.jpg,М,S9
C,Сыр,pcs,10,https://x/c.jpg,М,S1
C,Сыр,pcs,11,https://x/c.jpg,М,S1
A,Молоко снова,pcs,10,https://x/a.jpg,М,S1
";
    let stores = vec![StoreId::new("S1").unwrap(), StoreId::new("S2").unwrap()];
    let mut batches = Batches::new(read_csv(csv.as_bytes()), stores, 1000);
    let batch = batches.next().unwrap().unwrap();
    assert!(batches.next().is_none());
    let offers: Vec<(&str, &str)> = batch.offers.iter().map(|o| (o.sku.as_str(), o.store.as_str())).collect();
    assert_eq!(offers, [("A", "S1"), ("A", "S2"), ("C", "S1")]);
    let reasons: Vec<&str> = batches.rejected.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(reasons[0].contains("unknown store S9"));
    assert!(reasons[1].contains("more than one offer of C in one store"));
    assert!(reasons[2].contains("duplicate id A"));
}

#[test]
fn stores_file() {
    let csv = r#"id,name,address,lat,lon,delivery_radius_m,delivery_polygon,pickup,opening_hours,time_zone
S1,Гастроном 1,"Москва, Тверская 1",55.757,37.61,3000,,true,Mo-Su 08:00-23:00,Europe/Moscow
S2,Гастроном 2,"Москва, Арбат 2",55.75,37.59,,"{""type"":""Polygon"",""coordinates"":[[[37.5,55.7],[37.7,55.7],[37.7,55.8],[37.5,55.8]]]}",false,,
S3,Плохой,"Москва",91,37.6,,,true,,
S1,Дубль,"Москва",55.7,37.6,,,true,,
S4,Ночной,"Москва",55.7,37.6,,,true,always open,
S5,Далёкий,"Москва",55.7,37.6,,,true,,Moscow
"#;
    let (stores, rejected) = read_stores_csv(csv.as_bytes()).unwrap();
    assert_eq!(stores.len(), 2);
    assert_eq!(stores[1].opening_hours, "Mo-Su 08:00-22:00", "the default hours");
    assert_eq!(stores[0].delivery_zone, Some(DeliveryZone::Radius { metres: 3000 }));
    assert!(matches!(stores[1].delivery_zone, Some(DeliveryZone::Polygon(ref ring)) if ring.len() == 4));
    assert_eq!(stores[1].time_zone, "Europe/Moscow");
    let lines: Vec<u64> = rejected.iter().map(|r| r.line).collect();
    assert_eq!(lines, [4, 5, 6, 7], "{rejected:?}");
    assert!(rejected[2].reason.starts_with("opening_hours:"), "{rejected:?}");
    assert!(rejected[3].reason.contains("unknown time zone \"Moscow\""), "{rejected:?}");
}

#[test]
fn vat_rates_come_from_every_feed_dialect() {
    use domain::VatRate;
    let offer = |id: &str, extra: &str| {
        format!(
            r#"<offer id="{id}" available="true"><name>Товар {id}</name><price>100</price><currencyId>RUR</currencyId>
               <categoryId>1</categoryId>{extra}</offer>"#
        )
    };
    let offers = [
        offer("V-1", r#"<param name="НДС">20%</param>"#),
        offer("V-2", "<vat>VAT_10</vat>"),
        offer("V-3", r#"<param name="ндс">без НДС</param>"#),
        offer("V-4", ""),
        offer("V-5", r#"<param name="НДС">18%</param>"#),
    ]
    .concat();
    let yml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><yml_catalog date="2026-11-25 10:00"><shop><name>Г</name>
           <categories><category id="1">Бакалея</category></categories><offers>{offers}</offers></shop></yml_catalog>"#
    );
    let events: Vec<FeedEvent> = read_yml(yml.as_bytes()).collect();
    let vats: Vec<(&str, Option<VatRate>)> =
        entries(&events).iter().map(|e| (e.product.sku.as_str(), e.product.vat)).collect();
    assert_eq!(
        vats,
        [
            ("V-1", Some(VatRate::Vat20)),
            ("V-2", Some(VatRate::Vat10)),
            ("V-3", Some(VatRate::None)),
            ("V-4", None)
        ]
    );
    let bad = rejected(&events);
    assert!(bad.len() == 1 && bad[0].1.contains("VAT \"18%\" is not a rate"), "{bad:?}");

    let csv = "sku,name,unit,price,photo_url,category,vat\nC-1,Хлеб,pcs,50,,Хлеб,10\nC-2,Кофе,pcs,500,,Кофе,20%\n\
               C-3,Соль,pcs,30,,Бакалея,\nC-4,Чай,pcs,90,,Чай,twenty\n";
    let events: Vec<FeedEvent> = read_csv(csv.as_bytes()).collect();
    let vats: Vec<Option<VatRate>> = entries(&events).iter().map(|e| e.product.vat).collect();
    assert_eq!(vats, [Some(VatRate::Vat10), Some(VatRate::Vat20), None]);
    let bad = rejected(&events);
    assert!(bad.len() == 1 && bad[0].0 == 5 && bad[0].1.contains("not a rate"), "{bad:?}");
}

/// A stock figure as a shelf holds it, in every form a feed writes one:
/// whole, with a fraction (point or comma), finer than a gram (rounded
/// down, never up), and out of range or negative (the row refused).
#[test]
fn stock_figures_keep_their_fraction_to_the_gram() {
    let cases: [(&str, Result<i64, &str>); 9] = [
        ("12", Ok(12_000)),
        (" 7 ", Ok(7_000)),
        ("12.5", Ok(12_500)),
        ("0,75", Ok(750)),
        ("1.2349", Ok(1_234)),
        ("0.0004", Ok(0)),
        ("-1", Err("negative")),
        ("99999999999999", Err("out of range")),
        ("много", Err("not a number")),
    ];
    for (text, expected) in cases {
        match (fields::stock(text), expected) {
            (Ok(got), Ok(thousandths)) => assert_eq!(got.thousandths(), thousandths, "{text}"),
            (Err(e), Err(why)) => assert!(e.contains(why), "{text}: {e}"),
            (got, expected) => panic!("{text}: {got:?}, expected {expected:?}"),
        }
    }
}

/// A batch says the shelf of every offer: an offer whose figure has a
/// fraction keeps it beside its whole units, in YML outlets, YML `count`
/// and CSV alike.
#[test]
fn a_batch_carries_fractional_shelves_of_every_dialect() {
    let yml = r#"<?xml version="1.0" encoding="UTF-8"?>
<yml_catalog><shop><currencies><currency id="RUR" rate="1"/></currencies><offers>
<offer id="CHEESE" available="true"><name>Сыр весовой</name><price>899</price><currencyId>RUR</currencyId><param name="unit">кг</param>
<outlets><outlet id="S1" instock="12.5"/><outlet id="S2" instock="3"/></outlets></offer>
<offer id="HAM" available="true"><name>Ветчина весовая</name><price>650</price><currencyId>RUR</currencyId><param name="unit">кг</param><count>0,75</count></offer>
</offers></shop></yml_catalog>"#;
    let csv = "sku,name,unit,price,photo_url,category,store_id,stock\nAPPLES,Яблоки,kg,129,,Фрукты,S2,4.25\n";
    let stores = [StoreId::new("S1").unwrap(), StoreId::new("S2").unwrap()];
    let batch_of = |events: Vec<FeedEvent>| {
        let mut batches = Batches::new(events.into_iter(), stores.to_vec(), 100);
        let batch = batches.next().expect("a batch").expect("readable");
        assert!(batches.rejected.is_empty(), "{:?}", batches.rejected);
        batch
    };
    let shelf = |batch: &CatalogBatch, sku: &str, store: &str| {
        let offer = batch.offers.iter().find(|o| o.sku.as_str() == sku && o.store.as_str() == store).unwrap();
        (offer.stock, batch.shelf(offer).thousandths())
    };
    let yml = batch_of(read_yml(yml.as_bytes()).collect());
    assert_eq!(shelf(&yml, "CHEESE", "S1"), (12, 12_500));
    assert_eq!(shelf(&yml, "CHEESE", "S2"), (3, 3_000));
    assert_eq!(shelf(&yml, "HAM", "S1"), (0, 750));
    assert_eq!(shelf(&yml, "HAM", "S2"), (0, 750));
    assert_eq!(yml.fractional_shelves.len(), 3, "whole figures need no entry");
    let csv = batch_of(read_csv(csv.as_bytes()).collect());
    assert_eq!(shelf(&csv, "APPLES", "S2"), (4, 4_250));
}
