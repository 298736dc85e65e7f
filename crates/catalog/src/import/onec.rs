//! 1C's catalog and offers (CommerceML, read by the `commerceml` crate) in
//! the catalog's terms. Every rule of taking them is here, as pure
//! functions; the exchange endpoint and storage carry them out.
//!
//! - A product's SKU is its `Артикул` (the merchant's own code, what their
//!   people and other systems call it), or 1C's `Ид` when it has none.
//!   Offers name products by `Ид` only: the exchange keeps which `Ид` is
//!   which SKU.
//! - The unit of sale is the base unit's OKEI code (796 pieces, 166
//!   kilograms, 163 grams, 112 litres, 111 millilitres), else its short name.
//! - A product's category is its first group's name.
//! - An offer's stock is per warehouse (`Склад` `Ид`), each warehouse one of
//!   our stores by the merchant's map; a warehouse not in the map is
//!   reported, never guessed. An offer with only a total and a map of one
//!   warehouse puts the total in that store.
//! - Its price is the one of the configured price type (`ТипЦены` by `Ид`
//!   or name), else of the only price type the file has.

use std::collections::HashMap;
use std::hash::BuildHasher;

use commerceml::catalog::Product as OneCProduct;
use commerceml::offers::{Offer as OneCOffer, PriceType};
use domain::{Decimal, Unit};

use super::fields;
use crate::model::Product;

/// The SKU 1C's product takes.
pub fn sku_of(p: &OneCProduct) -> String {
    p.article.clone().filter(|a| !a.trim().is_empty()).unwrap_or_else(|| p.id.clone())
}

/// Our unit for 1C's base unit.
pub fn unit_of(code: Option<&str>, name: Option<&str>) -> Result<Unit, String> {
    let by_code = match code.map(|c| c.trim().trim_start_matches('0')) {
        Some("796" | "778" | "839" | "704" | "715") => Some(Unit::Pcs),
        Some("166") => Some(Unit::Kg),
        Some("163") => Some(Unit::G),
        Some("112") => Some(Unit::L),
        Some("111") => Some(Unit::Ml),
        _ => None,
    };
    if let Some(unit) = by_code {
        return Ok(unit);
    }
    let name = name.unwrap_or_default().trim().trim_end_matches('.').to_lowercase();
    Ok(match name.as_str() {
        "" | "шт" | "штука" | "штук" | "pce" | "pcs" | "упак" | "уп" | "упаковка" | "пач" | "бут" | "бан" => {
            Unit::Pcs
        }
        "кг" | "килограмм" | "kg" | "kgm" => Unit::Kg,
        "г" | "гр" | "грамм" | "g" | "grm" => Unit::G,
        "л" | "литр" | "l" | "ltr" => Unit::L,
        "мл" | "миллилитр" | "ml" | "mlt" => Unit::Ml,
        other => return Err(format!("unit {other:?} (OKEI {:?}) is not one we sell by", code.unwrap_or(""))),
    })
}

/// 1C's VAT wording as a rate the receipts take (`Без налога` is none).
fn vat_of(rate: Option<&str>) -> String {
    match rate.map(str::trim) {
        Some(r) if r.to_lowercase().starts_with("без") => "без НДС".into(),
        Some(r) => r.into(),
        None => String::new(),
    }
}

/// 1C's product as ours; `groups` names 1C's groups by `Ид`.
pub fn product<S: BuildHasher>(
    p: &OneCProduct,
    groups: &HashMap<String, String, S>,
) -> Result<Product, String> {
    let unit = unit_of(p.unit_code.as_deref(), p.unit.as_deref())?;
    let category = p.groups.iter().find_map(|g| groups.get(g)).map_or("", String::as_str);
    fields::product(
        &sku_of(p),
        &p.name,
        unit.as_str(),
        "",
        category,
        p.description.as_deref().unwrap_or_default(),
        "",
        "",
        p.requisite("Производитель").unwrap_or_default(),
        p.barcode.as_deref().unwrap_or_default(),
        &vat_of(p.vat.as_deref()),
    )
}

