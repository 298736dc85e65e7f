//! Which stores carry each SKU, in stock or not, for delivery or pickup: an
//! in-memory projection of the offers, kept current by the change feed, so
//! that search can choose each product's store without a database scan.
//! It holds no price and no stock count; those are read from the store of
//! record for the offers chosen.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

use domain::{SkuId, StoreId};

use crate::feed::{FeedPosition, OfferAvailability, OfferChange, OfferFeedPage};

#[derive(Clone, Copy, Debug)]
struct Slot {
    store: u32,
    in_stock: bool,
    delivery: bool,
}

#[derive(Debug, Default)]
struct Book {
    stores: Vec<StoreId>,
    store_index: HashMap<String, u32>,
    by_sku: HashMap<String, Vec<Slot>>,
    offers: usize,
    written_at: FeedPosition,
    removed_at: FeedPosition,
    stock_at: FeedPosition,
}

impl Book {
    fn store_index(&mut self, store: &StoreId) -> u32 {
        if let Some(i) = self.store_index.get(store.as_str()) {
            return *i;
        }
        let i = u32::try_from(self.stores.len()).expect("fewer than 4 billion stores");
        self.stores.push(store.clone());
        self.store_index.insert(store.to_string(), i);
        i
    }

    fn write(&mut self, offer: &OfferAvailability) {
        let store = self.store_index(&offer.store);
        let slot = Slot { store, in_stock: offer.in_stock, delivery: offer.delivery };
        let slots = self.by_sku.entry(offer.sku.to_string()).or_default();
        if let Some(existing) = slots.iter_mut().find(|s| s.store == store) {
            *existing = slot;
        } else {
            slots.push(slot);
            self.offers += 1;
        }
    }

    fn remove(&mut self, sku: &str, store: &str) {
        let (Some(store), Some(slots)) = (self.store_index.get(store), self.by_sku.get_mut(sku)) else {
            return;
        };
        if let Some(i) = slots.iter().position(|s| s.store == *store) {
            slots.swap_remove(i);
            self.offers -= 1;
        }
    }
}

/// The store a search would take a SKU from, as the book sees it now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub sku: SkuId,
    pub store: StoreId,
    pub in_stock: bool,
}

#[derive(Debug, Default)]
pub struct AvailabilityBook {
    book: RwLock<Book>,
}

impl AvailabilityBook {
    pub fn new() -> Self {
        AvailabilityBook::default()
    }

    /// How far the book has read the written and the removed offers.
    pub fn positions(&self) -> (FeedPosition, FeedPosition) {
        let book = self.book.read().unwrap_or_else(PoisonError::into_inner);
        (book.written_at.clone(), book.removed_at.clone())
    }

    /// Applies a page of the feed read from [`positions`](Self::positions);
    /// returns how many changes it held.
    pub fn apply(&self, page: OfferFeedPage) -> usize {
        let mut book = self.book.write().unwrap_or_else(PoisonError::into_inner);
        let (changes, written_at, removed_at) = page.merge(&book.written_at, &book.removed_at);
        for change in &changes {
            match change {
                OfferChange::Written(offer) => book.write(offer),
                OfferChange::Removed { sku, store } => book.remove(sku, store),
            }
        }
        book.written_at = written_at;
        book.removed_at = removed_at;
        changes.len()
    }

    /// How far the book has read the stock feed.
    pub fn stock_position(&self) -> FeedPosition {
        self.book.read().unwrap_or_else(PoisonError::into_inner).stock_at.clone()
    }

    /// Starts the stock feed at `position` (before the first read of the
    /// offer feed, which covers what lies before it).
    pub fn start_stock_at(&self, position: FeedPosition) {
        self.book.write().unwrap_or_else(PoisonError::into_inner).stock_at = position;
    }

    /// Applies offers whose stock moved, read from
    /// [`stock_position`](Self::stock_position) in stock-feed order; returns
    /// how many.
    pub fn apply_stock(&self, moved: Vec<(OfferAvailability, FeedPosition)>) -> usize {
        let mut book = self.book.write().unwrap_or_else(PoisonError::into_inner);
        let n = moved.len();
        for (offer, position) in moved {
            book.write(&offer);
            book.stock_at = position;
        }
        n
    }

