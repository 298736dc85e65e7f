//! The merchant's staff: who may sign in to the console and what each may
//! do. Every rule is here, as pure functions with a table of cases; storage
//! keeps the accounts and the console carries the rules out.
//!
//! - Roles: an admin manages staff and everything else; an operator works
//!   every store's orders and what is stuck (dead letters); a picker picks
//!   the orders of the stores they are given, and nothing else.
//! - Passwords: Argon2id (PHC string), at least 10 characters.
//! - Sign-in throttle: failed sign-ins are counted per (login, address)
//!   and per address ([`sign_in_limits`]), never per account, so no one who
//!   does not know a password can lock its owner out. An unknown login, a
//!   wrong password, a disabled account and a throttled caller get the same
//!   answer after the same work (a password is always checked against a
//!   hash, [`password_matches_or_dummy`]).

use chrono::Duration;

pub use crate::staff_store::{AuditEntry, PasswordCheck, SignIn, StaffStore};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    Operator,
    Picker,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Operator, Role::Picker];

    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Picker => "picker",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.as_str() == text.trim())
    }
}

/// What a staff member asks to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission<'a> {
    /// Open and pick the orders of this store.
    PickIn(&'a str),
    /// Retry or discard a notification Kuper refused, cancel any order.
    ResolveStuck,
    /// Create, disable and reset staff accounts.
    ManageStaff,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffAccount {
    pub login: String,
    pub name: String,
    pub role: Role,
    /// For a picker: the stores they work in.
    pub stores: Vec<String>,
    pub disabled: bool,
}

impl StaffAccount {
    /// The stores whose orders this account works, for a query to be
    /// limited by; `None`: every store (the same rule as [`may`](Self::may)
    /// with `PickIn`).
    pub fn store_scope(&self) -> Option<&[String]> {
        match self.role {
            Role::Picker => Some(&self.stores),
            Role::Admin | Role::Operator => None,
        }
    }

    /// Whether this account may do `what`.
    pub fn may(&self, what: Permission<'_>) -> bool {
        if self.disabled {
            return false;
        }
        match (self.role, what) {
            (Role::Admin, _) | (Role::Operator, Permission::PickIn(_) | Permission::ResolveStuck) => true,
            (Role::Picker, Permission::PickIn(store)) => self.stores.iter().any(|s| s == store),
            (Role::Operator | Role::Picker, _) => false,
        }
    }
}

/// Why an account or a password is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StaffError {
    #[error("a login is 3 to 64 letters, digits, dots, dashes or underscores")]
    BadLogin,
    #[error("a password needs at least {MIN_PASSWORD_CHARS} characters")]
    WeakPassword,
    #[error("a picker works in at least one store")]
    PickerWithoutStores,
    #[error("the password could not be hashed: {0}")]
    Hash(String),
}

pub const MIN_PASSWORD_CHARS: usize = 10;

/// How long a console session lasts from sign-in.
pub const SESSION_HOURS: i64 = 8;
/// Checks a new account's fields.
pub fn check_account(login: &str, role: Role, stores: &[String]) -> Result<(), StaffError> {
    let fine = |c: char| c.is_alphanumeric() || matches!(c, '.' | '-' | '_');
    let length = login.chars().count();
    if !(3..=64).contains(&length) || !login.chars().all(fine) {
        return Err(StaffError::BadLogin);
    }
    if role == Role::Picker && stores.is_empty() {
        return Err(StaffError::PickerWithoutStores);
    }
    Ok(())
}

/// The Argon2id hash of a new password (a fresh salt each time).
pub fn hash_password(password: &str) -> Result<String, StaffError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(StaffError::WeakPassword);
    }
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| StaffError::Hash(e.to_string()))
}

/// Whether `password` is the one `hash` was made from (constant time in
/// the password; a hash we cannot read matches nothing).
pub fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .is_ok_and(|parsed| argon2::Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// One limit of the console's sign-in throttle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignInLimit {
    pub max_failures: u32,
    pub window: Duration,
}

/// Failed sign-ins allowed from one address for one login, and from one
/// address for any login (a guesser spraying logins), each per window.
pub fn sign_in_limits() -> (SignInLimit, SignInLimit) {
    let window = Duration::minutes(15);
    (SignInLimit { max_failures: 5, window }, SignInLimit { max_failures: 30, window })
}

