//! Feed import: merchants' feeds (YML, CSV) and the stores file, read as
//! streams of entries so that a feed of any size passes through in batches.
//!
//! Readers turn text into [`FeedEvent`]s: an entry (a product with its
//! offers), a rejected row (line number and reason; the import goes on), or a
//! fatal error (the feed is unreadable; the import must change nothing).
//! [`Batches`] checks entries against the known stores and earlier entries
//! and groups them into [`CatalogBatch`]es for the store of record.

mod csv_feed;
pub mod onec;
mod stores;
#[cfg(test)]
mod tests;
pub mod unit;
mod yml;

use std::collections::{HashMap, HashSet};

use domain::{Money, SkuId, StoreId};

pub use csv_feed::read_csv;
pub use stores::read_stores_csv;
pub use yml::read_yml;

#[cfg(test)]
use crate::model::DeliveryZone;
use crate::model::{Offer, Product, Store};
use crate::stock::StockQty;

/// A row (or YML offer) that was not imported, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct Rejected {
    pub line: u64,
    pub reason: String,
}

/// An offer as a feed states it; `store: None` means every store.
#[derive(Clone, Debug, PartialEq)]
pub struct OfferSpec {
    pub store: Option<StoreId>,
    pub price: Money,
    pub old_price: Option<Money>,
    pub stock: StockQty,
    pub delivery: bool,
    pub pickup: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FeedEntry {
    pub line: u64,
    pub product: Product,
    pub offers: Vec<OfferSpec>,
    /// How the unit of sale was decided (`unit::BY_…`), for the report.
    pub unit_source: &'static str,
}

// Events are consumed one at a time: boxing entries would only add allocations.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum FeedEvent {
    Entry(FeedEntry),
    Rejected(Rejected),
    /// The feed cannot be read on from here (broken XML, I/O error).
    Fatal(Rejected),
}

/// What one catalog write brings, applied under one change-feed position.
#[derive(Debug, Default, Clone)]
pub struct CatalogBatch {
    pub stores: Vec<Store>,
    pub products: Vec<Product>,
    pub offers: Vec<Offer>,
    /// The shelf of an offer whose figure has a fraction (a weighted
    /// product's 12.5 kg), which `Offer::stock` (whole units) cannot say; an
    /// offer not here has `stock` whole units on the shelf.
    pub fractional_shelves: HashMap<(SkuId, StoreId), StockQty>,
}

impl CatalogBatch {
    /// What the shelf of `offer` holds, as the batch states it.
    pub fn shelf(&self, offer: &Offer) -> StockQty {
        let whole = StockQty::units(offer.stock);
        if self.fractional_shelves.is_empty() {
            // Most feeds: no key built per offer.
            return whole;
        }
        self.fractional_shelves.get(&(offer.sku.clone(), offer.store.clone())).copied().unwrap_or(whole)
    }
}

/// Groups feed entries into batches of about `offers_per_batch` offers,
/// rejecting duplicates, unknown stores and entries left with no offer, and
/// collecting every rejection.
#[derive(Debug)]
pub struct Batches<I> {
    events: I,
    stores: Vec<StoreId>,
    seen: HashSet<SkuId>,
    offers_per_batch: usize,
    pub rejected: Vec<Rejected>,
    /// Products imported by how their unit was decided.
    pub units: std::collections::BTreeMap<&'static str, usize>,
}

impl<I: Iterator<Item = FeedEvent>> Batches<I> {
    pub fn new(events: I, stores: Vec<StoreId>, offers_per_batch: usize) -> Self {
        Batches {
            events,
            stores,
            seen: HashSet::new(),
            offers_per_batch: offers_per_batch.max(1),
            rejected: Vec::new(),
            units: std::collections::BTreeMap::new(),
        }
    }

    /// The entry's product and its offers, each with its shelf.
    fn offers_of(&mut self, entry: FeedEntry) -> Option<(Product, Vec<(Offer, StockQty)>)> {
        let reject = |reason: String| Rejected { line: entry.line, reason };
        if !self.seen.insert(entry.product.sku.clone()) {
            self.rejected.push(reject(format!("duplicate id {}", entry.product.sku)));
            return None;
        }
        let mut offers: Vec<(Offer, StockQty)> = Vec::new();
        for spec in &entry.offers {
            let stores: Vec<StoreId> = match &spec.store {
                Some(store) if self.stores.contains(store) => vec![store.clone()],
                Some(store) => {
                    self.rejected
                        .push(reject(format!("unknown store {store} (import the stores file first)")));
                    continue;
                }
                None => self.stores.clone(),
            };
            if stores.iter().any(|s| offers.iter().any(|(o, _)| &o.store == s)) {
                self.rejected
                    .push(reject(format!("more than one offer of {} in one store", entry.product.sku)));
                continue;
            }
            offers.extend(stores.into_iter().map(|store| {
                let offer = Offer {
                    store,
                    sku: entry.product.sku.clone(),
                    price: spec.price,
                    old_price: spec.old_price,
                    stock: spec.stock.whole_units(),
                    delivery: spec.delivery,
                    pickup: spec.pickup,
                };
                (offer, spec.stock)
            }));
        }
        if offers.is_empty() {
            if entry.offers.is_empty() {
                self.rejected.push(reject("no offer in any store".into()));
            }
            return None;
        }
        *self.units.entry(entry.unit_source).or_default() += 1;
        Some((entry.product, offers))
    }
}

