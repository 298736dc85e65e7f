//! Staff accounts on both backends: created once per login, sign-ins
//! checked against the account's hash (and against none for an unknown
//! login, the same work), a new password ending sessions, a disabled
//! account refused, and the audit trail of an order.

use chrono::{DateTime, Duration, Utc};
use identity::staff::{AuditEntry, SignIn};
use identity::staff::{Role, StaffAccount};
use storage::DbStaff;
use storage::testing::TestDatabase;

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
fn accounts_sign_in_and_leave_a_trail() {
    // A cheap stand-in for the password hash: the rules are identity's.
    let matches =
        |password: &'static str| move |hash: Option<&str>| hash == Some(format!("hash:{password}").as_str());
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
            DbStaff::sign_in(&mut conn, "olga", matches("right")).unwrap(),
            SignIn::Accepted(picker())
        );
        assert_eq!(DbStaff::sign_in(&mut conn, "nobody", matches("right")).unwrap(), SignIn::Refused);
        // Wrong passwords are refused as often as they come: the account
        // is never locked (throttling is per address, the console's).
        for _ in 0..10 {
            assert_eq!(DbStaff::sign_in(&mut conn, "olga", matches("wrong")).unwrap(), SignIn::Refused);
        }
        assert_eq!(
            DbStaff::sign_in(&mut conn, "olga", matches("right")).unwrap(),
            SignIn::Accepted(picker())
        );
        let later = now() + Duration::minutes(1);
        assert!(DbStaff::set_password(&mut conn, "olga", "hash:new").unwrap(), "{backend}");
        assert!(matches!(DbStaff::sign_in(&mut conn, "olga", matches("new")).unwrap(), SignIn::Accepted(_)));

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
        assert_eq!(DbStaff::sign_in(&mut conn, "olga", matches("new")).unwrap(), SignIn::Refused);
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

/// An unknown login costs the same check as a known one: the password is
/// checked against no hash, so the answer's time tells nothing.
#[test]
fn an_unknown_login_is_checked_all_the_same() {
    for t in TestDatabase::each_backend_migrated() {
        let mut conn = t.db.get().unwrap();
        assert!(DbStaff::create(&mut conn, &picker(), "hash:right", now()).unwrap());
        for login in ["olga", "nobody"] {
            let checked = std::cell::Cell::new(0);
            let answer = DbStaff::sign_in(&mut conn, login, |_| {
                checked.set(checked.get() + 1);
                false
            });
            assert_eq!((answer.unwrap(), checked.get()), (SignIn::Refused, 1), "{login}");
        }
    }
}
