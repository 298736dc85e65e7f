//! The catalog store of record on both backends.

use catalog::demo;
use catalog::{CatalogRepo, FeedPosition};
use domain::{Currency, Money, SkuId, StoreId};
use storage::testing::TestDatabase;
use storage::{CatalogBatch, DbCatalogRepo};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()
}

/// A picker's scan finds a product by its barcode (an index, not a read of
/// every product); a code no product has finds none.
#[test]
fn products_are_found_by_their_barcodes() {
    let demo = demo::generate(300);
    for t in TestDatabase::each_backend_migrated() {
        DbCatalogRepo::write(&mut t.db.get().unwrap(), &CatalogBatch::from(demo.clone())).unwrap();
        let repo = DbCatalogRepo::new(t.db.clone());
        let wanted: Vec<String> = demo.products[..3].iter().filter_map(|p| p.barcode.clone()).collect();
        assert_eq!(wanted.len(), 3, "the demo gives every product a barcode");
        let asked = [wanted.clone(), vec!["0000000000000".into()]].concat();
        let found = runtime().block_on(repo.products_by_barcode(&asked)).unwrap();
        let mut expected = demo.products[..3].to_vec();
        expected.sort_by(|a, b| a.sku.cmp(&b.sku));
        assert_eq!(found, expected, "{:?}", t.db.backend());
        assert!(runtime().block_on(repo.products_by_barcode(&[])).unwrap().is_empty());
    }
}

#[test]
fn a_demo_catalog_round_trips_exactly() {
    let demo = demo::generate(500);
    for t in TestDatabase::each_backend_migrated() {
        let batch = CatalogBatch::from(demo.clone());
        let seq = DbCatalogRepo::write(&mut t.db.get().unwrap(), &batch).unwrap();
        assert_eq!(seq, 1);
        let repo = DbCatalogRepo::new(t.db.clone());
        runtime().block_on(async {
            assert_eq!(repo.stores().await.unwrap().to_vec(), demo.stores);
            let skus: Vec<SkuId> = demo.products.iter().map(|p| p.sku.clone()).collect();
            let mut products = repo.products(&skus).await.unwrap();
            products.sort_by(|a, b| a.sku.cmp(&b.sku));
            assert_eq!(products, demo.products);
            let mut offers = repo.offers(&skus, None).await.unwrap();
            offers.sort_by(|a, b| (&a.sku, &a.store).cmp(&(&b.sku, &b.store)));
            let mut expected = demo.offers.clone();
            expected.sort_by(|a, b| (&a.sku, &a.store).cmp(&(&b.sku, &b.store)));
            assert_eq!(offers, expected);
            let one_store = [demo.stores[0].id.clone()];
            let in_one = repo.offers(&skus[..3], Some(&one_store)).await.unwrap();
            assert_eq!(in_one.len(), 3);
            assert!(repo.store(&StoreId::new("NOPE").unwrap()).await.unwrap().is_none());
        });
    }
}

#[test]
fn rewrites_update_in_place_and_advance_the_change_feed() {
    let demo = demo::generate(200);
    for t in TestDatabase::each_backend_migrated() {
        let mut conn = t.db.get().unwrap();
        let batch = CatalogBatch::from(demo.clone());
        DbCatalogRepo::write(&mut conn, &batch).unwrap();
        assert_eq!(
            DbCatalogRepo::changes_since(&mut conn, &FeedPosition::default(), 10_000).unwrap().len(),
            demo.products.len()
        );

        let mut product = demo.products[0].clone();
        product.name = "Молоко Новое 2,5% 1 л".into();
        let mut offer = demo.offers[0].clone();
        offer.price = Money::from_minor(12_345, Currency::Rub);
        let seq = DbCatalogRepo::write(
            &mut conn,
            &CatalogBatch {
                products: vec![product.clone()],
                offers: vec![offer.clone()],
                ..CatalogBatch::default()
            },
        )
        .unwrap();
        assert_eq!(seq, 2);
        let after_first = FeedPosition::new(1, "\u{10ffff}", "");
        let changes = DbCatalogRepo::changes_since(&mut conn, &after_first, 100).unwrap();
        assert_eq!(changes, vec![(product.clone(), FeedPosition::new(2, product.sku.to_string(), ""))]);
        assert_eq!(
            DbCatalogRepo::product_count(&mut conn).unwrap(),
            i64::try_from(demo.products.len()).unwrap()
        );
        drop(conn);
        let repo = DbCatalogRepo::new(t.db.clone());
        let got = runtime()
            .block_on(repo.offers(std::slice::from_ref(&offer.sku), Some(std::slice::from_ref(&offer.store))))
            .unwrap();
        assert_eq!(got, vec![offer]);
    }
}

#[test]
fn an_offer_for_an_unknown_store_writes_nothing() {
    let demo = demo::generate(50);
    for t in TestDatabase::each_backend_migrated() {
        let mut conn = t.db.get().unwrap();
        let mut offer = demo.offers[0].clone();
        offer.store = StoreId::new("GHOST").unwrap();
        let batch = CatalogBatch {
            stores: demo.stores.clone(),
            products: demo.products.clone(),
            offers: vec![offer],
            ..CatalogBatch::default()
        };
        assert!(DbCatalogRepo::write(&mut conn, &batch).is_err());
        assert_eq!(DbCatalogRepo::product_count(&mut conn).unwrap(), 0, "{}: all or nothing", t.db.backend());
    }
}

