use async_trait::async_trait;
use domain::RepoError;
use secrecy::SecretString;

use crate::model::{
    ClientRecord, ExternalProfile, NewUser, Provider, StoredAccessToken, StoredClient, UserStatus,
};
use crate::token::IssuedToken;

/// Why a provider would not vouch for a token. The variants are what the
/// caller acts on: 401 for the shopper's token, 503 for the provider.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The token is not valid (malformed, unknown, revoked, not active).
    #[error("token rejected: {0}")]
    Rejected(String),
    #[error("token expired")]
    Expired,
    /// The provider could not be asked (down, timeout, unexpected answer).
    /// The text is for logs; callers show a generic message.
    #[error("identity provider unavailable: {0}")]
    Unavailable(String),
}

/// Checks a shopper's external token with whoever issued it.
#[async_trait]
pub trait IdentityProvider: Send + Sync + std::fmt::Debug {
    async fn verify(&self, token: &SecretString) -> Result<ExternalProfile, ProviderError>;
}

/// Where identities live, and the sign-in failures of every instance.
#[async_trait]
pub trait IdentityStore: crate::limiter::FailureStore + Send + Sync + std::fmt::Debug {
    /// In one transaction: find the user linked to `(provider,
    /// profile.subject)` or create `new_user` linked to it, then store
    /// `token`. Returns the user and `Authorized` for a known identity or
    /// `new_user.status` for a created one.
    async fn login(
        &self,
        provider: Provider,
        profile: &ExternalProfile,
        new_user: NewUser,
        token: &IssuedToken,
        expires_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(domain::UserId, UserStatus), RepoError>;

    async fn access_token(&self, id: &str) -> Result<Option<StoredAccessToken>, RepoError>;

    /// Creates a client token; `Conflict` when an active client has `name`.
    async fn create_client(&self, name: &str, token: &IssuedToken) -> Result<(), RepoError>;

    async fn client(&self, id: &str) -> Result<Option<StoredClient>, RepoError>;

    async fn list_clients(&self) -> Result<Vec<ClientRecord>, RepoError>;

    /// Revokes the active client with this id or name; false when none.
    async fn revoke_client(&self, id_or_name: &str) -> Result<bool, RepoError>;
}
