//! The storage adapter: every byte the product keeps goes through this crate.
//!
//! One [`Database`] handle serves SQLite (embedded, the default) and
//! PostgreSQL (production), chosen by the URL scheme. Every function here
//! takes an [`AnyConnection`] (diesel's `MultiConnection` over both), and a
//! statement is written once against the shared [`schema`], in one of three
//! ways, the first wherever it compiles:
//! - of the backends' common subset: run on the `AnyConnection` as it is;
//! - outside it but the same diesel code for both (`ON CONFLICT`,
//!   multi-row `INSERT`): one statement inside [`with_conn!`];
//! - where the SQL itself differs (the feed position, `FOR UPDATE`, the
//!   best-offer query, `unnest` bulk writes): a `match` on the connection,
//!   each such place listed in `docs/ARCHITECTURE.md`.
//!
//! Write transactions are [`AnyConnection::write_transaction`].
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
mod onec;
mod onec_exchange;
mod onec_sale;
mod order_book;
mod order_repo;
mod payment_repo;
mod receipt_facts;
pub mod retention;
mod rows;
mod sandbox_vault;
pub mod schema;
mod staff_store;
mod stock;
mod stock_ledger;
#[cfg(feature = "testing")]
pub mod testing;
mod url;

pub use catalog::import::CatalogBatch;
pub use catalog_imports::DbCatalogImports;
pub use catalog_repo::{DbCatalogRepo, ImportCounts, ImportError, ImportReport};
pub use database::{AnyConnection, Database, DbConn, PoolOptions, PoolState};
pub use error::{CORRUPT_ROWS, StorageError};
pub use identity_store::DbIdentityStore;
pub use kuper::{DbKuperInbox, KuperStoreSetup};
pub use kuper_outbox::{DbKuperOutbox, OutboxItem};
pub use onec::{DbOneC, OfferLine, OfferOutcome, PartsReader};
pub use onec_exchange::DbOneCExchange;
pub use onec_sale::DbOneCSale;
pub use order_book::DbOrderBook;
pub use order_repo::DbOrderRepo;
pub use orders::kuper::{ActError, Attention, KuperOrderView};
pub use payment_repo::DbPaymentRepo;
pub use receipt_facts::DbReceiptFacts;
pub use sandbox_vault::DbSandboxVault;
pub use staff_store::DbStaff;
pub use stock_ledger::{BatchError, DbStockLedger};
pub use url::{Backend, DatabaseUrl, UrlError};

/// Runs `$body` with `$c` bound to the backend's own connection
/// (`&mut SqliteConnection` or `&mut PgConnection`): one statement outside
/// the backends' common subset (`ON CONFLICT`, `RETURNING`…) that diesel
/// writes for each of them from the same code. `$conn` is a
/// `&mut AnyConnection` (a `DbConn` derefs to one: `&mut *conn`).
#[macro_export]
macro_rules! with_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::AnyConnection::Sqlite($c) => $body,
            $crate::AnyConnection::Postgres($c) => $body,
        }
    };
}
