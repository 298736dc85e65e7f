//! Embedded per-backend migrations (`migrations/sqlite`, `migrations/postgres`).
//!
//! Every run holds a database-wide lock for its whole duration (`BEGIN
//! IMMEDIATE` on SQLite, a transaction-scoped advisory lock on PostgreSQL), so
//! several processes starting at once apply each migration exactly once.

use diesel::RunQueryDsl;
use diesel::migration::{Migration, MigrationSource};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::{AnyConnection, Backend, StorageError};

pub const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
pub const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// Arbitrary but fixed key of the PostgreSQL advisory lock that serialises
/// migration runs ("MERCHANT" in ASCII).
const PG_MIGRATION_LOCK: i64 = 0x4D45_5243_4841_4E54;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    pub applied: Vec<String>,
    pub pending: Vec<String>,
}

fn failed(e: impl std::fmt::Display) -> StorageError {
    StorageError::Migration(e.to_string())
}

/// The versions embedded for `backend`, oldest first.
pub fn embedded_versions(backend: Backend) -> Result<Vec<String>, StorageError> {
    fn versions<DB: diesel::backend::Backend>(
        source: &EmbeddedMigrations,
    ) -> Result<Vec<String>, StorageError>
    where
        EmbeddedMigrations: MigrationSource<DB>,
    {
        let migrations: Vec<Box<dyn Migration<DB>>> = source.migrations().map_err(failed)?;
        Ok(names(&migrations))
    }
    match backend {
        Backend::Sqlite => versions::<diesel::sqlite::Sqlite>(&SQLITE),
        Backend::Postgres => versions::<diesel::pg::Pg>(&POSTGRES),
    }
}

/// Applies every pending migration; returns the versions applied.
pub fn run_pending(conn: &mut AnyConnection) -> Result<Vec<String>, StorageError> {
    locked(conn, |harness| {
        let done = match harness {
            Harness::Sqlite(c) => c.run_pending_migrations(SQLITE),
            Harness::Postgres(c) => c.run_pending_migrations(POSTGRES),
        };
        Ok(done.map_err(failed)?.iter().map(ToString::to_string).collect())
    })
}

/// Reverts the newest applied migration; `None` when nothing is applied.
pub fn revert_last(conn: &mut AnyConnection) -> Result<Option<String>, StorageError> {
    locked(conn, |harness| {
        let applied = match harness {
            Harness::Sqlite(c) => c.applied_migrations(),
            Harness::Postgres(c) => c.applied_migrations(),
        };
        if applied.map_err(failed)?.is_empty() {
            return Ok(None);
        }
        let reverted = match harness {
            Harness::Sqlite(c) => c.revert_last_migration(SQLITE),
            Harness::Postgres(c) => c.revert_last_migration(POSTGRES),
        };
        Ok(Some(reverted.map_err(failed)?.to_string()))
    })
}

/// Reverts every applied migration, newest first.
pub fn revert_all(conn: &mut AnyConnection) -> Result<Vec<String>, StorageError> {
    locked(conn, |harness| {
        let reverted = match harness {
            Harness::Sqlite(c) => c.revert_all_migrations(SQLITE),
            Harness::Postgres(c) => c.revert_all_migrations(POSTGRES),
        };
        Ok(reverted.map_err(failed)?.iter().map(ToString::to_string).collect())
    })
}

pub fn status(conn: &mut AnyConnection) -> Result<MigrationStatus, StorageError> {
    locked(conn, |harness| {
        let (applied, pending) = match harness {
            Harness::Sqlite(c) => (
                c.applied_migrations().map_err(failed)?,
                names(&c.pending_migrations(SQLITE).map_err(failed)?),
            ),
            Harness::Postgres(c) => (
                c.applied_migrations().map_err(failed)?,
                names(&c.pending_migrations(POSTGRES).map_err(failed)?),
            ),
        };
        let mut applied: Vec<String> = applied.iter().map(ToString::to_string).collect();
        applied.sort();
        Ok(MigrationStatus { applied, pending })
    })
}

fn names<DB: diesel::backend::Backend>(migrations: &[Box<dyn Migration<DB>>]) -> Vec<String> {
    migrations.iter().map(|m| m.name().version().to_string()).collect()
}

enum Harness<'a> {
    Sqlite(&'a mut diesel::SqliteConnection),
    Postgres(&'a mut diesel::PgConnection),
}

fn locked<T>(
    conn: &mut AnyConnection,
    work: impl FnOnce(&mut Harness<'_>) -> Result<T, StorageError>,
) -> Result<T, StorageError> {
    match conn {
        AnyConnection::Sqlite(pooled) => {
            let c: &mut diesel::SqliteConnection = pooled;
            c.immediate_transaction(|c| work(&mut Harness::Sqlite(c)))
        }
        AnyConnection::Postgres(pooled) => {
            let c: &mut diesel::PgConnection = pooled;
            diesel::Connection::transaction(c, |c| {
                diesel::sql_query(format!("SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK})")).execute(c)?;
                work(&mut Harness::Postgres(c))
            })
        }
    }
}
