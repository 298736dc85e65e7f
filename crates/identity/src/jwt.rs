//! MCP-client JWTs signed by the MCP platform, checked against a configured
//! public key (PEM), key set (JWKS file) or, when the platform signs with
//! HS256 as the seed's own example does, a shared secret.
//!
//! A verifier takes one family of algorithms only: asymmetric ones for a
//! public key or key set, HMAC ones for a shared secret. So a token signed
//! with HS256 using our public key as its secret (algorithm confusion) is
//! refused, and so is `none`. The shared secret is never the default: it
//! lets anyone who can read it mint client tokens. Expiry is checked against
//! the system clock with the configured leeway.

use std::fmt;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;

#[derive(Clone, Debug)]
pub struct JwtSettings {
    pub issuer: String,
    pub audience: String,
    pub leeway_secs: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("cannot read the key: {0}")]
    Key(String),
    #[error("invalid client JWT: {0}")]
    Invalid(String),
    #[error("client JWT expired")]
    Expired,
}

enum Keys {
    Single {
        key: DecodingKey,
        algorithms: Vec<Algorithm>,
    },
    Set(JwkSet),
    /// A shared secret: HMAC algorithms only.
    Secret(DecodingKey),
}

pub struct JwtVerifier {
    keys: Keys,
    settings: JwtSettings,
}

impl fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys = match &self.keys {
            Keys::Single { algorithms, .. } => format!("key {algorithms:?}"),
            Keys::Set(set) => format!("{} JWKS key(s)", set.keys.len()),
            Keys::Secret(_) => "shared HMAC secret".to_owned(),
        };
        f.debug_struct("JwtVerifier").field("keys", &keys).field("settings", &self.settings).finish()
    }
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
}

const ASYMMETRIC: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

const HMAC: [Algorithm; 3] = [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];

/// RFC 7518 3.2: an HMAC key at least as long as the hash (HS256: 32 bytes).
const MIN_SECRET_BYTES: usize = 32;

impl JwtVerifier {
    /// A PEM public key: RSA, EC (P-256/P-384) or Ed25519.
    pub fn from_pem(pem: &[u8], settings: JwtSettings) -> Result<Self, JwtError> {
        let (key, algorithms) = if let Ok(key) = DecodingKey::from_rsa_pem(pem) {
            (key, ASYMMETRIC[..6].to_vec())
        } else if let Ok(key) = DecodingKey::from_ec_pem(pem) {
            (key, vec![Algorithm::ES256, Algorithm::ES384])
        } else if let Ok(key) = DecodingKey::from_ed_pem(pem) {
            (key, vec![Algorithm::EdDSA])
        } else {
            return Err(JwtError::Key("not an RSA, EC or Ed25519 public key in PEM".into()));
        };
        Ok(JwtVerifier { keys: Keys::Single { key, algorithms }, settings })
    }

    /// A JSON Web Key Set; the token's `kid` picks the key.
    pub fn from_jwks(json: &str, settings: JwtSettings) -> Result<Self, JwtError> {
        let set: JwkSet = serde_json::from_str(json).map_err(|e| JwtError::Key(e.to_string()))?;
        if set.keys.is_empty() {
            return Err(JwtError::Key("the key set is empty".into()));
        }
        Ok(JwtVerifier { keys: Keys::Set(set), settings })
    }

    /// A secret shared with the MCP platform (HS256/384/512), as read from
    /// its file: surrounding whitespace (a trailing newline) is not part of
    /// it, and it must be at least 32 bytes.
    pub fn from_hmac_secret(secret: &[u8], settings: JwtSettings) -> Result<Self, JwtError> {
        let secret = secret.trim_ascii();
        if secret.len() < MIN_SECRET_BYTES {
            return Err(JwtError::Key(format!(
                "the shared secret has {} bytes; HS256 needs at least {MIN_SECRET_BYTES}",
                secret.len()
            )));
        }
        Ok(JwtVerifier { keys: Keys::Secret(DecodingKey::from_secret(secret)), settings })
    }

    /// The algorithms this verifier's key may have signed with.
    fn family(&self) -> &'static [Algorithm] {
        match self.keys {
            Keys::Single { .. } | Keys::Set(_) => &ASYMMETRIC,
            Keys::Secret(_) => &HMAC,
        }
    }

    /// Checks signature, issuer, audience and expiry; returns `sub`.
    pub fn verify(&self, token: &str) -> Result<String, JwtError> {
        let invalid = |e: &dyn fmt::Display| JwtError::Invalid(e.to_string());
        let header = decode_header(token).map_err(|e| invalid(&e))?;
        if !self.family().contains(&header.alg) {
            return Err(JwtError::Invalid(format!("algorithm {:?} is not accepted", header.alg)));
        }
        let (key, algorithms) = match &self.keys {
            Keys::Secret(key) => (key.clone(), HMAC.to_vec()),
            Keys::Single { key, algorithms } => (key.clone(), algorithms.clone()),
            Keys::Set(set) => {
                let kid = header.kid.as_deref().ok_or_else(|| JwtError::Invalid("no kid".into()))?;
                let jwk = set.find(kid).ok_or_else(|| JwtError::Invalid(format!("unknown kid {kid:?}")))?;
                (DecodingKey::from_jwk(jwk).map_err(|e| invalid(&e))?, vec![header.alg])
            }
        };
        if !algorithms.contains(&header.alg) {
            return Err(JwtError::Invalid(format!("algorithm {:?} does not fit the key", header.alg)));
        }
        let mut validation = Validation::new(header.alg);
        validation.algorithms = algorithms;
        validation.leeway = self.settings.leeway_secs;
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&[&self.settings.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        match decode::<Claims>(token, &key, &validation) {
            Ok(data) => Ok(data.claims.sub),
            Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::ExpiredSignature) => {
                Err(JwtError::Expired)
            }
            Err(e) => Err(invalid(&e)),
        }
    }
}
