//! Purging on both backends: old acknowledged notifications, idempotency
//! keys and sign-in failure windows go; a notification still to send stays, however old.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use storage::DbKuperOutbox;
use storage::schema::{auth_failures, idempotency_keys};
use storage::testing::TestDatabase;

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

        let purged = storage::retention::purge(&mut conn, morning() - Duration::days(30)).unwrap();
        assert_eq!(
            (purged.notifications, purged.idempotency_keys, purged.failure_windows),
            (0, 1, 1),
            "{}",
            t.db.backend()
        );
        let purged = storage::retention::purge(&mut conn, morning() + Duration::days(1)).unwrap();
        assert_eq!(purged.notifications, 1, "{}: the acknowledged one", t.db.backend());
        let left = DbKuperOutbox::list(&mut conn, None, 10).unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].state, "pending", "a notification still to send is never purged");
    }
}
