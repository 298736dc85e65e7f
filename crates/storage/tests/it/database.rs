//! The connection handle on both backends.

use diesel::RunQueryDsl;
use diesel::sql_types::BigInt;
use storage::testing::TestDatabase;
use storage::{Backend, Database, DatabaseUrl, PoolOptions, StorageError, meta};

#[test]
fn sqlite_connections_get_the_house_pragmas() {
    let t = TestDatabase::sqlite();
    // Check more than one pooled connection: pragmas are per connection.
    let mut conns: Vec<_> = (0..3).map(|_| t.db.get().unwrap()).collect();
    for conn in &mut conns {
        assert_eq!(
            meta::sqlite_pragmas(conn).unwrap(),
            ["journal_mode=wal", "synchronous=1", "foreign_keys=1", "busy_timeout=5000"]
        );
    }
}

#[test]
fn server_version_names_the_engine() {
    for t in TestDatabase::each_backend() {
        let version = meta::server_version(&mut t.db.get().unwrap()).unwrap();
        let expected = match t.db.backend() {
            Backend::Sqlite => "SQLite 3.",
            Backend::Postgres => "PostgreSQL ",
        };
        assert!(version.starts_with(expected), "{version}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn run_executes_on_either_backend() {
    #[derive(diesel::QueryableByName)]
    struct Sum {
        #[diesel(sql_type = BigInt)]
        total: i64,
    }
    for t in TestDatabase::each_backend() {
        t.db.ping().await.unwrap();
        let total =
            t.db.run(|conn| {
                let row =
                    diesel::sql_query("SELECT CAST(40 + 2 AS BIGINT) AS total").get_result::<Sum>(conn)?;
                Ok::<_, StorageError>(row.total)
            })
            .await
            .unwrap();
        assert_eq!(total, 42);
        assert_eq!(t.db.state().max, 4);
    }
}

#[test]
fn a_missing_sqlite_directory_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/deeper/merchant.db");
    let url = DatabaseUrl::parse(&format!("sqlite://{}", path.display())).unwrap();
    let db = Database::connect(&url, &PoolOptions::default()).unwrap();
    assert_eq!(db.backend(), Backend::Sqlite);
    assert!(path.exists());
}

#[test]
fn an_unreachable_postgres_fails_with_a_redacted_message() {
    // Port 1 on loopback: nothing listens, the refusal is immediate.
    let url = DatabaseUrl::parse("postgres://app:hunter2@127.0.0.1:1/db?connect_timeout=2").unwrap();
    let options =
        PoolOptions { acquire_timeout: std::time::Duration::from_secs(2), ..PoolOptions::default() };
    let err = Database::connect(&url, &options).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, StorageError::Connect { .. }), "{message}");
    assert!(message.contains("postgres://app:***@127.0.0.1:1/db"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
}

/// Once a checkout failed, requests in the fail-fast window take an idle
/// connection or fail at once, instead of each waiting the acquire timeout.
#[test]
fn after_a_failed_checkout_requests_fail_fast_until_a_connection_is_idle() {
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("fast.db").display())).unwrap();
    let options = PoolOptions {
        max_connections: 1,
        acquire_timeout: Duration::from_millis(300),
        fail_fast: Duration::from_secs(30),
        ..PoolOptions::default()
    };
    let db = Database::connect(&url, &options).unwrap();
    let held = db.get().unwrap();
    let started = Instant::now();
    assert!(db.get().is_err(), "the pool is exhausted");
    assert!(started.elapsed() >= Duration::from_millis(250), "the first one waits the acquire timeout");
    let started = Instant::now();
    assert!(db.get().is_err());
    assert!(started.elapsed() < Duration::from_millis(100), "the next one fails at once");
    drop(held);
    assert!(db.get().is_ok(), "an idle connection is taken even in the window");
}

#[test]
fn a_write_transaction_commits_rolls_back_and_keeps_savepoints_on_both_backends() {
    use diesel::Connection;
    use diesel::result::Error;
    use storage::AnyConnection;
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        let mut conn = t.db.get().unwrap();
        let count = |c: &mut AnyConnection| -> i64 {
            #[derive(diesel::QueryableByName)]
            struct Count {
                #[diesel(sql_type = BigInt)]
                n: i64,
            }
            diesel::sql_query("SELECT COUNT(*) AS n FROM schema_info").get_result::<Count>(c).unwrap().n
        };
        let before = count(&mut conn);
        let insert = |c: &mut AnyConnection, key: &str| {
            diesel::sql_query(format!(
                "INSERT INTO schema_info (key, value, updated_at) VALUES ('{key}', 'x', CURRENT_TIMESTAMP)"
            ))
            .execute(c)
        };
        // Committed; a failed savepoint inside takes only its own write.
        conn.write_transaction(|c| {
            insert(c, "tx-kept")?;
            let inner: Result<(), Error> = c.transaction(|c| {
                insert(c, "tx-savepoint")?;
                Err(Error::RollbackTransaction)
            });
            assert!(inner.is_err());
            Ok::<_, Error>(())
        })
        .unwrap();
        assert_eq!(count(&mut conn), before + 1, "{backend}");
        // Rolled back whole.
        let failed: Result<(), Error> = conn.write_transaction(|c| {
            insert(c, "tx-gone")?;
            Err(Error::RollbackTransaction)
        });
        assert!(failed.is_err());
        assert_eq!(count(&mut conn), before + 1, "{backend}: nothing of a failed transaction stays");
        if backend == Backend::Sqlite {
            // BEGIN IMMEDIATE: the write lock is held from the start.
            let mut other = t.db.get().unwrap();
            conn.write_transaction(|_| {
                let started = diesel::sql_query("BEGIN IMMEDIATE").execute(&mut *other);
                assert!(started.is_err(), "another writer waits for the lock, then gives up");
                Ok::<_, Error>(())
            })
            .unwrap();
        }
    }
}
