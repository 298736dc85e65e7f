#![allow(dead_code)]
pub mod seed;

use std::sync::Arc;

use catalog::{FeedPosition, OfferBook, ReachPolicy};
use mcp_api_http::CatalogState;
use search::{ProjectedCatalog, TantivyIndex};
use storage::DbCatalogRepo;
use storage::testing::TestDatabase;

/// The catalog routes' state on `t` as `mcp-api` assembles it, with the
/// projections caught up to what is in the database now.
pub fn catalog_state(t: &TestDatabase) -> CatalogState {
    let mut conn = t.db.get().unwrap();
    let index = Arc::new(TantivyIndex::new().unwrap());
    index
        .apply(&DbCatalogRepo::changes_since(&mut conn, &FeedPosition::default(), i64::MAX).unwrap())
        .unwrap();
    let book = Arc::new(OfferBook::new());
    let start = FeedPosition::default();
    book.apply(DbCatalogRepo::offer_feed(&mut conn, &start, &start, i64::MAX).unwrap());
    let record = Arc::new(DbCatalogRepo::new(t.db.clone()));
    CatalogState {
        repo: Arc::new(ProjectedCatalog::new(Arc::clone(&index), book, record)),
        index,
        reach: ReachPolicy { pickup_radius_m: 5000 },
        merchant_name: "Гастроном".into(),
        placeholder_photo: mcp_api_http::DEFAULT_PLACEHOLDER_PHOTO.into(),
    }
}
