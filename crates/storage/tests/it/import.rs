//! Feed imports on both backends: a 100k-offer YML feed lands whole; a
//! malformed one lands its good rows and reports the bad; a broken one
//! changes nothing; a re-run changes nothing new.

use std::fmt::Write as _;

use catalog::demo;
use catalog::import::{read_csv, read_stores_csv, read_yml};
use storage::testing::TestDatabase;
use storage::{CatalogBatch, DbCatalogRepo, ImportError};

/// The demo catalog as a merchant's YML feed: every product with an outlet
/// per store.
fn yml_feed(catalog: &demo::DemoCatalog) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<yml_catalog><shop>\n<currencies><currency id=\"RUR\" rate=\"1\"/></currencies>\n<offers>\n",
    );
    for (i, product) in catalog.products.iter().enumerate() {
        let price = catalog.offers[i * catalog.stores.len()].price.to_decimal();
        let _ = write!(
            xml,
            "<offer id=\"{}\" available=\"true\"><name>{}</name><price>{price}</price><currencyId>RUR</currencyId><categoryId>{}</categoryId><picture>{}</picture><vendor>{}</vendor><outlets>",
            product.sku, product.name, product.category, product.photo_url, product.brand
        );
        for store in &catalog.stores {
            let _ = write!(xml, "<outlet id=\"{}\" instock=\"{}\"/>", store.id, 5 + i % 7);
        }
        xml.push_str("</outlets></offer>\n");
    }
    xml.push_str("</offers></shop></yml_catalog>\n");
    xml
}

fn with_stores(t: &TestDatabase, catalog: &demo::DemoCatalog) {
    DbCatalogRepo::write(
        &mut t.db.get().unwrap(),
        &CatalogBatch { stores: catalog.stores.clone(), ..CatalogBatch::default() },
    )
    .unwrap();
}

#[test]
fn a_100k_offer_yml_feed_lands_whole_and_a_rerun_adds_nothing() {
    let catalog = demo::generate(100_000);
    let feed = yml_feed(&catalog);
    let expected_offers = i64::try_from(catalog.products.len() * catalog.stores.len()).unwrap();
    for t in TestDatabase::each_backend_migrated() {
        with_stores(&t, &catalog);
        let mut conn = t.db.get().unwrap();
        let mut progressed = 0;
        let report =
            DbCatalogRepo::import_feed(&mut conn, read_yml(feed.as_bytes()), true, |n| progressed += n)
                .unwrap();
        assert!(report.rejected.is_empty(), "{:?}", &report.rejected[..3.min(report.rejected.len())]);
        assert_eq!(report.counts.offers_added, expected_offers, "{}", t.db.backend());
        assert_eq!(i64::try_from(progressed).unwrap(), expected_offers);
        assert_eq!(report.counts.products_added, i64::try_from(catalog.products.len()).unwrap());

        let again = DbCatalogRepo::import_feed(&mut conn, read_yml(feed.as_bytes()), true, |_| {}).unwrap();
        assert_eq!(
            (again.counts.offers_added, again.counts.offers_updated, again.counts.offers_removed),
            (0, expected_offers, 0)
        );
        assert_eq!(again.counts.products_added, 0);
    }
}

#[test]
fn bad_rows_are_reported_and_good_rows_land() {
    let catalog = demo::generate(200);
    for t in TestDatabase::each_backend_migrated() {
        with_stores(&t, &catalog);
        let s1 = catalog.stores[0].id.as_str();
        let csv = format!(
            "sku,name,unit,price,photo_url,category,store_id,currency
A,Молоко,pcs,89.90,https://x/a.jpg,Молоко,{s1},RUB
B,Кефир,pcs,abc,https://x/b.jpg,Кефир,{s1},RUB
C,Сыр,pcs,100,https://x/c.jpg,Сыр,{s1},XYZ
A,Молоко дубль,pcs,10,https://x/a.jpg,Молоко,{s1},RUB
D,Хлеб,pcs,50,https://x/d.jpg,Хлеб,GHOST,RUB
"
        );
        let mut conn = t.db.get().unwrap();
        let report = DbCatalogRepo::import_feed(&mut conn, read_csv(csv.as_bytes()), false, |_| {}).unwrap();
        let lines: Vec<u64> = report.rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, [3, 4, 5, 6], "{:?}", report.rejected);
        assert_eq!(report.counts.products_added, 1);
        assert_eq!(report.counts.offers_added, 1);
    }
}

