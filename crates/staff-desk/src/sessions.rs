//! Sign-in, sessions and sign-out.

use chrono::Duration;
use domain::RepoError;
use identity::staff::{self, SignIn, StaffAccount};

use crate::StaffDesk;

impl StaffDesk {
    /// A sign-in attempt. `allowed` is the throttle's word: a throttled
    /// caller's password is checked against nothing, so every refusal
    /// costs the same work and reads the same.
    pub async fn sign_in(&self, login: &str, password: String, allowed: bool) -> Result<SignIn, RepoError> {
        let check = Box::new(move |hash: Option<&str>| {
            staff::password_matches_or_dummy(&password, hash.filter(|_| allowed))
        });
        self.ports.staff.sign_in(login, check).await
    }

    /// Opens a session for an account just signed in: the cookie token's
    /// hash and its CSRF token, for [`staff::SESSION_HOURS`]; the sign-in
    /// goes in the audit trail with it.
    pub async fn open_session(
        &self,
        account: &StaffAccount,
        token_hash: &str,
        csrf: &str,
    ) -> Result<(), RepoError> {
        let entry = self.entry(account, "sign_in", None, "{}".into());
        let expires_at = entry.at + Duration::hours(staff::SESSION_HOURS);
        self.ports.staff.open_session(token_hash, csrf, expires_at, &entry).await
    }

    /// The account and CSRF token of the live session whose cookie hashes
    /// to `token_hash`.
    pub async fn session(&self, token_hash: &str) -> Result<Option<(StaffAccount, String)>, RepoError> {
        self.ports.staff.session(token_hash, self.ports.clock.now()).await
    }

    pub async fn sign_out(&self, token_hash: &str) -> Result<(), RepoError> {
        self.ports.staff.close_session(token_hash).await
    }
}
