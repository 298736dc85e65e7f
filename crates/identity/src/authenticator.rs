//! The use cases: log a shopper in, authenticate an MCP client and a user's
//! access token, manage client tokens.

use std::sync::Arc;

use chrono::Duration;
use domain::{Clock, UserId};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::jwt::{JwtError, JwtVerifier};
use crate::limiter::FailureLimiter;
use crate::model::{ClientIdentity, ClientRecord, Login, NewUser, Provider, UserStatus};
use domain::RepoError;

use crate::ports::{IdentityProvider, IdentityStore, ProviderError};
use crate::token::{IssuedToken, PresentedToken, TokenKind};

/// What the HTTP edge maps to status codes: 403 for the MCP client's
/// credentials, 401 for the shopper's tokens, 503 when a provider is down,
/// 429 when a caller has failed too often. Messages never carry a token or a
/// provider's internals.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("MCP-server credentials are missing")]
    ClientMissing,
    #[error("MCP-server credentials are not valid")]
    ClientRejected,
    #[error("the user access token is missing")]
    UserTokenMissing,
    #[error("the token is not valid")]
    TokenRejected,
    #[error("the token has expired")]
    TokenExpired,
    #[error("{0} is not available, try again later")]
    ProviderUnavailable(&'static str),
    #[error("too many failed attempts, retry in {retry_after_secs} s")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("client name must be 1 to 64 letters, digits, '.', '_' or '-'")]
    BadClientName,
    #[error("{0}")]
    Conflict(String),
    #[error("identity storage failed")]
    Store(#[source] RepoError),
    #[error("cannot generate a token")]
    Random(#[from] crate::token::RandomError),
}

impl From<RepoError> for AuthError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::Conflict(message) => AuthError::Conflict(message),
            e => AuthError::Store(e),
        }
    }
}

#[derive(Clone, Debug)]
pub struct AuthenticatorSettings {
    pub access_token_ttl: Duration,
    pub max_failures: u32,
    pub failure_window: Duration,
}

#[derive(Debug)]
pub struct Authenticator {
    store: Arc<dyn IdentityStore>,
    clock: Arc<dyn Clock>,
    jwt: Option<JwtVerifier>,
    settings: AuthenticatorSettings,
    limiter: FailureLimiter,
}

impl Authenticator {
    pub fn new(
        store: Arc<dyn IdentityStore>,
        clock: Arc<dyn Clock>,
        jwt: Option<JwtVerifier>,
        settings: AuthenticatorSettings,
    ) -> Self {
        let failures: Arc<dyn crate::FailureStore> = store.clone();
        let limiter =
            FailureLimiter::new(settings.max_failures, settings.failure_window, clock.clone(), failures);
        Authenticator { store, clock, jwt, settings, limiter }
    }

    async fn guard(&self, caller: &str) -> Result<(), AuthError> {
        self.limiter
            .check(caller)
            .await
            .map_err(|retry_after_secs| AuthError::TooManyAttempts { retry_after_secs })
    }

    /// `key` is a caller's address or a shopper token's digest, never a
    /// token itself, so it may be logged.
    async fn failed(&self, key: &str, error: AuthError) -> AuthError {
        tracing::warn!(key, reason = %error, "authentication failed");
        self.limiter.record_failure(key).await;
        error
    }

    /// Checks `external_token` with `provider`, links or creates the user and
    /// issues our access token. Failures are counted against the token
    /// itself ([`shopper_token_key`]): the MCP platform carries every
    /// shopper through one client, so counting them against the client
    /// would let one stale token lock every other shopper out. An expired
    /// token is no guess and is not counted.
    pub async fn login(
        &self,
        provider_kind: Provider,
        provider: &dyn IdentityProvider,
        external_token: &SecretString,
    ) -> Result<Login, AuthError> {
        let key = shopper_token_key(external_token.expose_secret());
        self.guard(&key).await?;
        let profile = match provider.verify(external_token).await {
            Ok(profile) => profile,
            Err(ProviderError::Rejected(reason)) => {
                tracing::info!(provider = %provider_kind, reason = %domain::log_safe(&reason), "external token rejected");
                return Err(self.failed(&key, AuthError::TokenRejected).await);
            }
            Err(ProviderError::Expired) => return Err(AuthError::TokenExpired),
            Err(ProviderError::Unavailable(reason)) => {
                tracing::error!(provider = %provider_kind, %reason, "identity provider unavailable");
                return Err(AuthError::ProviderUnavailable(match provider_kind {
                    Provider::SberId => "SberID",
                    Provider::MerchantToken => "the token service",
                }));
            }
        };
        let new_user = NewUser { id: new_user_id()?, status: UserStatus::for_new_account(&profile) };
        let token = IssuedToken::generate(TokenKind::UserAccess)?;
        let expires_at = self.clock.now() + self.settings.access_token_ttl;
        let (user_id, status) =
            self.store.login(provider_kind, &profile, new_user, &token, expires_at).await?;
        tracing::info!(provider = %provider_kind, user = %user_id, status = status.as_str(), "user logged in");
        Ok(Login {
            access_token: token.token,
            expires_in_secs: self.settings.access_token_ttl.num_seconds(),
            user_id,
            status,
        })
    }

