use std::fmt;

use chrono::{DateTime, Utc};
use domain::UserId;
use secrecy::SecretString;

/// Who vouched for a shopper's identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Provider {
    /// Sber ID (OIDC), behind `/auth/sberid`.
    SberId,
    /// The merchant's own token service, behind `/auth/other`.
    MerchantToken,
}

impl Provider {
    pub const fn as_str(self) -> &'static str {
        match self {
            Provider::SberId => "sberid",
            Provider::MerchantToken => "merchant_token",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a provider tells us about the person behind a valid token.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ExternalProfile {
    /// Stable id of the person at the provider (`sub`).
    pub subject: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl fmt::Debug for ExternalProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use domain::personal::{Hidden, Redacted};
        f.debug_struct("ExternalProfile")
            .field("subject", &Hidden)
            .field("name", &Redacted(&self.name))
            .field("phone", &Redacted(&self.phone))
            .field("email", &Redacted(&self.email))
            .finish()
    }
}

/// The seed's `userStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserStatus {
    /// A new user with an empty account.
    New,
    /// A new user registered seamlessly from the provider's profile.
    Sso,
    /// A user we already knew.
    Authorized,
}

impl UserStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            UserStatus::New => "new",
            UserStatus::Sso => "sso",
            UserStatus::Authorized => "authorized",
        }
    }

    /// The status of an account created now from `profile`: `sso` when the
    /// provider gave what an order needs (name and phone), else `new`.
    pub fn for_new_account(profile: &ExternalProfile) -> Self {
        if profile.name.is_some() && profile.phone.is_some() { UserStatus::Sso } else { UserStatus::New }
    }
}

/// A user to create if the external identity is not linked yet.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub id: UserId,
    pub status: UserStatus,
}

/// A successful login.
#[derive(Debug)]
pub struct Login {
    pub access_token: SecretString,
    pub expires_in_secs: i64,
    pub user_id: UserId,
    pub status: UserStatus,
}

/// An access token as stored: only the hash of its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAccessToken {
    pub user_id: UserId,
    pub secret_hash: String,
    pub expires_at: DateTime<Utc>,
    pub revoked: bool,
}

/// An MCP-client token as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredClient {
    pub id: String,
    pub name: String,
    pub secret_hash: String,
    pub revoked: bool,
}

/// An MCP-client token for listing: never the secret or its hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientRecord {
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// An authenticated MCP client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientIdentity {
    /// A static token issued with `merchantctl tokens create`.
    Token { id: String, name: String },
    /// A JWT signed by the MCP platform; `subject` is its `sub`.
    Jwt { subject: String },
}

impl ClientIdentity {
    /// A stable key for logs and rate limiting.
    pub fn key(&self) -> String {
        match self {
            ClientIdentity::Token { name, .. } => format!("token:{name}"),
            ClientIdentity::Jwt { subject } => format!("jwt:{subject}"),
        }
    }
}
