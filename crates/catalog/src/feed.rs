//! The catalog's change feed as its followers (the search index, the
//! offer book) see it: every write carries a sequence number, and
//! within one sequence number (one import can write a million rows) rows are
//! ordered by key, so a follower can page through it without gaps.

use crate::model::Offer;

/// Where a follower stands: past every write with a smaller `seq` and,
/// within `seq`, past every row whose `(sku, store)` is not greater.
/// Products have no store; theirs is empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FeedPosition {
    pub seq: i64,
    pub sku: String,
    pub store: String,
}

impl FeedPosition {
    pub fn new(seq: i64, sku: impl Into<String>, store: impl Into<String>) -> Self {
        FeedPosition { seq, sku: sku.into(), store: store.into() }
    }
}

/// One page of the offers' feed: offers written and offers removed, each
/// in feed order, and whether each stream may have more after this page.
#[derive(Clone, Debug, Default)]
pub struct OfferFeedPage {
    pub written: Vec<(Offer, FeedPosition)>,
    pub written_more: bool,
    pub removed: Vec<FeedPosition>,
    pub removed_more: bool,
}

/// One change to apply, in feed order.
#[derive(Clone, Debug, PartialEq)]
pub enum OfferChange {
    Written(Offer),
    Removed { sku: String, store: String },
}

impl OfferFeedPage {
    /// Merges the two streams into feed order, up to the point both are
    /// known to be complete: a stream that may have more stops the merge at
    /// its last row, since its next page could hold earlier rows than the
    /// other stream's rest. Returns the changes and the positions reached
    /// in each stream.
    pub fn merge(
        self,
        written_at: &FeedPosition,
        removed_at: &FeedPosition,
    ) -> (Vec<OfferChange>, FeedPosition, FeedPosition) {
        let limit = [
            self.written_more.then(|| self.written.last().map(|(_, p)| p.clone())).flatten(),
            self.removed_more.then(|| self.removed.last().cloned()).flatten(),
        ]
        .into_iter()
        .flatten()
        .min();
        let within = |p: &FeedPosition| limit.as_ref().is_none_or(|l| p <= l);
        let (mut written_to, mut removed_to) = (written_at.clone(), removed_at.clone());
        let mut written = self.written.into_iter().filter(|(_, p)| within(p)).peekable();
        let mut removed = self.removed.into_iter().filter(|p| within(p)).peekable();
        let mut changes = Vec::new();
        loop {
            let take_written = match (written.peek(), removed.peek()) {
                (Some((_, w)), Some(r)) => w < r,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if take_written {
                let (offer, position) = written.next().expect("peeked");
                changes.push(OfferChange::Written(offer));
                written_to = position;
            } else {
                let position = removed.next().expect("peeked");
                changes
                    .push(OfferChange::Removed { sku: position.sku.clone(), store: position.store.clone() });
                removed_to = position;
            }
        }
        (changes, written_to, removed_to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use domain::{Currency, Money, SkuId, StoreId};

    fn offer(sku: &str, store: &str) -> Offer {
        Offer {
            store: StoreId::new(store).unwrap(),
            sku: SkuId::new(sku).unwrap(),
            price: Money::from_minor(100, Currency::Rub),
            old_price: None,
            stock: 1,
            delivery: true,
            pickup: false,
        }
    }

    #[test]
    fn positions_order_by_seq_then_sku_then_store() {
        assert!(FeedPosition::new(1, "B", "") < FeedPosition::new(2, "A", ""));
        assert!(FeedPosition::new(2, "A", "S2") < FeedPosition::new(2, "B", "S1"));
        assert!(FeedPosition::new(2, "A", "S1") < FeedPosition::new(2, "A", "S2"));
        assert!(FeedPosition::default() < FeedPosition::new(0, "A", ""));
    }

    #[test]
    fn a_removal_and_a_later_rewrite_apply_in_feed_order() {
        let page = OfferFeedPage {
            written: vec![(offer("A", "S1"), FeedPosition::new(7, "A", "S1"))],
            written_more: false,
            removed: vec![FeedPosition::new(5, "A", "S1")],
            removed_more: false,
        };
        let (changes, w, r) = page.merge(&FeedPosition::default(), &FeedPosition::default());
        assert_eq!(
            changes,
            vec![
                OfferChange::Removed { sku: "A".into(), store: "S1".into() },
                OfferChange::Written(offer("A", "S1"))
            ]
        );
        assert_eq!((w.seq, r.seq), (7, 5));
    }

    #[test]
    fn a_full_page_stops_the_merge_where_the_other_stream_might_still_come_before() {
        let page = OfferFeedPage {
            written: vec![
                (offer("A", "S1"), FeedPosition::new(3, "A", "S1")),
                (offer("B", "S1"), FeedPosition::new(9, "B", "S1")),
            ],
            written_more: false,
            // More removals may follow position 4: nothing after it is safe.
            removed: vec![FeedPosition::new(4, "C", "S1")],
            removed_more: true,
        };
        let start = FeedPosition::new(1, "", "");
        let (changes, w, r) = page.merge(&start, &start);
        assert_eq!(changes.len(), 2);
        assert_eq!(w, FeedPosition::new(3, "A", "S1"));
        assert_eq!(r, FeedPosition::new(4, "C", "S1"));
    }

    #[test]
    fn an_empty_page_stays_put() {
        let at = FeedPosition::new(4, "A", "S");
        let (changes, w, r) = OfferFeedPage::default().merge(&at, &at);
        assert!(changes.is_empty());
        assert_eq!((w, r), (at.clone(), at));
    }
}