#[test]
fn best_offers_prefer_stock_then_delivery_then_the_callers_store_order() {
    let demo = demo::generate(500);
    for t in TestDatabase::each_backend_migrated() {
        let mut conn = t.db.get().unwrap();
        let sku = demo.products[0].sku.clone();
        let [a, b, c] = [0, 1, 2].map(|i| demo.stores[i].id.clone());
        let offer = |store: &StoreId, stock: i64, delivery: bool| catalog::Offer {
            store: store.clone(),
            sku: sku.clone(),
            price: Money::from_minor(100, Currency::Rub),
            old_price: None,
            stock,
            delivery,
            pickup: true,
        };
        let batch = CatalogBatch {
            stores: demo.stores.clone(),
            products: vec![demo.products[0].clone()],
            offers: vec![offer(&a, 0, true), offer(&b, 5, false), offer(&c, 5, true)],
            ..CatalogBatch::default()
        };
        DbCatalogRepo::write(&mut conn, &batch).unwrap();
        drop(conn);
        let repo = DbCatalogRepo::new(t.db.clone());
        let best = |stores: Vec<StoreId>| {
            runtime().block_on(repo.best_offers(std::slice::from_ref(&sku), &stores)).unwrap()[0]
                .store
                .clone()
        };
        assert_eq!(best(vec![a.clone(), b.clone(), c.clone()]), c, "in stock and deliverable");
        assert_eq!(best(vec![a.clone(), b.clone()]), b, "in stock beats deliverable");
        assert_eq!(best(vec![a.clone()]), a, "out of stock when nothing else");
        let keys =
            [(sku.clone(), a.clone()), (sku.clone(), c.clone()), (SkuId::new("NONE").unwrap(), b.clone())];
        let mut at: Vec<StoreId> =
            runtime().block_on(repo.offers_at(&keys)).unwrap().into_iter().map(|o| o.store).collect();
        at.sort();
        assert_eq!(at, vec![a.clone(), c.clone()], "exactly the keys asked for");
        let none = runtime().block_on(repo.best_offers(&[SkuId::new("NONE").unwrap()], &[a])).unwrap();
        assert!(none.is_empty());
        // Across stores: in stock first, then cheapest, then by store id.
        let cheapest = runtime().block_on(repo.cheapest_offers(std::slice::from_ref(&sku))).unwrap();
        assert_eq!(cheapest.len(), 1);
        assert_eq!(cheapest[0].store, b.min(c), "{}", t.db.backend());
    }
}

/// A small deterministic generator: the same catalog on every run.
struct Xorshift(u64);

impl Xorshift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn both_sql_versions_of_the_best_offer_rule_agree_with_the_domain_s_on_generated_catalogs() {
    let demo = demo::generate(500);
    let stores: Vec<StoreId> = demo.stores.iter().map(|s| s.id.clone()).collect();
    let products: Vec<catalog::Product> = demo.products.iter().take(60).cloned().collect();
    let mut random = Xorshift(0x9E37_79B9_7F4A_7C15);
    // Each product in a random half of the stores: stock out, low or
    // negative (oversold), delivery either way, prices close enough to tie.
    let mut offers = Vec::new();
    for product in &products {
        for store in &stores {
            if random.below(2) == 0 {
                continue;
            }
            let stock = [0, 0, 1, 3, -1][usize::try_from(random.below(5)).unwrap()];
            offers.push(catalog::Offer {
                store: store.clone(),
                sku: product.sku.clone(),
                price: Money::from_minor(10_000 + i64::try_from(random.below(3)).unwrap(), Currency::Rub),
                old_price: None,
                stock,
                delivery: random.below(3) != 0,
                pickup: true,
            });
        }
    }
    let by_sku = |mut offers: Vec<catalog::Offer>| {
        offers.sort_by(|a, b| a.sku.cmp(&b.sku));
        offers
    };
    for t in TestDatabase::each_backend_migrated() {
        let batch = CatalogBatch {
            stores: demo.stores.clone(),
            products: products.clone(),
            offers: offers.clone(),
            ..CatalogBatch::default()
        };
        DbCatalogRepo::write(&mut t.db.get().unwrap(), &batch).unwrap();
        let repo = DbCatalogRepo::new(t.db.clone());
        // The rule is judged on the offers as stored (an oversold stock is
        // kept as none).
        let all: Vec<SkuId> = products.iter().map(|p| p.sku.clone()).collect();
        let offers = runtime().block_on(repo.offers(&all, None)).unwrap();
        for round in 0..40 {
            // Some products (a repeat, one unknown) and some stores in a
            // random order of preference (a repeat too).
            let mut skus: Vec<SkuId> = (0..=random.below(12))
                .map(|_| products[usize::try_from(random.below(60)).unwrap()].sku.clone())
                .collect();
            skus.push(SkuId::new("NOT-SOLD").unwrap());
            let near: Vec<StoreId> = (0..=random.below(6))
                .map(|_| stores[usize::try_from(random.below(stores.len() as u64)).unwrap()].clone())
                .collect();
            let sql = runtime().block_on(repo.best_offers(&skus, &near)).unwrap();
            let rule = catalog::best_offer::best(&offers, &skus, &near);
            assert_eq!(
                by_sku(sql),
                by_sku(rule),
                "{} round {round}: best of {skus:?} at {near:?}",
                t.db.backend()
            );
            let sql = runtime().block_on(repo.cheapest_offers(&skus)).unwrap();
            let rule = catalog::best_offer::cheapest(&offers, &skus);
            assert_eq!(by_sku(sql), by_sku(rule), "{} round {round}: cheapest of {skus:?}", t.db.backend());
        }
    }
}
