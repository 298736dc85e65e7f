//! Who is calling: the MCP server (a client of ours) and the shopper on whose
//! behalf it acts (a user of ours).
//!
//! - [`IdentityProvider`] is the port to whoever vouches for a shopper's
//!   external token (SberID, the merchant's own token service, the sandbox).
//! - [`IdentityStore`] is the port to where users, linked identities, our
//!   access tokens and MCP-client credentials are kept.
//! - [`Authenticator`] holds the use cases: log a shopper in, check an MCP
//!   client, check a user's access token, manage client tokens.
//!
//! Invariants: tokens we issue carry at least 256 random bits and are stored
//! only as SHA-256 hashes, compared in constant time; no token ever appears in
//! a `Debug` output or an error message.

mod authenticator;
mod jwt;
mod limiter;
mod model;
mod ports;
mod sandbox;
pub mod staff;
mod staff_store;
pub mod token;

pub use authenticator::{AuthError, Authenticator, AuthenticatorSettings};
pub use jwt::{JwtError, JwtSettings, JwtVerifier};
pub use limiter::{FailureLimiter, FailureStore, FailureWindow};
pub use model::{
    ClientIdentity, ClientRecord, ExternalProfile, Login, NewUser, Provider, StoredAccessToken, StoredClient,
    UserStatus,
};
pub use ports::{IdentityProvider, IdentityStore, ProviderError};
pub use sandbox::SandboxProvider;
