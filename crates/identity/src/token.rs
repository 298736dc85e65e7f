//! Tokens we issue: `<kind>_<id>_<secret>`.
//!
//! `id` (16 hex digits) finds the row; `secret` (32 random bytes, base64url:
//! 256 bits) proves possession and is stored only as its SHA-256. Splitting
//! the two lets the check compare hashes in constant time instead of
//! searching by secret, and lets operators list and revoke tokens by id.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::hex;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// What a token is for; the prefix makes a leaked token recognisable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A shopper's access token (`accessToken` of `/auth/*`).
    UserAccess,
    /// An MCP server's client token (`credentials.oauth2`).
    McpClient,
}

impl TokenKind {
    const fn prefix(self) -> &'static str {
        match self {
            TokenKind::UserAccess => "mua",
            TokenKind::McpClient => "mct",
        }
    }
}

const SECRET_BYTES: usize = 32;
const ID_BYTES: usize = 8;

/// A freshly issued token: the whole token to hand out once, and what to
/// store. `Debug` shows the id only.
pub struct IssuedToken {
    pub id: String,
    pub token: SecretString,
    pub secret_hash: String,
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken").field("id", &self.id).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the operating system's random source failed: {0}")]
pub struct RandomError(String);

fn random<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut bytes = [0_u8; N];
    getrandom::fill(&mut bytes).map_err(|e| RandomError(e.to_string()))?;
    Ok(bytes)
}

impl IssuedToken {
    pub fn generate(kind: TokenKind) -> Result<Self, RandomError> {
        let id = hex(&random::<ID_BYTES>()?);
        let secret = URL_SAFE_NO_PAD.encode(random::<SECRET_BYTES>()?);
        let secret_hash = hash_secret(&secret);
        let token = SecretString::from(format!("{}_{id}_{secret}", kind.prefix()));
        Ok(IssuedToken { id, token, secret_hash })
    }
}

/// A presented token split into its parts, if it has our form.
pub struct PresentedToken<'a> {
    pub id: &'a str,
    secret: &'a str,
}

impl fmt::Debug for PresentedToken<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresentedToken").field("id", &self.id).finish_non_exhaustive()
    }
}

impl<'a> PresentedToken<'a> {
    /// `None` unless `token` is `<kind prefix>_<16 hex>_<secret>`.
    pub fn parse(token: &'a SecretString, kind: TokenKind) -> Option<Self> {
        let mut parts = token.expose_secret().splitn(3, '_');
        let (prefix, id, secret) = (parts.next()?, parts.next()?, parts.next()?);
        let well_formed = prefix == kind.prefix()
            && id.len() == ID_BYTES * 2
            && id.bytes().all(|b| b.is_ascii_hexdigit())
            && !secret.is_empty();
        well_formed.then_some(PresentedToken { id, secret })
    }

    /// Whether the secret hashes to `stored_hash`, in constant time.
    pub fn matches(&self, stored_hash: &str) -> bool {
        hash_secret(self.secret).as_bytes().ct_eq(stored_hash.as_bytes()).into()
    }
}

fn hash_secret(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_parse_back_and_match_their_hash() {
        let issued = IssuedToken::generate(TokenKind::UserAccess).unwrap();
        let text = issued.token.expose_secret();
        assert!(text.starts_with("mua_"));
        // The secret is base64url, which may itself contain '_'.
        let secret = text.splitn(3, '_').nth(2).unwrap();
        assert!(secret.len() >= 43, "256 bits of base64url");
        let presented = PresentedToken::parse(&issued.token, TokenKind::UserAccess).unwrap();
        assert_eq!(presented.id, issued.id);
        assert!(presented.matches(&issued.secret_hash));
        assert!(!issued.secret_hash.contains(secret), "only the hash is stored");
    }

    #[test]
    fn a_token_of_another_kind_or_shape_does_not_parse() {
        let issued = IssuedToken::generate(TokenKind::McpClient).unwrap();
        assert!(PresentedToken::parse(&issued.token, TokenKind::UserAccess).is_none());
        for bad in ["", "mct", "mct_abc_secret", "mct_0123456789abcdeg_s", "mct_0123456789abcdef_"] {
            assert!(PresentedToken::parse(&SecretString::from(bad), TokenKind::McpClient).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_changed_secret_does_not_match() {
        let issued = IssuedToken::generate(TokenKind::McpClient).unwrap();
        let mut forged = issued.token.expose_secret().to_owned();
        let last = forged.pop().unwrap();
        forged.push(if last == 'A' { 'B' } else { 'A' });
        let forged = SecretString::from(forged);
        assert!(!PresentedToken::parse(&forged, TokenKind::McpClient).unwrap().matches(&issued.secret_hash));
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let issued = IssuedToken::generate(TokenKind::McpClient).unwrap();
        let shown = format!("{issued:?}");
        assert!(!shown.contains(issued.token.expose_secret()));
        let presented = PresentedToken::parse(&issued.token, TokenKind::McpClient).unwrap();
        assert!(!format!("{presented:?}").contains(presented.secret));
    }

    #[test]
    fn tokens_are_unique() {
        let a = IssuedToken::generate(TokenKind::UserAccess).unwrap();
        let b = IssuedToken::generate(TokenKind::UserAccess).unwrap();
        assert_ne!(a.id, b.id);
        assert_ne!(a.secret_hash, b.secret_hash);
    }
}
