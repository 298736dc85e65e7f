//! Which of a product's offers a shopper is shown: the one rule, written
//! once. The offer book ranks by these keys in memory, and the two SQL
//! versions of `CatalogRepo::best_offers` / `cheapest_offers` (one per
//! backend, in `storage`) are tested against [`best`] and [`cheapest`] on
//! generated catalogs.

use std::collections::HashMap;

use domain::{SkuId, StoreId};

use crate::model::Offer;

/// The rank of an offer in a store the caller prefers `preference`-th
/// (smaller is better): in stock first, then available for delivery, then
/// the caller's order of stores (nearest first).
pub fn near_rank(stock: i64, delivery: bool, preference: usize) -> (bool, bool, usize) {
    (stock <= 0, !delivery, preference)
}

/// The rank of an offer across every store: in stock first, then the
/// cheapest, then by store id (so the choice is stable).
pub fn cheap_rank(offer: &Offer) -> (bool, i64, &str) {
    (offer.stock <= 0, offer.price.minor(), offer.store.as_str())
}

/// For each of `skus`, its best offer among `stores` by [`near_rank`];
/// SKUs with no offer there are absent.
pub fn best(offers: &[Offer], skus: &[SkuId], stores: &[StoreId]) -> Vec<Offer> {
    let mut preference: HashMap<&StoreId, usize> = HashMap::new();
    for (rank, store) in stores.iter().enumerate() {
        preference.entry(store).or_insert(rank);
    }
    pick(offers, skus, |o| preference.get(&o.store).map(|p| near_rank(o.stock, o.delivery, *p)))
}

/// For each of `skus`, its best offer in any store by [`cheap_rank`].
pub fn cheapest(offers: &[Offer], skus: &[SkuId]) -> Vec<Offer> {
    pick(offers, skus, |o| Some(cheap_rank(o)))
}

/// The offer of each SKU (once, in `skus`' order) with the least `rank`;
/// an offer ranked `None` is out.
fn pick<'a, K: Ord>(
    offers: &'a [Offer],
    skus: &[SkuId],
    rank: impl Fn(&'a Offer) -> Option<K>,
) -> Vec<Offer> {
    let mut seen = std::collections::HashSet::new();
    skus.iter()
        .filter(|sku| seen.insert(*sku))
        .filter_map(|sku| {
            offers
                .iter()
                .filter(|o| &o.sku == sku)
                .filter_map(|o| Some((rank(o)?, o)))
                .min_by(|a, b| a.0.cmp(&b.0))
        })
        .map(|(_, o)| o.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use domain::{Currency, Money};

    use super::*;

    fn offer(sku: &str, store: &str, stock: i64, delivery: bool, price: i64) -> Offer {
        Offer {
            store: StoreId::new(store).unwrap(),
            sku: SkuId::new(sku).unwrap(),
            price: Money::from_minor(price, Currency::Rub),
            old_price: None,
            stock,
            delivery,
            pickup: true,
        }
    }

    fn ids<T>(raw: &[&str], new: impl Fn(&str) -> T) -> Vec<T> {
        raw.iter().map(|s| new(s)).collect()
    }

    #[test]
    fn near_in_stock_then_delivering_then_preferred() {
        let offers = [
            offer("A", "S1", 0, true, 100),
            offer("A", "S2", 5, false, 100),
            offer("A", "S3", 5, true, 900),
            offer("B", "S1", 0, true, 100),
            offer("B", "S2", 0, false, 100),
            offer("C", "S2", 3, true, 100),
            offer("C", "S3", 3, true, 100),
        ];
        let skus = ids(&["A", "B", "C", "D", "A"], |s| SkuId::new(s).unwrap());
        let stores = ids(&["S2", "S1", "S3"], |s| StoreId::new(s).unwrap());
        let got: Vec<(String, String)> =
            best(&offers, &skus, &stores).iter().map(|o| (o.sku.to_string(), o.store.to_string())).collect();
        // (sku, store): A in stock and delivering at S3; B out of stock
        // everywhere, delivering at S1; C the same at S2 and S3, S2 preferred.
        let want = [("A", "S3"), ("B", "S1"), ("C", "S2")];
        assert_eq!(got, want.map(|(a, b)| (a.to_owned(), b.to_owned())));
        let only_s1 = best(&offers, &skus, &stores[1..2]);
        assert_eq!(only_s1.len(), 2, "C is not offered at S1: absent");
    }

    #[test]
    fn cheapest_in_stock_then_price_then_store() {
        let offers = [
            offer("A", "S1", 0, true, 50),
            offer("A", "S2", 5, false, 120),
            offer("A", "S3", 5, true, 100),
            offer("B", "S2", 1, true, 100),
            offer("B", "S1", 1, true, 100),
        ];
        let skus = ids(&["A", "B"], |s| SkuId::new(s).unwrap());
        let got: Vec<String> = cheapest(&offers, &skus).iter().map(|o| o.store.to_string()).collect();
        assert_eq!(got, ["S3", "S1"]);
    }
}