    /// Offers held.
    pub fn len(&self) -> usize {
        self.book.read().unwrap_or_else(PoisonError::into_inner).offers
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// For each of `skus` offered in one of `stores`, the store of its best
    /// offer there by the rule of `CatalogRepo::best_offers`: in stock
    /// first, then available for delivery, then the store earliest in
    /// `stores`.
    pub fn best(&self, skus: &[SkuId], stores: &[StoreId]) -> Vec<Choice> {
        let book = self.book.read().unwrap_or_else(PoisonError::into_inner);
        // The caller's preference by store index; unlisted stores are out.
        let mut preference = vec![usize::MAX; book.stores.len()];
        for (rank, store) in stores.iter().enumerate() {
            if let Some(i) = book.store_index.get(store.as_str()) {
                let slot = &mut preference[*i as usize];
                *slot = (*slot).min(rank);
            }
        }
        skus.iter()
            .filter_map(|sku| {
                let best = book
                    .by_sku
                    .get(sku.as_str())?
                    .iter()
                    .filter(|s| preference[s.store as usize] != usize::MAX)
                    .min_by_key(|s| (!s.in_stock, !s.delivery, preference[s.store as usize]))?;
                Some(Choice {
                    sku: sku.clone(),
                    store: book.stores[best.store as usize].clone(),
                    in_stock: best.in_stock,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(sku: &str, store: &str, in_stock: bool, delivery: bool, seq: i64) -> OfferFeedPage {
        OfferFeedPage {
            written: vec![(
                OfferAvailability {
                    sku: SkuId::new(sku).unwrap(),
                    store: StoreId::new(store).unwrap(),
                    in_stock,
                    delivery,
                },
                FeedPosition::new(seq, sku, store),
            )],
            ..OfferFeedPage::default()
        }
    }

    fn stores(names: &[&str]) -> Vec<StoreId> {
        names.iter().map(|n| StoreId::new(*n).unwrap()).collect()
    }

    fn skus(names: &[&str]) -> Vec<SkuId> {
        names.iter().map(|n| SkuId::new(*n).unwrap()).collect()
    }

    fn chosen(book: &AvailabilityBook, sku: &str, order: &[&str]) -> Option<(String, bool)> {
        book.best(&skus(&[sku]), &stores(order)).pop().map(|c| (c.store.to_string(), c.in_stock))
    }

    #[test]
    fn the_best_offer_is_in_stock_then_deliverable_then_preferred() {
        let book = AvailabilityBook::new();
        book.apply(written("A", "NEAR", false, true, 1));
        book.apply(written("A", "MID", true, false, 2));
        book.apply(written("A", "FAR", true, true, 3));
        book.apply(written("A", "FARTHER", true, true, 4));
        assert_eq!(chosen(&book, "A", &["NEAR", "MID", "FAR", "FARTHER"]), Some(("FAR".into(), true)));
        assert_eq!(chosen(&book, "A", &["NEAR", "MID"]), Some(("MID".into(), true)));
        assert_eq!(chosen(&book, "A", &["NEAR"]), Some(("NEAR".into(), false)));
        assert_eq!(chosen(&book, "A", &["ELSEWHERE"]), None);
        assert_eq!(chosen(&book, "B", &["NEAR"]), None);
        assert_eq!(book.len(), 4);
    }

    #[test]
    fn a_rewrite_replaces_and_a_removal_forgets() {
        let book = AvailabilityBook::new();
        book.apply(written("A", "S1", true, true, 1));
        book.apply(written("A", "S2", true, true, 1));
        book.apply(written("A", "S1", false, true, 2));
        assert_eq!(chosen(&book, "A", &["S1", "S2"]), Some(("S2".into(), true)));
        book.apply(OfferFeedPage {
            removed: vec![FeedPosition::new(3, "A", "S2")],
            ..OfferFeedPage::default()
        });
        assert_eq!(chosen(&book, "A", &["S1", "S2"]), Some(("S1".into(), false)));
        assert_eq!(book.len(), 1);
        // Removing what is not there changes nothing.
        book.apply(OfferFeedPage {
            removed: vec![FeedPosition::new(4, "A", "S2"), FeedPosition::new(4, "Z", "S9")],
            ..OfferFeedPage::default()
        });
        assert_eq!(book.len(), 1);
        assert_eq!(book.positions().1, FeedPosition::new(4, "Z", "S9"));
    }
}
