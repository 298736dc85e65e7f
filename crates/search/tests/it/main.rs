//! Search: morphology, the projected catalog, relevance on a judged set. One
//! test binary with a module per subject, so that a change below links it
//! once.

mod categories;
mod morphology;
mod projected;
mod relevance;

use catalog::{FeedPosition, Product};
use domain::{SkuId, Unit};

/// A product of `name` in `category`, at feed position 1, for a shelf of
/// a test's own.
fn product(sku: &str, name: &str, category: &str) -> (Product, FeedPosition) {
    let product = Product {
        sku: SkuId::new(sku).unwrap(),
        name: name.into(),
        description: String::new(),
        photo_url: String::new(),
        unit: Unit::Pcs,
        pack_quantity: None,
        rating: None,
        category: category.into(),
        brand: String::new(),
        barcode: None,
        vat: None,
    };
    (product, FeedPosition::new(1, sku.to_owned(), ""))
}

/// The bilingual dictionary the product reads by default (Debian's
/// `mueller7-dict`, which `.ci/run` installs).
fn thesaurus() -> search::Thesaurus {
    let path = std::path::Path::new(search::DEFAULT_THESAURUS);
    search::Thesaurus::load(path)
        .unwrap_or_else(|e| panic!("{e}: install Debian's mueller7-dict (as .ci/run does)"))
}
