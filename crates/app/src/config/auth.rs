//! The typed settings of MCP authentication: client JWTs, SberID, the
//! merchant's token introspection.

use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;

use super::{ConfigError, Raw, lookup, parse_in_range, parse_non_empty};

/// How an identity provider behind `/auth/*` is served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProviderMode {
    /// The endpoint answers 503: sign-in this way is not offered.
    Disabled,
    /// Documented test tokens, no network (see `identity::SandboxProvider`).
    Sandbox,
    /// The real provider.
    Live,
}

fn parse_mode(text: &str) -> Result<ProviderMode, String> {
    match text {
        "disabled" => Ok(ProviderMode::Disabled),
        "sandbox" => Ok(ProviderMode::Sandbox),
        "live" => Ok(ProviderMode::Live),
        _ => Err("expected live, sandbox or disabled".into()),
    }
}

fn path(text: &str) -> Result<PathBuf, String> {
    parse_non_empty(text).map(PathBuf::from)
}

fn millis(raw: &Raw, section: &str) -> Result<Duration, ConfigError> {
    raw.millis(section, "timeout_ms", 1, 120_000)
}

fn required_when(section: &str, name: &str, when: &str) -> ConfigError {
    ConfigError::new(lookup(section, name).env_var(), format!("is required when {when}"))
}

/// Where the MCP platform's JWT signing key comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JwtKeyConfig {
    Pem(PathBuf),
    Jwks(PathBuf),
    /// A secret shared with the platform (HS256): only when set.
    HmacSecret(PathBuf),
}

#[derive(Clone, Debug)]
pub struct McpAuthConfig {
    pub access_token_ttl: chrono::Duration,
    pub max_failures: u32,
    pub failure_window: chrono::Duration,
    pub catalog_requires_client: bool,
    /// `None`: only client tokens from `merchantctl tokens create` are accepted.
    pub jwt: Option<(JwtKeyConfig, identity::JwtSettings)>,
}

impl McpAuthConfig {
    pub(super) fn from_raw(raw: &Raw) -> Result<Self, ConfigError> {
        let s = "mcp_auth";
        let keys: Vec<(&str, JwtKeyConfig)> = [
            raw.optional(s, "jwt_public_key_file", path)?
                .map(|p| ("jwt_public_key_file", JwtKeyConfig::Pem(p))),
            raw.optional(s, "jwt_jwks_file", path)?.map(|p| ("jwt_jwks_file", JwtKeyConfig::Jwks(p))),
            raw.optional(s, "jwt_hmac_secret_file", path)?
                .map(|p| ("jwt_hmac_secret_file", JwtKeyConfig::HmacSecret(p))),
        ]
        .into_iter()
        .flatten()
        .collect();
        // One kind of key: mixing a shared secret with public keys is how
        // algorithm confusion starts.
        if let [_, (second, _), ..] = keys.as_slice() {
            return Err(ConfigError::new(
                lookup(s, second).env_var(),
                "set one of a PEM key, a JWKS file or a shared HMAC secret, not several",
            ));
        }
        let key = keys.into_iter().next().map(|(_, key)| key);
        let jwt = match key {
            None => None,
            Some(key) => {
                let when = "a JWT key is configured";
                let issuer = raw
                    .optional(s, "jwt_issuer", parse_non_empty)?
                    .ok_or_else(|| required_when(s, "jwt_issuer", when))?;
                let audience = raw
                    .optional(s, "jwt_audience", parse_non_empty)?
                    .ok_or_else(|| required_when(s, "jwt_audience", when))?;
                let leeway_secs = raw.required(s, "jwt_leeway_secs", parse_in_range(0_u64, 600))?;
                Some((key, identity::JwtSettings { issuer, audience, leeway_secs }))
            }
        };
        Ok(McpAuthConfig {
            access_token_ttl: chrono::Duration::seconds(raw.required(
                s,
                "access_token_ttl_secs",
                parse_in_range(60_i64, 30 * 86_400),
            )?),
            max_failures: raw.required(s, "max_failures", parse_in_range(1_u32, 1_000_000))?,
            failure_window: chrono::Duration::seconds(raw.required(
                s,
                "failure_window_secs",
                parse_in_range(1_i64, 86_400),
            )?),
            catalog_requires_client: raw.required(s, "catalog_requires_client", super::parse_bool)?,
            jwt,
        })
    }
}

#[derive(Clone, Debug)]
pub struct SberIdConfig {
    pub mode: ProviderMode,
    /// Set when `mode` is `Live`.
    pub live: Option<identity_providers::SberIdSettings>,
}

impl SberIdConfig {
    pub(super) fn from_raw(raw: &Raw) -> Result<Self, ConfigError> {
        let s = "sberid";
        let mode = raw.required(s, "mode", parse_mode)?;
        let live = if mode == ProviderMode::Live {
            let when = "MERCHANT_SBERID_MODE is live";
            let cert = raw.optional(s, "client_cert_file", path)?;
            let key = raw.optional(s, "client_key_file", path)?;
            let client_cert = match (cert, key) {
                (Some(cert), Some(key)) => Some((cert, key)),
                (None, None) => None,
                (Some(_), None) => {
                    return Err(required_when(s, "client_key_file", "a client certificate is set"));
                }
                (None, Some(_)) => return Err(required_when(s, "client_cert_file", "a client key is set")),
            };
            Some(identity_providers::SberIdSettings {
                userinfo_url: raw
                    .optional(s, "userinfo_url", parse_non_empty)?
                    .ok_or_else(|| required_when(s, "userinfo_url", when))?,
                client_id: raw
                    .optional(s, "client_id", parse_non_empty)?
                    .ok_or_else(|| required_when(s, "client_id", when))?,
                client_cert,
                ca_file: raw.optional(s, "ca_file", path)?,
                timeout: millis(raw, s)?,
            })
        } else {
            None
        };
        Ok(SberIdConfig { mode, live })
    }
}

#[derive(Clone, Debug)]
pub struct IntrospectionConfig {
    pub mode: ProviderMode,
    /// Set when `mode` is `Live`.
    pub live: Option<identity_providers::IntrospectionSettings>,
}

impl IntrospectionConfig {
    pub(super) fn from_raw(raw: &Raw) -> Result<Self, ConfigError> {
        let s = "token_introspection";
        let mode = raw.required(s, "mode", parse_mode)?;
        let live = if mode == ProviderMode::Live {
            Some(identity_providers::IntrospectionSettings {
                url: raw
                    .optional(s, "url", parse_non_empty)?
                    .ok_or_else(|| required_when(s, "url", "MERCHANT_TOKEN_INTROSPECTION_MODE is live"))?,
                client_id: raw.optional(s, "client_id", parse_non_empty)?,
                client_secret: raw.optional(s, "client_secret", parse_non_empty)?.map(SecretString::from),
                timeout: millis(raw, s)?,
            })
        } else {
            None
        };
        Ok(IntrospectionConfig { mode, live })
    }
}
