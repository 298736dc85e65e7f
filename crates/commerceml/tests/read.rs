//! 1C's files as 1C writes them (fixtures shaped after 1C:Управление
//! торговлей's exchange with a site, schema 2.05 and 2.10), in UTF-8 and in
//! windows-1251.

use commerceml::catalog::{CatalogItem, read_import};
use commerceml::offers::{OffersItem, read_offers};
use rust_decimal::Decimal;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// `text` as a windows-1251 file, declaration and all.
fn cp1251(text: &[u8]) -> Vec<u8> {
    let text =
        String::from_utf8(text.to_vec()).unwrap().replace("encoding=\"UTF-8\"", "encoding=\"windows-1251\"");
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1251.encode(&text);
    assert!(!unmappable);
    bytes.into_owned()
}

#[test]
fn a_catalog_reads_its_groups_and_products_in_both_encodings() {
    for bytes in [fixture("import_2_10.xml"), cp1251(&fixture("import_2_10.xml"))] {
        let items: Vec<CatalogItem> = read_import(bytes.as_slice()).collect::<Result<_, _>>().unwrap();
        let groups: Vec<(String, Option<String>)> = items
            .iter()
            .filter_map(|i| match i {
                CatalogItem::Group(g) => Some((g.name.clone(), g.parent.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(
            groups,
            [
                ("Молочная продукция".to_owned(), None),
                ("Сыры".to_owned(), Some("a1b2c3d4-0001-11e9-80c0-00155d000001".to_owned()))
            ]
        );
        assert!(items.contains(&CatalogItem::OnlyChanges(false)));
        let products: Vec<&commerceml::catalog::Product> = items
            .iter()
            .filter_map(|i| match i {
                CatalogItem::Product(p) => Some(p),
                _ => None,
            })
            .collect();
        assert_eq!(products.len(), 3);
        let milk = products[0];
        assert_eq!(milk.article.as_deref(), Some("SKU-000001"));
        assert_eq!(milk.name, "Молоко 3,2% 1 л");
        assert_eq!((milk.unit.as_deref(), milk.unit_code.as_deref()), (Some("шт"), Some("796")));
        assert_eq!(milk.barcode.as_deref(), Some("4607025390015"));
        assert_eq!(milk.description.as_deref(), Some("Пастеризованное <цельное> молоко"));
        assert_eq!(milk.vat.as_deref(), Some("10"));
        assert_eq!(milk.weight(), Some(d("1.03")));
        assert_eq!(milk.requisite("ВидНоменклатуры"), Some("Товар"));
        let cheese = products[1];
        assert_eq!((cheese.unit.as_deref(), cheese.unit_code.as_deref()), (Some("кг"), Some("166")));
        assert_eq!(cheese.vat.as_deref(), Some("Без налога"));
        assert!(!cheese.deleted && products[2].deleted, "Статус=Удален is a withdrawn product");
    }
}

#[test]
fn offers_of_2_05_carry_prices_and_stock_per_warehouse_as_attributes() {
    for bytes in [fixture("offers_2_05.xml"), cp1251(&fixture("offers_2_05.xml"))] {
        let items: Vec<OffersItem> = read_offers(bytes.as_slice()).collect::<Result<_, _>>().unwrap();
        assert!(items.contains(&OffersItem::OnlyChanges(false)));
        let warehouses = items.iter().filter(|i| matches!(i, OffersItem::Warehouse(_))).count();
        assert_eq!(warehouses, 2);
        let offers: Vec<&commerceml::offers::Offer> = items
            .iter()
            .filter_map(|i| match i {
                OffersItem::Offer(o) => Some(o),
                _ => None,
            })
            .collect();
        let milk = offers[0];
        assert_eq!(milk.prices[0].per_unit, d("89.90"));
        assert_eq!(milk.prices[0].price_type, "c3f1a1e0-0001-11e9-80c0-00155d000001");
        assert_eq!(milk.stock.total, Some(d("17")));
        assert_eq!(
            milk.stock.by_warehouse,
            [("wh-tverskaya".to_owned(), d("10")), ("wh-arbat".to_owned(), d("7"))]
        );
        let cheese = offers[1];
        assert_eq!(cheese.product, "5f1c1e2a-7d33-11e9-80c0-00155d000202");
        assert_eq!(cheese.characteristic.as_deref(), Some("9d1e0a55-1111-11e9-80c0-00155d000777"));
        assert_eq!(cheese.prices[0].per_unit, d("1249.00"), "1 249,00");
        assert_eq!(cheese.stock.by_warehouse, [("wh-tverskaya".to_owned(), d("3.5"))]);
    }
}

#[test]
fn split_prices_and_rests_say_only_what_they_carry() {
    let prices: Vec<OffersItem> =
        read_offers(fixture("prices_2_10.xml").as_slice()).collect::<Result<_, _>>().unwrap();
    assert!(prices.contains(&OffersItem::OnlyChanges(true)));
    let OffersItem::Offer(repriced) = prices.last().unwrap() else { panic!("{prices:?}") };
    assert_eq!(repriced.prices[0].per_unit, d("92.50"));
    assert!(!repriced.stock.is_said(), "prices.xml leaves the stock as it is");

    let rests: Vec<OffersItem> =
        read_offers(fixture("rests_2_10.xml").as_slice()).collect::<Result<_, _>>().unwrap();
    let OffersItem::Offer(counted) = rests.last().unwrap() else { panic!("{rests:?}") };
    assert!(counted.prices.is_empty(), "rests.xml leaves the prices as they are");
    assert_eq!(
        counted.stock.by_warehouse,
        [("wh-tverskaya".to_owned(), d("10")), ("wh-arbat".to_owned(), d("0"))]
    );
    assert_eq!(counted.stock.total, None);
}

#[test]
fn a_number_that_is_not_one_stops_the_file_with_the_reason() {
    let bad = String::from_utf8(fixture("offers_2_05.xml"))
        .unwrap()
        .replace("<ЦенаЗаЕдиницу>89,90", "<ЦенаЗаЕдиницу>дорого");
    let error = read_offers(bad.as_bytes()).find_map(Result::err).unwrap();
    assert!(error.to_string().contains("дорого"), "{error}");
}