/// The price type offers are priced by: `wanted` (an `Ид` or a name) when
/// set, else the file's only one.
pub fn price_type<'a>(types: &'a [PriceType], wanted: Option<&str>) -> Result<&'a PriceType, String> {
    match wanted {
        Some(w) => {
            types.iter().find(|t| t.id == w || t.name.to_lowercase() == w.to_lowercase()).ok_or_else(|| {
                let known: Vec<&str> = types.iter().map(|t| t.name.as_str()).collect();
                format!("no price type {w:?} in the file (it has {})", known.join(", "))
            })
        }
        None if types.len() == 1 => Ok(&types[0]),
        None => Err(format!(
            "the file has {} price types: say which is the shop's (MERCHANT_ONEC_PRICE_TYPE)",
            types.len()
        )),
    }
}

/// What one 1C offer asks of one of our stores.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreFigures {
    pub store: String,
    /// `None`: the file did not say (prices.xml).
    pub stock: Option<Decimal>,
    /// `None`: the file did not say (rests.xml).
    pub price: Option<Decimal>,
}

/// What `offer` asks of our stores: its stock per warehouse through
/// `warehouses` (1C's `Ид` to our store), its price of `price_type`.
/// Warehouses not in the map are returned apart, to be reported.
pub fn figures<S: BuildHasher>(
    offer: &OneCOffer,
    warehouses: &HashMap<String, String, S>,
    price_type: Option<&str>,
) -> (Vec<StoreFigures>, Vec<String>) {
    let price = price_type.and_then(|t| offer.prices.iter().find(|p| p.price_type == t)).map(|p| p.per_unit);
    let mut out: Vec<StoreFigures> = Vec::new();
    let mut unknown = Vec::new();
    if offer.stock.by_warehouse.is_empty() {
        // A total alone: it is the store's when the merchant has one.
        let stores: Vec<&String> = {
            let mut s: Vec<&String> = warehouses.values().collect();
            s.sort();
            s.dedup();
            s
        };
        let stock = if stores.len() == 1 { offer.stock.total } else { None };
        for store in stores {
            out.push(StoreFigures { store: store.clone(), stock, price });
        }
        return (out, unknown);
    }
    for (warehouse, count) in &offer.stock.by_warehouse {
        match warehouses.get(warehouse) {
            Some(store) => match out.iter_mut().find(|f| &f.store == store) {
                // Two warehouses of one store add up.
                Some(f) => f.stock = Some(f.stock.unwrap_or_default() + count),
                None => out.push(StoreFigures { store: store.clone(), stock: Some(*count), price }),
            },
            None => unknown.push(warehouse.clone()),
        }
    }
    (out, unknown)
}

/// A count 1C reports as a shelf: to the gram; below zero (1C allows
/// selling into minus) is nothing on the shelf.
pub fn shelf(count: Decimal) -> Option<crate::stock::StockQty> {
    crate::stock::StockQty::from_decimal(count.max(Decimal::ZERO).trunc_with_scale(3)).ok()
}

/// A price 1C gives, in kopecks (rounded like a till); `None` when it is
/// not a price (zero or less).
pub fn price_minor(price: Decimal) -> Option<i64> {
    (price > Decimal::ZERO)
        .then(|| {
            domain::Money::from_decimal_rounded(price, domain::Currency::Rub, domain::Rounding::HalfUp).ok()
        })
        .flatten()
        .map(domain::Money::minor)
}

/// The most entries a zip archive of the exchange may hold.
pub const MAX_ZIP_ENTRIES: usize = 10_000;
/// The most an archive may unpack to, all entries together: an archive
/// that would grow past it (a zip bomb) is refused whole.
pub const MAX_UNPACKED_BYTES: u64 = 2 << 30;

/// Whether a file of the exchange is a zip archive to unpack.
pub fn is_archive(filename: &str) -> bool {
    std::path::Path::new(filename).extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

/// What a file of the exchange is, by its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// `import*.xml`: groups and products.
    Catalog,
    /// `offers*.xml`, `prices*.xml`, `rests*.xml`: prices and stock.
    Offers,
    /// Anything else (pictures 1C sends beside the catalog): kept, not read.
    Other,
}

