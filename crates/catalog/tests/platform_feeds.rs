//! YML feeds in the style each platform Russian shops use exports them
//! (1C-Bitrix, InSales, Shop-Script, Tilda, a hand-made one in
//! windows-1251): every offer lands, with the unit of sale its feed means.
//! An offer's id ends in the unit expected (`-KG`, `-PCS`, `-G`, `-L`).

use catalog::import::unit::{BY_DEFAULT, BY_UNIT_PARAM, BY_WEIGHTED_FLAG};
use catalog::import::{FeedEntry, FeedEvent, read_yml};
use domain::Unit;

fn read(file: &str) -> (Vec<FeedEntry>, Vec<String>) {
    let path = format!("{}/tests/feeds/{file}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap();
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for event in read_yml(bytes.as_slice()) {
        match event {
            FeedEvent::Entry(entry) => entries.push(entry),
            FeedEvent::Rejected(r) | FeedEvent::Fatal(r) => problems.push(r.to_string()),
        }
    }
    (entries, problems)
}

fn expected(sku: &str) -> Unit {
    match sku.rsplit('-').next() {
        Some("KG") => Unit::Kg,
        Some("PCS") => Unit::Pcs,
        Some("G") => Unit::G,
        Some("L") => Unit::L,
        other => panic!("fixture id {sku} names no unit ({other:?})"),
    }
}

#[test]
fn every_platform_s_feed_imports_every_offer_with_its_unit() {
    for (file, offers) in
        [("bitrix.yml", 3), ("insales.yml", 3), ("shop-script.yml", 4), ("tilda.yml", 3), ("own.yml", 4)]
    {
        let (entries, problems) = read(file);
        assert!(problems.is_empty(), "{file}: {problems:#?}");
        assert_eq!(entries.len(), offers, "{file}");
        for entry in &entries {
            let sku = entry.product.sku.as_str();
            assert_eq!(entry.product.unit, expected(sku), "{file}: {sku} ({})", entry.unit_source);
        }
        let weighted = entries.iter().filter(|e| e.product.unit == Unit::Kg).count();
        assert!(weighted >= 1, "{file} has weighted goods");
    }
}

#[test]
fn how_each_unit_was_decided_is_told() {
    let (entries, _) = read("shop-script.yml");
    let sources: Vec<(&str, &str)> =
        entries.iter().map(|e| (e.product.sku.as_str(), e.unit_source)).collect();
    assert_eq!(
        sources,
        [
            ("S-31-KG", BY_WEIGHTED_FLAG),
            ("S-32-KG", BY_UNIT_PARAM),
            ("S-33-G", BY_UNIT_PARAM),
            ("S-34-PCS", BY_DEFAULT)
        ]
    );
}

#[test]
fn a_feed_without_pictures_imports_and_keeps_the_rest() {
    let (entries, problems) = read("tilda.yml");
    assert!(problems.is_empty(), "{problems:?}");
    assert!(entries.iter().all(|e| e.product.photo_url.is_empty()));
    assert_eq!(entries[0].product.name, "Печенье овсяное на развес");
}

#[test]
fn a_windows_1251_feed_reads_as_the_shop_wrote_it() {
    let (entries, problems) = read("own.yml");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(entries[0].product.name, "Картофель молодой");
    assert_eq!(entries[0].product.category, "Овощи");
    assert_eq!(entries[0].offers[0].price.minor(), 5990);
}

#[test]
fn repeated_barcodes_keep_the_first_and_odd_fields_are_read_past() {
    let (entries, _) = read("bitrix.yml");
    let gauda = &entries[0];
    assert_eq!(gauda.product.barcode.as_deref(), Some("4600000000101"));
    assert_eq!(
        gauda.offers[0].stock,
        catalog::stock::StockQty::from_thousandths(12_500),
        "12.5 kg on hand, kept to the gram"
    );
}