#[test]
fn a_broken_feed_changes_nothing() {
    let catalog = demo::generate(20_000);
    let feed = yml_feed(&catalog);
    // Cut the feed mid-offer, far past the first batch.
    let broken = &feed[..feed.len() * 9 / 10];
    for t in TestDatabase::each_backend_migrated() {
        with_stores(&t, &catalog);
        let mut conn = t.db.get().unwrap();
        let err =
            DbCatalogRepo::import_feed(&mut conn, read_yml(broken.as_bytes()), true, |_| {}).unwrap_err();
        assert!(matches!(err, ImportError::Feed(_)), "{err}");
        assert_eq!(DbCatalogRepo::product_count(&mut conn).unwrap(), 0, "{}: rolled back", t.db.backend());
    }
}

#[test]
fn a_full_feed_removes_offers_it_no_longer_carries() {
    let catalog = demo::generate(2_000);
    let feed = yml_feed(&catalog);
    for t in TestDatabase::each_backend_migrated() {
        with_stores(&t, &catalog);
        let mut conn = t.db.get().unwrap();
        DbCatalogRepo::import_feed(&mut conn, read_yml(feed.as_bytes()), true, |_| {}).unwrap();
        let first_offer_end = feed.find("</offer>\n").unwrap() + "</offer>\n".len();
        let start = feed.find("<offer ").unwrap();
        let without_first = format!("{}{}", &feed[..start], &feed[first_offer_end..]);
        let report =
            DbCatalogRepo::import_feed(&mut conn, read_yml(without_first.as_bytes()), true, |_| {}).unwrap();
        assert_eq!(report.counts.offers_removed, i64::try_from(catalog.stores.len()).unwrap());
    }
}

#[test]
fn the_stores_file_imports() {
    let csv = "id,name,address,lat,lon,delivery_radius_m,delivery_polygon,pickup,opening_hours,time_zone
S1,Гастроном 1,Москва,55.75,37.61,3000,,true,Mo-Su 08:00-23:00,Europe/Moscow
";
    let (stores, rejected) = read_stores_csv(csv.as_bytes()).unwrap();
    assert!(rejected.is_empty());
    for t in TestDatabase::each_backend_migrated() {
        let mut conn = t.db.get().unwrap();
        let batch = CatalogBatch { stores: stores.clone(), ..CatalogBatch::default() };
        let counts = DbCatalogRepo::import(&mut conn, [Ok::<_, ()>(batch.clone())], false).unwrap();
        assert_eq!((counts.stores_added, counts.stores_updated), (1, 0));
        let counts = DbCatalogRepo::import(&mut conn, [Ok::<_, ()>(batch)], false).unwrap();
        assert_eq!((counts.stores_added, counts.stores_updated), (0, 1));
    }
}

/// A weighted product's fraction reaches the shelf through a feed: 12.5 kg
/// on the shelf is 12.5 kg held-able, while the whole units the API shows
/// stay 12; a whole figure is whole.
#[test]
fn a_feed_s_fractional_stock_reaches_the_shelf() {
    use diesel::prelude::*;
    use storage::schema::offers;

    // Two stores.
    let catalog = demo::generate(100);
    for t in TestDatabase::each_backend_migrated() {
        with_stores(&t, &catalog);
        let (s1, s2) = (catalog.stores[0].id.as_str(), catalog.stores[1].id.as_str());
        let csv = format!(
            "sku,name,unit,price,photo_url,category,store_id,stock\nCHEESE,Сыр весовой,kg,899,,Сыры,{s1},\"12,5\"\nCHEESE,Сыр весовой,kg,899,,Сыры,{s2},3\n"
        );
        let mut conn = t.db.get().unwrap();
        let report = DbCatalogRepo::import_feed(&mut conn, read_csv(csv.as_bytes()), false, |_| {}).unwrap();
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        let shelves: Vec<(String, i64, i64)> = offers::table
            .filter(offers::sku.eq("CHEESE"))
            .order(offers::store_id)
            .select((offers::store_id, offers::shelf, offers::stock))
            .load(&mut *conn)
            .unwrap();
        let mut expected = vec![(s1.to_owned(), 12_500, 12), (s2.to_owned(), 3_000, 3)];
        expected.sort();
        assert_eq!(shelves, expected, "{}", t.db.backend());
    }
}