    /// The MCP server's credentials: `Bearer <token>` (or the bare token),
    /// either a client token we issued or a JWT of the MCP platform.
    pub async fn authenticate_client(
        &self,
        presented: Option<&str>,
        caller: &str,
    ) -> Result<ClientIdentity, AuthError> {
        let token = presented.map(strip_bearer).filter(|t| !t.is_empty()).ok_or(AuthError::ClientMissing)?;
        self.guard(caller).await?;
        let token = SecretString::from(token.to_owned());
        if let Some(presented) = PresentedToken::parse(&token, TokenKind::McpClient) {
            return match self.store.client(presented.id).await? {
                Some(client) if !client.revoked && presented.matches(&client.secret_hash) => {
                    Ok(ClientIdentity::Token { id: client.id, name: client.name })
                }
                _ => Err(self.failed(caller, AuthError::ClientRejected).await),
            };
        }
        match &self.jwt {
            Some(jwt) => match jwt.verify(token.expose_secret()) {
                Ok(subject) => Ok(ClientIdentity::Jwt { subject }),
                Err(JwtError::Expired | JwtError::Invalid(_) | JwtError::Key(_)) => {
                    Err(self.failed(caller, AuthError::ClientRejected).await)
                }
            },
            None => Err(self.failed(caller, AuthError::ClientRejected).await),
        }
    }

    /// A shopper's access token issued by [`login`](Self::login). A token
    /// that is not ours is counted against itself ([`shopper_token_key`]),
    /// never against the client carrying it; one of ours that expired or
    /// was revoked is a 401 and no guess.
    pub async fn authenticate_user(&self, presented: Option<&str>) -> Result<UserId, AuthError> {
        let token =
            presented.map(strip_bearer).filter(|t| !t.is_empty()).ok_or(AuthError::UserTokenMissing)?;
        let key = shopper_token_key(token);
        self.guard(&key).await?;
        let token = SecretString::from(token.to_owned());
        let Some(presented) = PresentedToken::parse(&token, TokenKind::UserAccess) else {
            return Err(self.failed(&key, AuthError::TokenRejected).await);
        };
        match self.store.access_token(presented.id).await? {
            Some(stored) if presented.matches(&stored.secret_hash) => {
                if stored.revoked {
                    Err(AuthError::TokenRejected)
                } else if stored.expires_at <= self.clock.now() {
                    Err(AuthError::TokenExpired)
                } else {
                    Ok(stored.user_id)
                }
            }
            _ => Err(self.failed(&key, AuthError::TokenRejected).await),
        }
    }

    /// Issues a static client token; the returned secret is shown once.
    pub async fn create_client(&self, name: &str) -> Result<(String, SecretString), AuthError> {
        let valid = (1..=64).contains(&name.len())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        if !valid {
            return Err(AuthError::BadClientName);
        }
        let token = IssuedToken::generate(TokenKind::McpClient)?;
        self.store.create_client(name, &token).await?;
        Ok((token.id, token.token))
    }

    pub async fn list_clients(&self) -> Result<Vec<ClientRecord>, AuthError> {
        Ok(self.store.list_clients().await?)
    }

    pub async fn revoke_client(&self, id_or_name: &str) -> Result<bool, AuthError> {
        Ok(self.store.revoke_client(id_or_name).await?)
    }
}

/// The failure-limit key of a shopper's token: a digest, so neither the
/// failure store nor a log line ever holds the token.
pub fn shopper_token_key(token: &str) -> String {
    let digest = Sha256::digest(token.trim().as_bytes());
    format!("shopper:{}", domain::hex(&digest[..16]))
}

fn strip_bearer(value: &str) -> &str {
    let value = value.trim();
    if value.eq_ignore_ascii_case("bearer") {
        return "";
    }
    match value.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => value,
    }
}

fn new_user_id() -> Result<UserId, AuthError> {
    let issued = IssuedToken::generate(TokenKind::UserAccess)?;
    Ok(UserId::new(format!("u-{}", issued.id)).expect("a hex id is a valid user id"))
}

#[cfg(test)]
mod tests {
    use super::strip_bearer;

    #[test]
    fn bearer_prefix_is_optional_and_case_insensitive() {
        assert_eq!(strip_bearer("Bearer abc"), "abc");
        assert_eq!(strip_bearer("bearer   abc "), "abc");
        assert_eq!(strip_bearer("abc"), "abc");
        assert_eq!(strip_bearer("Bearer "), "");
        assert_eq!(strip_bearer("Basic abc"), "Basic abc");
    }
}
