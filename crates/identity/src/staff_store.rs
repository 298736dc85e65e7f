//! What the console's sign-in, sessions and audit trail need from where
//! staff accounts are kept. The rules are [`crate::staff`]'s; this port only
//! keeps accounts, sessions and who did what.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::RepoError;

use crate::staff::StaffAccount;

/// One entry of the audit trail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub login: String,
    pub action: String,
    pub order_ref: Option<String>,
    pub detail: String,
}

/// What a sign-in attempt found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignIn {
    Accepted(StaffAccount),
    /// Unknown login, wrong password or a disabled account: told apart
    /// only in the audit trail, never to the person signing in.
    Refused,
}

/// How a sign-in checks a password against the account's stored hash
/// (`None`: no such account; the check still does the same work).
pub type PasswordCheck = Box<dyn Fn(Option<&str>) -> bool + Send>;

/// Where staff accounts, their sessions and the audit trail are kept.
#[async_trait]
pub trait StaffStore: Send + Sync + std::fmt::Debug {
    /// The account of `login` when `matches` accepts its hash and it is
    /// enabled. `matches` runs where the hash is read, off the async
    /// workers: it is a deliberately slow hash.
    async fn sign_in(&self, login: &str, matches: PasswordCheck) -> Result<SignIn, RepoError>;
    /// Opens a session (the cookie token's hash and its CSRF token) until
    /// `expires_at`, and records `entry`.
    async fn open_session(
        &self,
        token_hash: &str,
        csrf: &str,
        expires_at: DateTime<Utc>,
        entry: &AuditEntry,
    ) -> Result<(), RepoError>;
    /// The account and CSRF token of a live session of an enabled account.
    async fn session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(StaffAccount, String)>, RepoError>;
    /// Ends a session; ending one that is gone is no error.
    async fn close_session(&self, token_hash: &str) -> Result<(), RepoError>;
    async fn audit(&self, entry: &AuditEntry) -> Result<(), RepoError>;
    /// The trail of an order (all of it when `None`), oldest first.
    async fn audit_trail(&self, order_ref: Option<&str>, limit: i64) -> Result<Vec<AuditEntry>, RepoError>;
}
