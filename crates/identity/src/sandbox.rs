//! The sandbox identity provider, for demos and tests: no network, tokens of
//! a documented form.
//!
//! | token | result |
//! | --- | --- |
//! | `sandbox:<subject>` | valid; a profile without name or phone |
//! | `sandbox:<subject>:<name>:<phone>` | valid; a full profile |
//! | `sandbox:<subject>:<name>:<phone>:<email>` | valid; with an email for receipts |
//! | `sandbox-expired:<anything>` | expired |
//! | `sandbox-down:<anything>` | provider unavailable |
//! | anything else | rejected |

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};

use crate::model::ExternalProfile;
use crate::ports::{IdentityProvider, ProviderError};

#[derive(Debug, Default, Clone, Copy)]
pub struct SandboxProvider;

#[async_trait]
impl IdentityProvider for SandboxProvider {
    async fn verify(&self, token: &SecretString) -> Result<ExternalProfile, ProviderError> {
        let token = token.expose_secret();
        if token.starts_with("sandbox-expired:") {
            return Err(ProviderError::Expired);
        }
        if token.starts_with("sandbox-down:") {
            return Err(ProviderError::Unavailable("sandbox told to be down".into()));
        }
        let rejected = || ProviderError::Rejected("not a sandbox token".into());
        let rest = token.strip_prefix("sandbox:").ok_or_else(rejected)?;
        let mut parts = rest.split(':');
        let subject = parts.next().filter(|s| !s.is_empty()).ok_or_else(rejected)?;
        let (name, phone, email) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (None, None, None, None) => (None, None, None),
            (Some(name), Some(phone), email, None) if !name.is_empty() && !phone.is_empty() => {
                let email = match email {
                    Some("") => return Err(rejected()),
                    email => email.map(str::to_owned),
                };
                (Some(name.to_owned()), Some(phone.to_owned()), email)
            }
            _ => return Err(rejected()),
        };
        Ok(ExternalProfile { subject: subject.to_owned(), name, phone, email })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn verify(token: &str) -> Result<ExternalProfile, ProviderError> {
        SandboxProvider.verify(&SecretString::from(token)).await
    }

    #[tokio::test]
    async fn documented_forms() {
        let bare = verify("sandbox:alice").await.unwrap();
        assert_eq!((bare.subject.as_str(), bare.name, bare.phone), ("alice", None, None));
        let full = verify("sandbox:bob:Боб:+79990000000").await.unwrap();
        assert_eq!((full.name.as_deref(), full.email), (Some("Боб"), None));
        let with_email = verify("sandbox:bob:Боб:+79990000000:bob@example.ru").await.unwrap();
        assert_eq!(with_email.email.as_deref(), Some("bob@example.ru"));
        assert_eq!(verify("sandbox-expired:x").await, Err(ProviderError::Expired));
        assert!(matches!(verify("sandbox-down:x").await, Err(ProviderError::Unavailable(_))));
        for bad in [
            "",
            "sandbox:",
            "sandbox:a:b",
            "sandbox:a::c",
            "sandbox:a:b:c:",
            "sandbox:a:b:c:d:e",
            "eyJhbGciOi",
        ] {
            assert!(matches!(verify(bad).await, Err(ProviderError::Rejected(_))), "{bad}");
        }
    }
}