impl FileKind {
    pub fn of(filename: &str) -> FileKind {
        let name = filename.rsplit(['/', '\\']).next().unwrap_or(filename).to_lowercase();
        let xml = std::path::Path::new(&name).extension().is_some_and(|e| e.eq_ignore_ascii_case("xml"));
        if !xml {
            FileKind::Other
        } else if name.starts_with("import") {
            FileKind::Catalog
        } else if ["offers", "prices", "rests"].iter().any(|p| name.starts_with(p)) {
            FileKind::Offers
        } else {
            FileKind::Other
        }
    }
}

/// A file name 1C may use: a plain name or a path below the exchange's own
/// folder (`import_files/ab/abcd.jpg`), never out of it.
pub fn safe_filename(filename: &str) -> Option<String> {
    let name = filename.trim().replace('\\', "/");
    let ok = !name.is_empty()
        && name.len() <= 255
        && !name.starts_with('/')
        && name.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
        && !name.chars().any(|c| c.is_control() || c == ':');
    ok.then_some(name)
}

/// How an import went: what changed and what was left out, with why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub products: usize,
    pub offers: usize,
    /// Lines not applied (an unknown warehouse, a product 1C never sent,
    /// a new offer without a price), with their reason; the rest applied.
    pub left_out: Vec<String>,
}

/// Why a file cannot be applied: nothing of it is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    File(String),
    #[error(transparent)]
    Repo(#[from] domain::RepoError),
}

