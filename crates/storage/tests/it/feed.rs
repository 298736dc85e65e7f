//! The change feed on both backends, as the projections follow it: paged
//! without gaps through imports of any size, removals included, so that a
//! follower ends up holding exactly what the store of record holds.

use catalog::{CatalogRepo, FeedPosition, Offer, OfferBook, demo};
use domain::{SkuId, StoreId};
use storage::testing::TestDatabase;
use storage::{CatalogBatch, DbCatalogRepo, DbConn};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()
}

fn whole(demo: &demo::DemoCatalog) -> CatalogBatch {
    CatalogBatch::from(demo.clone())
}

/// Follows the offers' feed in pages of `page` until it is exhausted.
fn follow(conn: &mut DbConn, book: &OfferBook, page: i64) {
    loop {
        let (w, r) = book.positions();
        if book.apply(DbCatalogRepo::offer_feed(conn, &w, &r, page).unwrap()) == 0 {
            return;
        }
    }
}

#[test]
fn small_pages_through_one_large_write_see_every_product_once() {
    let demo = demo::generate(600);
    for t in TestDatabase::each_backend_migrated() {
        let mut conn = t.db.get().unwrap();
        DbCatalogRepo::write(&mut conn, &whole(&demo)).unwrap();
        let mut at = FeedPosition::default();
        let mut seen = Vec::new();
        loop {
            let page = DbCatalogRepo::changes_since(&mut conn, &at, 7).unwrap();
            let Some((_, last)) = page.last() else { break };
            at = last.clone();
            seen.extend(page.into_iter().map(|(p, _)| p.sku));
        }
        let mut expected: Vec<SkuId> = demo.products.iter().map(|p| p.sku.clone()).collect();
        expected.sort();
        assert_eq!(seen, expected, "{}: in feed order, none skipped, none twice", t.db.backend());
    }
}

#[test]
fn a_follower_of_the_offer_feed_matches_the_record_through_writes_and_removals() {
    let demo = demo::generate(2_000);
    for t in TestDatabase::each_backend_migrated() {
        let mut conn = t.db.get().unwrap();
        let book = OfferBook::new();
        DbCatalogRepo::write(&mut conn, &whole(&demo)).unwrap();
        follow(&mut conn, &book, 97);
        assert_eq!(book.len(), demo.offers.len());

        // A full feed without the first store's offers and with one sold out.
        let first = demo.stores[0].id.clone();
        let mut kept: Vec<Offer> = demo.offers.iter().filter(|o| o.store != first).cloned().collect();
        kept[0].stock = 0;
        let feed = CatalogBatch { offers: kept.clone(), ..whole(&demo) };
        let counts = DbCatalogRepo::import(&mut conn, [Ok::<_, ()>(feed)], true).unwrap();
        assert_eq!(usize::try_from(counts.offers_removed).unwrap(), demo.offers.len() - kept.len());
        // ...and one of the removed offers back again, later.
        let back = demo.offers.iter().find(|o| o.store == first).unwrap().clone();
        DbCatalogRepo::write(
            &mut conn,
            &CatalogBatch { offers: vec![back.clone()], ..CatalogBatch::default() },
        )
        .unwrap();
        follow(&mut conn, &book, 13);
        assert_eq!(book.len(), kept.len() + 1, "{}", t.db.backend());

        // The book answers what the record's own query answers, offer for
        // offer: store, price, old price, stock.
        drop(conn);
        let repo = DbCatalogRepo::new(t.db.clone());
        let skus: Vec<SkuId> = demo.products.iter().map(|p| p.sku.clone()).collect();
        let stores: Vec<StoreId> = demo.stores.iter().rev().map(|s| s.id.clone()).collect();
        let by_key = |mut offers: Vec<Offer>| {
            offers.sort_by(|a, b| (&a.sku, &a.store).cmp(&(&b.sku, &b.store)));
            offers
        };
        let from_record = by_key(runtime().block_on(repo.best_offers(&skus, &stores)).unwrap());
        assert_eq!(by_key(book.best(&skus, &stores)), from_record, "{}", t.db.backend());
        let returned = book.best(std::slice::from_ref(&back.sku), std::slice::from_ref(&first));
        assert_eq!(returned.len(), 1, "the offer written after its removal is there");
    }
}