impl<I: Iterator<Item = FeedEvent>> Iterator for Batches<I> {
    /// `Err` ends the import: the feed is unreadable.
    type Item = Result<CatalogBatch, Rejected>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut batch = CatalogBatch::default();
        while batch.offers.len() < self.offers_per_batch {
            match self.events.next() {
                None => break,
                Some(FeedEvent::Fatal(e)) => return Some(Err(e)),
                Some(FeedEvent::Rejected(r)) => self.rejected.push(r),
                Some(FeedEvent::Entry(entry)) => {
                    if let Some((product, offers)) = self.offers_of(entry) {
                        batch.products.push(product);
                        for (offer, shelf) in offers {
                            if shelf != StockQty::units(offer.stock) {
                                batch
                                    .fractional_shelves
                                    .insert((offer.sku.clone(), offer.store.clone()), shelf);
                            }
                            batch.offers.push(offer);
                        }
                    }
                }
            }
        }
        (!batch.products.is_empty()).then_some(Ok(batch))
    }
}

/// Shared field parsing of the feed readers.
pub(crate) mod fields {
    use domain::{Currency, Decimal, Money, Rounding, SkuId, Unit};

    use crate::stock::StockQty;

    use crate::model::Product;

    /// A product from feed fields; every problem is one message.
    #[allow(clippy::too_many_arguments)]
    pub fn product(
        sku: &str,
        name: &str,
        unit: &str,
        photo_url: &str,
        category: &str,
        description: &str,
        pack_quantity: &str,
        rating: &str,
        brand: &str,
        barcode: &str,
        vat: &str,
    ) -> Result<Product, String> {
        let sku = SkuId::new(sku.trim()).map_err(|e| format!("id: {e}"))?;
        if name.trim().is_empty() {
            return Err("name is empty".into());
        }
        // No picture is no reason to leave a product out: the API answers
        // the merchant's placeholder for it.
        let photo_url = photo_url.trim();
        if !(photo_url.is_empty() || photo_url.starts_with("https://") || photo_url.starts_with("http://")) {
            return Err(format!("photo must be an http(s) URL, got {photo_url:?}"));
        }
        let unit: Unit = unit.trim().parse().map_err(|e| format!("unit: {e}"))?;
        let optional = |what, text: &str| (!text.trim().is_empty()).then(|| decimal(what, text)).transpose();
        let rating = optional("rating", rating)?;
        if rating.is_some_and(|r| r.is_sign_negative() || r > Decimal::from(5)) {
            return Err("rating must be from 0 to 5".into());
        }
        let pack_quantity = optional("pack quantity", pack_quantity)?;
        if pack_quantity.is_some_and(|q| q.is_sign_negative() || q.is_zero()) {
            return Err("pack quantity must be positive".into());
        }
        let vat = match vat.trim() {
            "" => None,
            rate => Some(domain::VatRate::parse(rate).ok_or_else(|| {
                format!("VAT {rate:?} is not a rate (20, 10, 7, 5, 0, 20/120, 10/110 or \"без НДС\")")
            })?),
        };
        let text = |s: &str| s.trim().to_owned();
        Ok(Product {
            sku,
            name: text(name),
            description: text(description),
            photo_url: text(photo_url),
            unit,
            pack_quantity,
            rating,
            category: text(category),
            brand: text(brand),
            barcode: (!barcode.trim().is_empty()).then(|| text(barcode)),
            vat,
        })
    }

    pub fn decimal(what: &str, text: &str) -> Result<Decimal, String> {
        text.trim()
            .replace(',', ".")
            .parse::<Decimal>()
            .map_err(|_| format!("{what}: {text:?} is not a number"))
    }

    /// Feeds are priced in roubles: prices are not converted, so any other
    /// currency is refused rather than misread.
    pub fn currency(text: &str) -> Result<Currency, String> {
        match text.trim() {
            // Yandex Market writes roubles as RUR.
            "" | "RUR" | "RUB" => Ok(Currency::Rub),
            other if other.parse::<Currency>().is_ok() => {
                Err(format!("currency {other:?} is not supported: the catalog is priced in RUB"))
            }
            other => Err(format!("unknown currency {other:?}")),
        }
    }

    pub fn price(what: &str, text: &str, currency: Currency) -> Result<Money, String> {
        let amount = decimal(what, text)?;
        if amount.is_sign_negative() || amount.is_zero() {
            return Err(format!("{what} must be positive, got {text}"));
        }
        // Feeds sometimes carry more digits than kopecks: round like a till.
        Money::from_decimal_rounded(amount, currency, Rounding::HalfUp).map_err(|e| format!("{what}: {e}"))
    }

    /// A stock figure as the shelf holds it: a weighted product's may have
    /// a fraction (12.5 kg), kept to the gram (finer is rounded down: never
    /// more than the shelf said).
    pub fn stock(text: &str) -> Result<StockQty, String> {
        let value = decimal("stock", text)?;
        if value.is_sign_negative() {
            return Err(format!("stock must not be negative, got {text}"));
        }
        let grams = value.trunc_with_scale(3);
        StockQty::from_decimal(grams).map_err(|_| format!("stock {text} is out of range"))
    }

    pub fn flag(what: &str, text: &str, default: bool) -> Result<bool, String> {
        match text.trim().to_lowercase().as_str() {
            "" => Ok(default),
            "true" | "1" | "yes" | "да" => Ok(true),
            "false" | "0" | "no" | "нет" => Ok(false),
            other => Err(format!("{what}: {other:?} is not yes or no")),
        }
    }
}
