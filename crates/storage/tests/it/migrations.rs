//! Migrations on both backends: same versions, up, down and up again; and
//! `schema.rs` checked against what they make (`schema`).

#[path = "migrations/schema.rs"]
mod schema;

use storage::migrations::{self, MigrationStatus};
use storage::testing::TestDatabase;
use storage::{Backend, meta};

#[test]
fn both_backends_embed_the_same_versions() {
    let sqlite = migrations::embedded_versions(Backend::Sqlite).unwrap();
    let postgres = migrations::embedded_versions(Backend::Postgres).unwrap();
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres, "migrations/sqlite and migrations/postgres must pair up");
}

#[test]
fn every_migration_runs_up_down_and_up_again() {
    for t in TestDatabase::each_backend() {
        let backend = t.db.backend();
        let all = migrations::embedded_versions(backend).unwrap();
        let mut conn = t.db.get().unwrap();

        let applied = migrations::run_pending(&mut conn).unwrap();
        assert_eq!(applied, all, "{backend}: first run applies everything");
        assert_eq!(
            migrations::status(&mut conn).unwrap(),
            MigrationStatus { applied: all.clone(), pending: vec![] }
        );
        assert!(migrations::run_pending(&mut conn).unwrap().is_empty(), "{backend}: idempotent");

        // Down one at a time, so every down.sql runs on its own.
        let mut reverted = Vec::new();
        while let Some(version) = migrations::revert_last(&mut conn).unwrap() {
            reverted.push(version);
        }
        reverted.reverse();
        assert_eq!(reverted, all, "{backend}: every migration reverts");
        assert_eq!(migrations::status(&mut conn).unwrap().pending, all);

        assert_eq!(migrations::run_pending(&mut conn).unwrap(), all, "{backend}: up again");
        assert_eq!(migrations::revert_all(&mut conn).unwrap().len(), all.len());
        assert_eq!(migrations::run_pending(&mut conn).unwrap(), all);
    }
}

#[test]
fn concurrent_migration_runs_apply_each_migration_once() {
    for t in TestDatabase::each_backend() {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let db = t.db.clone();
                std::thread::spawn(move || {
                    let mut conn = db.get().unwrap();
                    migrations::run_pending(&mut conn).unwrap()
                })
            })
            .collect();
        let applied: usize = handles.into_iter().map(|h| h.join().unwrap().len()).sum();
        let all = migrations::embedded_versions(t.db.backend()).unwrap();
        assert_eq!(applied, all.len(), "{}: each migration applied exactly once", t.db.backend());
    }
}

#[test]
fn schema_info_keeps_the_first_value() {
    for t in TestDatabase::each_backend_migrated() {
        let mut conn = t.db.get().unwrap();
        assert_eq!(meta::get(&mut conn, meta::INSTALLATION_ID).unwrap(), None);
        let first = meta::get_or_insert(&mut conn, meta::INSTALLATION_ID, "first").unwrap();
        let second = meta::get_or_insert(&mut conn, meta::INSTALLATION_ID, "second").unwrap();
        assert_eq!((first.as_str(), second.as_str()), ("first", "first"));
    }
}
