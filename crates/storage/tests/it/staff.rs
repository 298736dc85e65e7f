//! Staff accounts on both backends: created once per login, the lock-out
//! kept across sign-ins, a new password lifting it, a disabled account
//! refused, and the audit trail of an order.

use chrono::{DateTime, Duration, Utc};
use identity::staff::{Role, StaffAccount};
use storage::testing::TestDatabase;
use storage::{AuditEntry, DbStaff, SignIn};

fn now() -> DateTime<Utc> {
    "2026-11-29T10:00:00Z".parse().unwrap()
}

fn picker() -> StaffAccount {
    StaffAccount {
        login: "olga".into(),
        name: "Ольга".into(),
        role: Role::Picker,
        stores: vec!["STORE-001".into()],
        disabled: false,
    }
}

#[test]
fn accounts_sign_in_lock_out_and_leave_a_trail() {
    // A cheap stand-in for the password hash: the rules are identity's.
    let matches = |password: &'static str| move |hash: &str| hash == format!("hash:{password}");
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        let mut conn = t.db.get().unwrap();
        assert!(DbStaff::create(&mut conn, &picker(), "hash:right", now()).unwrap());
        assert!(
            !DbStaff::create(&mut conn, &picker(), "hash:other", now()).unwrap(),
            "{backend}: one per login"
        );
        assert_eq!(DbStaff::list(&mut conn).unwrap(), [picker()]);

        assert_eq!(
            DbStaff::sign_in(&mut conn, "olga", matches("right"), now()).unwrap(),
            SignIn::Accepted(picker())
        );
        assert_eq!(DbStaff::sign_in(&mut conn, "nobody", matches("right"), now()).unwrap(), SignIn::Refused);
        for _ in 0..4 {
            assert_eq!(
                DbStaff::sign_in(&mut conn, "olga", matches("wrong"), now()).unwrap(),
                SignIn::Refused
            );
        }
        let until = now() + Duration::minutes(15);
        assert_eq!(
            DbStaff::sign_in(&mut conn, "olga", matches("wrong"), now()).unwrap(),
            SignIn::Locked { until }
        );
        // Locked: even the right password waits.
        let later = now() + Duration::minutes(1);
        assert_eq!(
            DbStaff::sign_in(&mut conn, "olga", matches("right"), later).unwrap(),
            SignIn::Locked { until }
        );
        assert!(DbStaff::set_password(&mut conn, "olga", "hash:new").unwrap(), "{backend}");
        assert!(matches!(
            DbStaff::sign_in(&mut conn, "olga", matches("new"), later).unwrap(),
            SignIn::Accepted(_)
        ));

        let expires = later + Duration::hours(8);
        DbStaff::open_session(&mut conn, "h-1", "olga", "csrf-1", later, expires).unwrap();
        assert_eq!(DbStaff::session(&mut conn, "h-1", later).unwrap(), Some((picker(), "csrf-1".to_owned())));
        assert_eq!(DbStaff::session(&mut conn, "h-1", expires).unwrap(), None, "{backend}: expired");
        assert_eq!(DbStaff::session(&mut conn, "h-2", later).unwrap(), None);
        assert!(DbStaff::set_password(&mut conn, "olga", "hash:new").unwrap());
        assert_eq!(
            DbStaff::session(&mut conn, "h-1", later).unwrap(),
            None,
            "{backend}: a new password ends the sessions the old one opened"
        );
        DbStaff::open_session(&mut conn, "h-1", "olga", "csrf-1", later, expires).unwrap();

        assert!(DbStaff::set_disabled(&mut conn, "olga", true).unwrap());
        assert_eq!(
            DbStaff::session(&mut conn, "h-1", later).unwrap(),
            None,
            "a disabled account's session ends"
        );
        DbStaff::close_session(&mut conn, "h-1").unwrap();
        assert_eq!(DbStaff::sign_in(&mut conn, "olga", matches("new"), later).unwrap(), SignIn::Refused);
        assert!(!DbStaff::set_disabled(&mut conn, "nobody", true).unwrap());

        let entry = |action: &str, order: Option<&str>| AuditEntry {
            at: now(),
            login: "olga".into(),
            action: action.into(),
            order_ref: order.map(str::to_owned),
            detail: "{}".into(),
        };
        DbStaff::audit(&mut conn, &entry("sign_in", None)).unwrap();
        DbStaff::audit(&mut conn, &entry("ready_for_delivery", Some("kuper:H1"))).unwrap();
        let trail = DbStaff::audit_trail(&mut conn, Some("kuper:H1"), 10).unwrap();
        assert_eq!(trail, [entry("ready_for_delivery", Some("kuper:H1"))], "{backend}");
        assert_eq!(DbStaff::audit_trail(&mut conn, None, 10).unwrap().len(), 2);
    }
}

/// Guesses at once all count: twenty wrong passwords in parallel lock the
/// account (the lock-out is five), and the right one then waits too.
#[test]
fn concurrent_wrong_guesses_all_count_toward_the_lock_out() {
    for t in TestDatabase::each_backend_migrated() {
        let backend = t.db.backend();
        assert!(DbStaff::create(&mut t.db.get().unwrap(), &picker(), "hash:right", now()).unwrap());
        std::thread::scope(|scope| {
            for _ in 0..20 {
                let db = t.db.clone();
                scope.spawn(move || {
                    let mut conn = db.get().unwrap();
                    // A slow hash, as Argon2 is: the attempts overlap.
                    let slow_wrong = |_: &str| {
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        false
                    };
                    DbStaff::sign_in(&mut conn, "olga", slow_wrong, now()).unwrap()
                });
            }
        });
        let right = DbStaff::sign_in(&mut t.db.get().unwrap(), "olga", |h| h == "hash:right", now()).unwrap();
        assert!(matches!(right, SignIn::Locked { .. }), "{backend}: {right:?}");
    }
}
