#![allow(dead_code)]
pub mod seed;

use std::sync::Arc;

use catalog::ReachPolicy;
use mcp_http::CatalogState;
use search::TantivyIndex;
use storage::DbCatalogRepo;
use storage::testing::TestDatabase;

/// The catalog routes' state on `t`, with an index caught up to what is in
/// the database now.
pub fn catalog_state(t: &TestDatabase) -> CatalogState {
    let index = TantivyIndex::new().unwrap();
    let changes = DbCatalogRepo::changes_since(&mut t.db.get().unwrap(), 0, i64::MAX).unwrap();
    index.apply(&changes).unwrap();
    CatalogState {
        repo: Arc::new(DbCatalogRepo::new(t.db.clone())),
        index: Arc::new(index),
        reach: ReachPolicy { pickup_radius_m: 5000 },
        merchant_name: "Гастроном".into(),
    }
}
