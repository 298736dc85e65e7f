//! Purging on both backends: old acknowledged notifications, idempotency
//! keys, expired staff sessions and sign-in failure windows go; a
//! notification still to send stays, however old, and so does a live
//! session.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use identity::staff::{Role, StaffAccount};
use storage::schema::{auth_failures, idempotency_keys};
use storage::testing::TestDatabase;
use storage::{DbKuperOutbox, DbStaff};

fn morning() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T07:00:00Z").unwrap().with_timezone(&Utc)
}

#[test]
fn old_acknowledged_notifications_and_keys_go_and_what_is_still_to_send_stays() {
    for t in TestDatabase::each_backend_migrated() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(t.refused_kuper_order("H-sent", morning()));
        runtime.block_on(t.refused_kuper_order("H-pending", morning()));
        let mut conn = t.db.get().unwrap();
        let sent = DbKuperOutbox::list(&mut conn, None, 10).unwrap()[0].id;
        DbKuperOutbox::sent_all(&mut conn, &[sent], morning()).unwrap();
        for (key, at) in [("old", morning() - Duration::days(40)), ("new", morning())] {
            diesel::insert_into(idempotency_keys::table)
                .values((
                    idempotency_keys::scope.eq("checkout"),
                    idempotency_keys::key.eq(key),
                    idempotency_keys::digest.eq("d"),
                    idempotency_keys::resource_id.eq("ord_x"),
                    idempotency_keys::created_at.eq(at.naive_utc()),
                ))
                .execute(&mut *conn)
                .unwrap();
            diesel::insert_into(auth_failures::table)
                .values((
                    auth_failures::key.eq(format!("caller-{key}")),
                    auth_failures::started_ms.eq(at.timestamp_millis()),
                    auth_failures::failures.eq(3),
                ))
                .execute(&mut *conn)
                .unwrap();
        }

        let olga = StaffAccount {
            login: "olga".into(),
            name: "Ольга".into(),
            role: Role::Picker,
            stores: Vec::new(),
            disabled: false,
        };
        DbStaff::create(&mut conn, &olga, "hash", morning()).unwrap();
        let long_ago = morning() - Duration::days(40);
        DbStaff::open_session(&mut conn, "h-old", "olga", "c", long_ago, long_ago + Duration::hours(8))
            .unwrap();
        DbStaff::open_session(&mut conn, "h-live", "olga", "c", morning(), morning() + Duration::hours(8))
            .unwrap();

        let purged = storage::retention::purge(&mut conn, morning() - Duration::days(30)).unwrap();
        assert_eq!(
            (purged.notifications, purged.idempotency_keys, purged.staff_sessions, purged.failure_windows),
            (0, 1, 1, 1),
            "{}",
            t.db.backend()
        );
        assert!(DbStaff::session(&mut conn, "h-live", morning()).unwrap().is_some(), "a live session stays");
        let purged = storage::retention::purge(&mut conn, morning() + Duration::days(1)).unwrap();
        assert_eq!(purged.notifications, 1, "{}: the acknowledged one", t.db.backend());
        let left = DbKuperOutbox::list(&mut conn, None, 10).unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].state, "pending", "a notification still to send is never purged");
    }
}
