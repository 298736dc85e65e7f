//! The storage adapter: every byte the product keeps goes through this crate.
//!
//! One [`Database`] handle serves SQLite (embedded, the default) and
//! PostgreSQL (production), chosen by the URL scheme. Queries are written once
//! against the shared [`schema`] and run on either backend through
//! [`with_conn!`] and [`write_transaction!`], which monomorphise the body per
//! backend; where SQL must differ, a repository matches on [`DbConn`].
//!
//! Invariants:
//! - blocking diesel calls run on the blocking pool ([`Database::run`]),
//!   never on an async worker thread;
//! - every SQLite connection has WAL, `busy_timeout`, `synchronous=NORMAL`
//!   and `foreign_keys=ON`; writes that read first use `BEGIN IMMEDIATE`;
//! - migrations exist per backend with the same versions (tested).

mod catalog_imports;
mod catalog_repo;
mod database;
mod error;
mod identity_store;
mod kuper;
mod kuper_outbox;
pub mod meta;
pub mod migrations;
mod order_book;
mod order_repo;
mod payment_repo;
mod receipt_facts;
pub mod retention;
mod sandbox_vault;
pub mod schema;
mod staff_store;
mod stock;
mod stock_ledger;
#[cfg(feature = "testing")]
pub mod testing;
mod url;

pub use catalog::import::CatalogBatch;
pub use catalog_imports::{DbCatalogImports, ImportRecord};
pub use catalog_repo::{DbCatalogRepo, ImportCounts, ImportError, ImportReport};
pub use database::{AnyConnection, Database, DbConn, PoolOptions, PoolState, Split};
pub use error::{CORRUPT_ROWS, StorageError};
pub use identity_store::DbIdentityStore;
pub use kuper::{DbKuperInbox, KuperStoreSetup};
pub use kuper_outbox::{DbKuperOutbox, OutboxItem, OutboxRow};
pub use order_book::{BookEntry, BookFilter, DbOrderBook};
pub use order_repo::{DbOrderRepo, OrderEvent};
pub use orders::kuper::{ActError, Attention, KuperOrderView};
pub use payment_repo::DbPaymentRepo;
pub use receipt_facts::DbReceiptFacts;
pub use sandbox_vault::DbSandboxVault;
pub use staff_store::{AuditEntry, DbStaff, SignIn};
pub use stock_ledger::{BatchError, DbStock};
pub use url::{Backend, DatabaseUrl, UrlError};

/// Runs `$body` with `$c` bound to the backend's own connection
/// (`&mut SqliteConnection` or `&mut PgConnection`): one statement outside
/// the backends' common subset (`ON CONFLICT`, `RETURNING`…) that diesel
/// writes for each of them from the same code. `$conn` is a
/// `&mut AnyConnection` or a `&mut DbConn`.
#[macro_export]
macro_rules! with_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $crate::AnyConnection::split($conn) {
            $crate::Split::Sqlite($c) => $body,
            $crate::Split::Postgres($c) => $body,
        }
    };
}
