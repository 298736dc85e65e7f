//! Every offer as the catalog's change feed last showed it — store, price,
//! old price, stock, delivery and pickup — in memory, so that `/search`
//! chooses each product's store and answers its price and stock without
//! a database read. It follows the offer feed (imports, removals) and the
//! stock feed (every hold, release, sale and stock or price update), a
//! refresh interval behind the record at most. Only search reads it:
//! `/actualize` and `/checkout` decide on the record, so a book that is
//! behind can show a stale figure but never sell what is not there.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

use domain::{Currency, Money, SkuId, StoreId};

use crate::feed::{FeedPosition, OfferChange, OfferFeedPage};
use crate::model::Offer;

/// One offer of a SKU, its store interned: 40 bytes a offer, so that a
/// million offers cost tens of megabytes.
#[derive(Clone, Copy, Debug)]
struct Slot {
    stock: i64,
    price_minor: i64,
    old_price_minor: Option<i64>,
    store: u32,
    currency: Currency,
    delivery: bool,
    pickup: bool,
}

impl Slot {
    fn offer(self, sku: &SkuId, stores: &[StoreId]) -> Offer {
        Offer {
            store: stores[self.store as usize].clone(),
            sku: sku.clone(),
            price: Money::from_minor(self.price_minor, self.currency),
            old_price: self.old_price_minor.map(|m| Money::from_minor(m, self.currency)),
            stock: self.stock,
            delivery: self.delivery,
            pickup: self.pickup,
        }
    }
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

    fn write(&mut self, offer: &Offer) {
        let store = self.store_index(&offer.store);
        let slot = Slot {
            stock: offer.stock,
            price_minor: offer.price.minor(),
            old_price_minor: offer.old_price.map(Money::minor),
            store,
            currency: offer.price.currency(),
            delivery: offer.delivery,
            pickup: offer.pickup,
        };
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

/// The offers of the catalog as the change feed last showed them.
#[derive(Debug, Default)]
pub struct OfferBook {
    book: RwLock<Book>,
}

impl OfferBook {
    pub fn new() -> Self {
        OfferBook::default()
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

    /// Applies offers whose stock or price moved, read from
    /// [`stock_position`](Self::stock_position) in stock-feed order;
    /// returns how many.
    pub fn apply_stock(&self, moved: Vec<(Offer, FeedPosition)>) -> usize {
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

    /// For each of `skus` offered in one of `stores`, its best offer there
    /// by the rule of `CatalogRepo::best_offers`: in stock first, then
    /// available for delivery, then the store earliest in `stores`.
    pub fn best(&self, skus: &[SkuId], stores: &[StoreId]) -> Vec<Offer> {
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
                    .min_by_key(|s| {
                        crate::best_offer::near_rank(s.stock, s.delivery, preference[s.store as usize])
                    })?;
                Some(best.offer(sku, &book.stores))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(sku: &str, store: &str, stock: i64, delivery: bool) -> Offer {
        Offer {
            store: StoreId::new(store).unwrap(),
            sku: SkuId::new(sku).unwrap(),
            price: Money::from_minor(10_000, Currency::Rub),
            old_price: None,
            stock,
            delivery,
            pickup: !delivery,
        }
    }

    fn written(offer: Offer, seq: i64) -> OfferFeedPage {
        let position = FeedPosition::new(seq, offer.sku.to_string(), offer.store.to_string());
        OfferFeedPage { written: vec![(offer, position)], ..OfferFeedPage::default() }
    }

    fn stores(names: &[&str]) -> Vec<StoreId> {
        names.iter().map(|n| StoreId::new(*n).unwrap()).collect()
    }

    fn chosen(book: &OfferBook, sku: &str, order: &[&str]) -> Option<(String, i64)> {
        book.best(&[SkuId::new(sku).unwrap()], &stores(order)).pop().map(|o| (o.store.to_string(), o.stock))
    }

    #[test]
    fn the_best_offer_is_in_stock_then_deliverable_then_preferred() {
        let book = OfferBook::new();
        book.apply(written(offer("A", "NEAR", 0, true), 1));
        book.apply(written(offer("A", "MID", 2, false), 2));
        book.apply(written(offer("A", "FAR", 3, true), 3));
        book.apply(written(offer("A", "FARTHER", 4, true), 4));
        assert_eq!(chosen(&book, "A", &["NEAR", "MID", "FAR", "FARTHER"]), Some(("FAR".into(), 3)));
        assert_eq!(chosen(&book, "A", &["NEAR", "MID"]), Some(("MID".into(), 2)));
        assert_eq!(chosen(&book, "A", &["NEAR"]), Some(("NEAR".into(), 0)));
        assert_eq!(chosen(&book, "A", &["ELSEWHERE"]), None);
        assert_eq!(chosen(&book, "B", &["NEAR"]), None);
        assert_eq!(book.len(), 4);
    }

    #[test]
    fn an_offer_comes_back_as_it_was_written() {
        let book = OfferBook::new();
        let mut discounted = offer("A", "S1", 7, true);
        discounted.price = Money::from_minor(8_990, Currency::Rub);
        discounted.old_price = Some(Money::from_minor(12_500, Currency::Rub));
        book.apply(written(discounted.clone(), 1));
        assert_eq!(book.best(&[discounted.sku.clone()], &stores(&["S1"])), vec![discounted]);
    }

    #[test]
    fn a_rewrite_replaces_and_a_removal_forgets() {
        let book = OfferBook::new();
        book.apply(written(offer("A", "S1", 1, true), 1));
        book.apply(written(offer("A", "S2", 1, true), 1));
        book.apply(written(offer("A", "S1", 0, true), 2));
        assert_eq!(chosen(&book, "A", &["S1", "S2"]), Some(("S2".into(), 1)));
        book.apply(OfferFeedPage {
            removed: vec![FeedPosition::new(3, "A", "S2")],
            ..OfferFeedPage::default()
        });
        assert_eq!(chosen(&book, "A", &["S1", "S2"]), Some(("S1".into(), 0)));
        assert_eq!(book.len(), 1);
        // Removing what is not there changes nothing.
        book.apply(OfferFeedPage {
            removed: vec![FeedPosition::new(4, "A", "S2"), FeedPosition::new(4, "Z", "S9")],
            ..OfferFeedPage::default()
        });
        assert_eq!(book.len(), 1);
        assert_eq!(book.positions().1, FeedPosition::new(4, "Z", "S9"));
    }

    #[test]
    fn a_stock_move_updates_price_and_stock_in_place() {
        let book = OfferBook::new();
        book.apply(written(offer("A", "S1", 5, true), 1));
        let mut moved = offer("A", "S1", 0, true);
        moved.price = Money::from_minor(9_900, Currency::Rub);
        assert_eq!(book.apply_stock(vec![(moved.clone(), FeedPosition::new(40, "A", "S1"))]), 1);
        assert_eq!(book.best(&[moved.sku.clone()], &stores(&["S1"])), vec![moved]);
        assert_eq!(book.stock_position(), FeedPosition::new(40, "A", "S1"));
        assert_eq!(book.len(), 1);
    }
}
