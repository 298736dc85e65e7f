//! The pooled database handle over SQLite and PostgreSQL.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::r2d2::{CustomizeConnection, ManageConnection, Pool, PooledConnection, R2D2Connection};
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};

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

/// A connection to either backend: diesel runs a statement of their
/// common subset on it as it is (`MultiConnection`); a statement outside it
/// goes through [`with_conn!`](crate::with_conn) (the same diesel code for
/// each backend) or, where the SQL itself differs, a `match` on the
/// variants.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Opens connections of the backend the URL names — never another one
/// (diesel's own manager for a `MultiConnection` tries each backend in turn,
/// and SQLite takes any string as a file name).
#[derive(Debug)]
struct Manager {
    url: String,
    backend: Backend,
}

impl ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, Self::Error> {
        let connection = match self.backend {
            Backend::Sqlite => SqliteConnection::establish(&self.url).map(AnyConnection::Sqlite),
            Backend::Postgres => PgConnection::establish(&self.url).map(AnyConnection::Postgres),
        };
        connection.map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        conn.is_broken()
    }
}

/// A cheap-to-clone handle on the connection pool.
#[derive(Clone)]
pub struct Database {
    pool: Pool<Manager>,
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

/// A connection checked out of the pool, for a caller outside
/// [`Database::run`]: it derefs to [`AnyConnection`], which every storage
/// function takes.
pub struct DbConn(PooledConnection<Manager>);

impl fmt::Debug for AnyConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AnyConnection::Sqlite(_) => "AnyConnection::Sqlite",
            AnyConnection::Postgres(_) => "AnyConnection::Postgres",
        })
    }
}

impl fmt::Debug for DbConn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.backend() {
            Backend::Sqlite => "DbConn::Sqlite",
            Backend::Postgres => "DbConn::Postgres",
        })
    }
}

impl DbConn {
    pub fn backend(&self) -> Backend {
        match &*self.0 {
            AnyConnection::Sqlite(_) => Backend::Sqlite,
            AnyConnection::Postgres(_) => Backend::Postgres,
        }
    }
}

impl AnyConnection {
    /// Runs `body` in a write transaction: `BEGIN IMMEDIATE` on SQLite, so
    /// a read-then-write cannot deadlock on lock upgrade, and a plain one on
    /// PostgreSQL; committed when it returns `Ok`, rolled back otherwise
    /// (and then the body's error is returned, even when the rollback fails).
    /// The body gets the connection whole: the common subset on it as it
    /// is, the backend's own statements by matching it; a nested
    /// `transaction` is a savepoint.
    pub fn write_transaction<T, E>(
        &mut self,
        body: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<diesel::result::Error>,
    {
        use diesel::connection::{AnsiTransactionManager, TransactionManager};
        // Begun on the backend's own connection (the multi connection's
        // manager has no BEGIN IMMEDIATE), then ended through the multi
        // connection's, which keeps the same state.
        match self {
            AnyConnection::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
            AnyConnection::Postgres(c) => AnsiTransactionManager::begin_transaction(c)?,
        }
        match body(self) {
            Ok(value) => {
                <AnyConnection as Connection>::TransactionManager::commit_transaction(self)?;
                Ok(value)
            }
            Err(e) => {
                // The body's error says why; a rollback that fails too leaves
                // the connection broken, the pool drops it and the server
                // ends the transaction with it, so nothing of it commits.
                if let Err(rollback) =
                    <AnyConnection as Connection>::TransactionManager::rollback_transaction(self)
                {
                    tracing::warn!(error = %rollback, "rollback failed; the connection is dropped");
                }
                Err(e)
            }
        }
    }
}

impl std::ops::Deref for DbConn {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.0
    }
}

impl std::ops::DerefMut for DbConn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.0
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

impl CustomizeConnection<AnyConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut AnyConnection) -> Result<(), diesel::r2d2::Error> {
        let AnyConnection::Sqlite(conn) = conn else { return Ok(()) };
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
        let pool = match url.backend() {
            Backend::Sqlite => {
                if let Some(parent) = url.sqlite_path().as_deref().and_then(std::path::Path::parent)
                    && !parent.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| connect_error(format!("cannot create {}: {e}", parent.display())))?;
                }
                Pool::builder()
                    .max_size(options.max_connections)
                    .connection_timeout(options.acquire_timeout)
                    .connection_customizer(Box::new(SqlitePragmas {
                        busy_timeout: options.sqlite_busy_timeout,
                    }))
                    .build(Manager { url: url.expose().to_owned(), backend: Backend::Sqlite })
                    .map_err(|e| connect_error(e.to_string()))?
            }
            Backend::Postgres => Pool::builder()
                .max_size(options.max_connections)
                .connection_timeout(options.acquire_timeout)
                .build(Manager { url: url.expose().to_owned(), backend: Backend::Postgres })
                .map_err(|e| connect_error(e.to_string()))?,
        };
        let health = Health {
            started: Instant::now(),
            failed_at_ms: AtomicU64::new(u64::MAX),
            fail_fast: options.fail_fast,
        };
        Ok(Database { pool, url: url.clone(), health: Arc::new(health) })
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
            return self
                .pool
                .try_get()
                .map(DbConn)
                .ok_or_else(|| StorageError::Pool("the database did not answer a moment ago".into()));
        }
        self.pool.get().map(DbConn).map_err(|e| {
            self.health.failed();
            StorageError::Pool(e.to_string())
        })
    }

    /// Runs blocking database work on tokio's blocking pool with a pooled
    /// connection, so async workers never wait on the database.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.get()?;
            work(&mut conn.0)
        })
        .await
        .map_err(|e| StorageError::Task(e.to_string()))?
    }

    /// One round trip to the database: what readiness means.
    pub async fn ping(&self) -> Result<(), StorageError> {
        self.run(|conn| {
            diesel::sql_query("SELECT 1").execute(conn)?;
            Ok(())
        })
        .await
    }

    pub fn state(&self) -> PoolState {
        let (state, max) = (self.pool.state(), self.pool.max_size());
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
