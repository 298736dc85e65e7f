//! The pooled database handle over SQLite and PostgreSQL.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::{PgConnection, RunQueryDsl, SqliteConnection};

use crate::error::StorageError;
use crate::url::{Backend, DatabaseUrl};

#[derive(Clone, Debug)]
pub struct PoolOptions {
    pub max_connections: u32,
    /// How long a caller waits for a free connection (and start-up waits for
    /// the first one) before giving up.
    pub acquire_timeout: Duration,
    /// SQLite only: how long a writer waits for the file lock.
    pub sqlite_busy_timeout: Duration,
    /// After a checkout failed (the database is down, the pool exhausted),
    /// requests in this time take an idle connection or fail at once
    /// instead of each waiting `acquire_timeout`: an outage is answered
    /// with 503s fast. Zero: always wait.
    pub fail_fast: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(5),
            sqlite_busy_timeout: Duration::from_secs(5),
            fail_fast: Duration::from_secs(1),
        }
    }
}

#[derive(Clone)]
enum Pools {
    Sqlite(Pool<ConnectionManager<SqliteConnection>>),
    Postgres(Pool<ConnectionManager<PgConnection>>),
}

/// A cheap-to-clone handle on the connection pool.
#[derive(Clone)]
pub struct Database {
    pools: Pools,
    url: DatabaseUrl,
    health: Arc<Health>,
}

/// When a checkout last failed, for [`PoolOptions::fail_fast`].
#[derive(Debug)]
struct Health {
    started: Instant,
    /// Milliseconds after `started`; `u64::MAX`: never.
    failed_at_ms: AtomicU64,
    fail_fast: Duration,
}

impl Health {
    fn failed_recently(&self) -> bool {
        let at = self.failed_at_ms.load(Ordering::Relaxed);
        at != u64::MAX && self.started.elapsed().saturating_sub(Duration::from_millis(at)) < self.fail_fast
    }

    fn failed(&self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX - 1);
        self.failed_at_ms.store(now, Ordering::Relaxed);
    }
}

/// A connection checked out of the pool; use it through
/// [`with_conn!`](crate::with_conn) or [`write_transaction!`](crate::write_transaction).
pub enum DbConn {
    Sqlite(PooledConnection<ConnectionManager<SqliteConnection>>),
    Postgres(PooledConnection<ConnectionManager<PgConnection>>),
}

impl fmt::Debug for DbConn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DbConn::Sqlite(_) => "DbConn::Sqlite",
            DbConn::Postgres(_) => "DbConn::Postgres",
        })
    }
}

impl DbConn {
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Sqlite(_) => Backend::Sqlite,
            DbConn::Postgres(_) => Backend::Postgres,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolState {
    pub connections: u32,
    pub idle: u32,
    pub max: u32,
}

/// Sets the pragmas every SQLite connection needs, on every connection the
/// pool opens (pragmas are per connection, not per file).
#[derive(Debug)]
struct SqlitePragmas {
    busy_timeout: Duration,
}

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        // busy_timeout first, so that switching to WAL waits for a lock
        // held by another process instead of failing.
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {};
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;",
            self.busy_timeout.as_millis()
        ))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

impl Database {
    /// Opens the pool and checks that one connection can be made. A SQLite
    /// file (and its directory) is created when missing.
    pub fn connect(url: &DatabaseUrl, options: &PoolOptions) -> Result<Self, StorageError> {
        let connect_error = |reason: String| StorageError::Connect { target: url.redacted(), reason };
        let pools = match url.backend() {
            Backend::Sqlite => {
                if let Some(parent) = url.sqlite_path().as_deref().and_then(std::path::Path::parent)
                    && !parent.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| connect_error(format!("cannot create {}: {e}", parent.display())))?;
                }
                let pool = Pool::builder()
                    .max_size(options.max_connections)
                    .connection_timeout(options.acquire_timeout)
                    .connection_customizer(Box::new(SqlitePragmas {
                        busy_timeout: options.sqlite_busy_timeout,
                    }))
                    .build(ConnectionManager::new(url.expose()))
                    .map_err(|e| connect_error(e.to_string()))?;
                Pools::Sqlite(pool)
            }
            Backend::Postgres => {
                let pool = Pool::builder()
                    .max_size(options.max_connections)
                    .connection_timeout(options.acquire_timeout)
                    .build(ConnectionManager::new(url.expose()))
                    .map_err(|e| connect_error(e.to_string()))?;
                Pools::Postgres(pool)
            }
        };
        let health = Health {
            started: Instant::now(),
            failed_at_ms: AtomicU64::new(u64::MAX),
            fail_fast: options.fail_fast,
        };
        Ok(Database { pools, url: url.clone(), health: Arc::new(health) })
    }

    pub fn backend(&self) -> Backend {
        self.url.backend()
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// Checks a connection out of the pool. Blocking: call it from
    /// [`Database::run`] or from a thread that may block.
    pub fn get(&self) -> Result<DbConn, StorageError> {
        if self.health.failed_recently() {
            // Only an idle connection, no waiting: the outage is answered now.
            let idle = match &self.pools {
                Pools::Sqlite(pool) => pool.try_get().map(DbConn::Sqlite),
                Pools::Postgres(pool) => pool.try_get().map(DbConn::Postgres),
            };
            return idle.ok_or_else(|| StorageError::Pool("the database did not answer a moment ago".into()));
        }
        let checked_out = match &self.pools {
            Pools::Sqlite(pool) => pool.get().map(DbConn::Sqlite),
            Pools::Postgres(pool) => pool.get().map(DbConn::Postgres),
        };
        checked_out.map_err(|e| {
            self.health.failed();
            StorageError::Pool(e.to_string())
        })
    }

    /// Runs blocking database work on tokio's blocking pool with a pooled
    /// connection, so async workers never wait on the database.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.get()?;
            work(&mut conn)
        })
        .await
        .map_err(|e| StorageError::Task(e.to_string()))?
    }

    /// One round trip to the database: what readiness means.
    pub async fn ping(&self) -> Result<(), StorageError> {
        self.run(|conn| {
            crate::with_conn!(conn, |c| diesel::sql_query("SELECT 1").execute(c))?;
            Ok(())
        })
        .await
    }

    pub fn state(&self) -> PoolState {
        let (state, max) = match &self.pools {
            Pools::Sqlite(pool) => (pool.state(), pool.max_size()),
            Pools::Postgres(pool) => (pool.state(), pool.max_size()),
        };
        PoolState { connections: state.connections, idle: state.idle_connections, max }
    }
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Database")
            .field("url", &self.url)
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}