/// 1C's exchange as storage keeps it: sessions, uploaded files, and a
/// file applied whole or not at all.
#[async_trait::async_trait]
pub trait OneCExchange: Send + Sync + std::fmt::Debug {
    async fn open_session(
        &self,
        token_hash: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), domain::RepoError>;
    /// Whether the session is known and was seen since `since`.
    async fn touch_session(
        &self,
        token_hash: &str,
        since: chrono::DateTime<chrono::Utc>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, domain::RepoError>;
    /// Appends a part to a file of the session; `Ok(false)` when the file
    /// would grow over `max_bytes`.
    async fn append(
        &self,
        token_hash: &str,
        filename: &str,
        part: Vec<u8>,
        max_bytes: u64,
    ) -> Result<bool, domain::RepoError>;
    /// Applies a file of the session (`import.xml`, `offers.xml`, …) in one
    /// transaction, with `price_type` the shop's price type, at `at`.
    async fn import(
        &self,
        token_hash: &str,
        filename: &str,
        price_type: Option<String>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<ImportReport, ImportError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use commerceml::offers::{Price, Stock};

    #[test]
    fn files_by_name_and_names_that_stay_in_their_folder() {
        assert_eq!(FileKind::of("import.xml"), FileKind::Catalog);
        assert_eq!(FileKind::of("import0_1.xml"), FileKind::Catalog);
        assert_eq!(FileKind::of("offers0_1.xml"), FileKind::Offers);
        assert_eq!(FileKind::of("prices.xml"), FileKind::Offers);
        assert_eq!(FileKind::of("rests___1.xml"), FileKind::Offers);
        assert_eq!(FileKind::of("import_files/ab/abcd.jpg"), FileKind::Other);
        for good in ["import.xml", "import_files/ab/abcd.jpg", "Offers.XML"] {
            assert!(safe_filename(good).is_some(), "{good}");
        }
        for bad in ["", "../etc/passwd", "/etc/passwd", "a/../../b", "C:\\x", "a//b", "a\0b"] {
            assert_eq!(safe_filename(bad), None, "{bad:?}");
        }
        assert_eq!(safe_filename("import_files\\a.jpg").as_deref(), Some("import_files/a.jpg"));
    }

    #[test]
    fn counts_and_prices_as_the_shelf_and_the_till_take_them() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(shelf(d("10")).map(crate::stock::StockQty::thousandths), Some(10_000));
        assert_eq!(shelf(d("3.5005")).map(crate::stock::StockQty::thousandths), Some(3_500));
        assert_eq!(shelf(d("-2")).map(crate::stock::StockQty::thousandths), Some(0), "1C's minus is none");
        assert_eq!(price_minor(d("89.90")), Some(8_990));
        assert_eq!(price_minor(d("1249.005")), Some(124_901));
        assert_eq!(price_minor(d("0")), None);
        assert_eq!(price_minor(d("-1")), None);
    }

    #[test]
    fn units_by_okei_code_then_by_name() {
        let cases = [
            (Some("796"), Some("шт"), Ok(Unit::Pcs)),
            (Some("166"), Some("кг"), Ok(Unit::Kg)),
            (Some("0166"), None, Ok(Unit::Kg)),
            (Some("163"), None, Ok(Unit::G)),
            (Some("112"), Some("л"), Ok(Unit::L)),
            (Some("111"), None, Ok(Unit::Ml)),
            (None, Some("кг"), Ok(Unit::Kg)),
            (None, Some("Шт."), Ok(Unit::Pcs)),
            (None, Some("упак"), Ok(Unit::Pcs)),
            (None, None, Ok(Unit::Pcs)),
            (Some("006"), Some("м"), Err(())),
        ];
        for (code, name, expected) in cases {
            assert_eq!(unit_of(code, name).map_err(|_| ()), expected, "{code:?} {name:?}");
        }
    }

    #[test]
    fn a_product_takes_its_article_as_sku_and_its_group_as_category() {
        let groups = HashMap::from([("g1".to_owned(), "Сыры".to_owned())]);
        let p = OneCProduct {
            id: "5f1c-guid".into(),
            article: Some("SKU-7".into()),
            name: "Сыр Российский".into(),
            unit: Some("кг".into()),
            unit_code: Some("166".into()),
            groups: vec!["g1".into()],
            vat: Some("Без налога".into()),
            ..OneCProduct::default()
        };
        let ours = product(&p, &groups).unwrap();
        assert_eq!((ours.sku.as_str(), ours.unit, ours.category.as_str()), ("SKU-7", Unit::Kg, "Сыры"));
        assert_eq!(ours.vat, Some(domain::VatRate::None));
        let bare = OneCProduct { article: None, ..p };
        assert_eq!(sku_of(&bare), "5f1c-guid");
    }

    #[test]
    fn the_price_type_is_the_configured_or_the_only_one() {
        let t = |id: &str, name: &str| PriceType { id: id.into(), name: name.into(), currency: None };
        let two = [t("a", "Розничная"), t("b", "Оптовая")];
        assert_eq!(price_type(&two, Some("розничная")).unwrap().id, "a");
        assert_eq!(price_type(&two, Some("b")).unwrap().id, "b");
        assert!(price_type(&two, None).unwrap_err().contains("2 price types"));
        assert!(price_type(&two, Some("Закупочная")).unwrap_err().contains("Розничная, Оптовая"));
        assert_eq!(price_type(&two[..1], None).unwrap().id, "a");
    }

    #[test]
    fn figures_per_store_through_the_warehouse_map() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let map = HashMap::from([
            ("wh-1".to_owned(), "STORE-001".to_owned()),
            ("wh-1b".to_owned(), "STORE-001".to_owned()),
            ("wh-2".to_owned(), "STORE-002".to_owned()),
        ]);
        let offer = OneCOffer {
            id: "p".into(),
            product: "p".into(),
            prices: vec![Price {
                price_type: "retail".into(),
                per_unit: d("89.90"),
                currency: None,
                unit: None,
            }],
            stock: Stock {
                by_warehouse: vec![
                    ("wh-1".into(), d("10")),
                    ("wh-1b".into(), d("2")),
                    ("wh-9".into(), d("5")),
                ],
                total: Some(d("17")),
            },
            ..OneCOffer::default()
        };
        let (figures, unknown) = figures(&offer, &map, Some("retail"));
        assert_eq!(
            figures,
            [StoreFigures { store: "STORE-001".into(), stock: Some(d("12")), price: Some(d("89.90")) }]
        );
        assert_eq!(unknown, ["wh-9"]);

        let prices_only = OneCOffer { stock: Stock::default(), ..offer.clone() };
        let (figures, _) = super::figures(&prices_only, &map, Some("retail"));
        assert!(figures.iter().all(|f| f.stock.is_none() && f.price == Some(d("89.90"))), "{figures:?}");
        let one = HashMap::from([("wh-1".to_owned(), "STORE-001".to_owned())]);
        let total_only = OneCOffer { stock: Stock { by_warehouse: vec![], total: Some(d("4")) }, ..offer };
        let (figures, _) = super::figures(&total_only, &one, None);
        assert_eq!(figures, [StoreFigures { store: "STORE-001".into(), stock: Some(d("4")), price: None }]);
    }
}
