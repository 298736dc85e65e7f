//! `identity::IdentityProvider` adapters that ask a remote service.
//!
//! Both classify every answer into what the caller acts on: the shopper's
//! token is rejected or expired (401), or the provider cannot be asked (503).
//! Tokens and secrets go only into request headers or bodies; errors carry
//! status codes and error kinds, never a response body or a token.

mod introspection;
mod sberid;

use std::time::Duration;

use identity::ProviderError;
pub use introspection::{IntrospectionProvider, IntrospectionSettings};
pub use sberid::{SberIdProvider, SberIdSettings};

/// A provider that cannot be built from its settings (unreadable
/// certificate, bad URL): a start-up error.
#[derive(Debug, thiserror::Error)]
#[error("{setting}: {problem}")]
pub struct SetupError {
    pub setting: &'static str,
    pub problem: String,
}

fn client(
    timeout: Duration,
    tls: impl FnOnce(reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, SetupError>,
) -> Result<reqwest::Client, SetupError> {
    let builder = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("merchant-hub/", env!("CARGO_PKG_VERSION")));
    tls(builder)?.build().map_err(|e| SetupError { setting: "http client", problem: e.to_string() })
}

/// A transport failure, described without the URL's query or any body.
fn unavailable(e: &reqwest::Error) -> ProviderError {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_decode() {
        "unreadable answer"
    } else {
        "request failed"
    };
    ProviderError::Unavailable(kind.to_owned())
}