/// The throttle's keys for a sign-in of `login` from `address`: the login
/// folded to lower case and digested (a login typed is not stored as it
/// was typed, and no key grows with what a caller sends).
pub fn sign_in_keys(login: &str, address: &str) -> (String, String) {
    use sha2::{Digest, Sha256};
    let folded = login.trim().to_lowercase();
    let digest = Sha256::digest(folded.as_bytes());
    (format!("console:{address}:{}", domain::hex(&digest[..12])), format!("console:{address}"))
}

/// [`password_matches`] against `hash`, or against a hash of nothing when
/// there is none (an unknown login): the same Argon2 work either way, so
/// the answer's time does not tell which logins exist.
pub fn password_matches_or_dummy(password: &str, hash: Option<&str>) -> bool {
    static DUMMY: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| hash_password("no account has this password").unwrap_or_default());
    let Some(hash) = hash else {
        let _ = password_matches(password, &DUMMY);
        return false;
    };
    password_matches(password, hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(role: Role, stores: &[&str]) -> StaffAccount {
        StaffAccount {
            login: "anna".into(),
            name: "Анна".into(),
            role,
            stores: stores.iter().map(|s| (*s).to_owned()).collect(),
            disabled: false,
        }
    }

    #[test]
    fn who_may_do_what() {
        use Permission as P;
        let cases = [
            (Role::Admin, &[][..], P::PickIn("S1"), true),
            (Role::Admin, &[], P::ResolveStuck, true),
            (Role::Admin, &[], P::ManageStaff, true),
            (Role::Operator, &[], P::PickIn("S1"), true),
            (Role::Operator, &[], P::ResolveStuck, true),
            (Role::Operator, &[], P::ManageStaff, false),
            (Role::Picker, &["S1"], P::PickIn("S1"), true),
            (Role::Picker, &["S1"], P::PickIn("S2"), false),
            (Role::Picker, &["S1"], P::ResolveStuck, false),
            (Role::Picker, &["S1"], P::ManageStaff, false),
        ];
        for (role, stores, what, allowed) in cases {
            assert_eq!(account(role, stores).may(what), allowed, "{role:?} {stores:?} {what:?}");
            if let (P::PickIn(store), Some(scope)) = (what, account(role, stores).store_scope()) {
                assert_eq!(scope.iter().any(|s| s == store), allowed, "the scope says what may says");
            }
            let disabled = StaffAccount { disabled: true, ..account(role, stores) };
            assert!(!disabled.may(what), "a disabled account may nothing");
        }
    }

    #[test]
    fn accounts_and_passwords_are_checked() {
        assert_eq!(check_account("anna.k", Role::Picker, &["S1".into()]), Ok(()));
        assert_eq!(check_account("an", Role::Admin, &[]), Err(StaffError::BadLogin));
        assert_eq!(check_account("anna k", Role::Admin, &[]), Err(StaffError::BadLogin));
        assert_eq!(check_account("anna", Role::Picker, &[]), Err(StaffError::PickerWithoutStores));
        assert_eq!(hash_password("short"), Err(StaffError::WeakPassword));
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(password_matches("correct horse battery", &hash));
        assert!(!password_matches("correct horse batterz", &hash));
        assert!(!password_matches("anything", "not a hash"));
        assert_ne!(hash, hash_password("correct horse battery").unwrap(), "a fresh salt each time");
        assert_eq!(Role::parse("picker"), Some(Role::Picker));
        assert_eq!(Role::parse("boss"), None);
    }

    #[test]
    fn sign_in_keys_fold_the_login_and_tell_addresses_apart() {
        let (a, a_address) = sign_in_keys("Anna", "203.0.113.7");
        assert_eq!(sign_in_keys(" anna ", "203.0.113.7").0, a, "case and spaces fold");
        assert_ne!(sign_in_keys("anna", "203.0.113.8").0, a, "another address, another count");
        assert_ne!(sign_in_keys("boris", "203.0.113.7").0, a);
        assert_eq!(a_address, "console:203.0.113.7");
        assert!(!a.contains("anna"), "the login is digested: {a}");
        assert_eq!(sign_in_keys(&"x".repeat(10_000), "::1").0.len(), "console:::1:".len() + 24);
        let (per_login, per_address) = sign_in_limits();
        assert!(per_login.max_failures < per_address.max_failures);
    }

    #[test]
    fn an_unknown_login_is_checked_against_a_dummy_and_never_matches() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(password_matches_or_dummy("correct horse battery", Some(&hash)));
        assert!(!password_matches_or_dummy("wrong horse battery", Some(&hash)));
        assert!(!password_matches_or_dummy("no account has this password", None));
        assert!(!password_matches_or_dummy("", None));
    }
}
