//! SberID: the shopper's token is checked by calling the userinfo endpoint
//! (OIDC), which answers with the profile only for a live token. Production
//! SberID requires mutual TLS: the merchant's client certificate and key.

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use identity::{ExternalProfile, IdentityProvider, ProviderError};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::{SetupError, client, unavailable};

#[derive(Clone, Debug)]
pub struct SberIdSettings {
    pub userinfo_url: String,
    pub client_id: String,
    /// PEM certificate and PKCS#8 PEM key for mutual TLS.
    pub client_cert: Option<(PathBuf, PathBuf)>,
    /// Extra trusted root (SberID's CA is not in every system store).
    pub ca_file: Option<PathBuf>,
    pub timeout: Duration,
}

#[derive(Debug)]
pub struct SberIdProvider {
    http: reqwest::Client,
    userinfo_url: String,
    client_id: String,
}

#[derive(Deserialize)]
struct UserInfo {
    sub: Option<String>,
    given_name: Option<String>,
    family_name: Option<String>,
    phone_number: Option<String>,
    email: Option<String>,
}

fn read(setting: &'static str, path: &PathBuf) -> Result<Vec<u8>, SetupError> {
    std::fs::read(path)
        .map_err(|e| SetupError { setting, problem: format!("cannot read {}: {e}", path.display()) })
}

impl SberIdProvider {
    pub fn new(settings: &SberIdSettings) -> Result<Self, SetupError> {
        reqwest::Url::parse(&settings.userinfo_url)
            .map_err(|e| SetupError { setting: "MERCHANT_SBERID_USERINFO_URL", problem: e.to_string() })?;
        let http =
            client(settings.timeout, |mut builder| {
                if let Some((cert, key)) = &settings.client_cert {
                    let identity = reqwest::Identity::from_pkcs8_pem(
                        &read("MERCHANT_SBERID_CLIENT_CERT_FILE", cert)?,
                        &read("MERCHANT_SBERID_CLIENT_KEY_FILE", key)?,
                    )
                    .map_err(|_| SetupError {
                        setting: "MERCHANT_SBERID_CLIENT_CERT_FILE",
                        problem: "not a PEM certificate with a PKCS#8 PEM key".into(),
                    })?;
                    builder = builder.identity(identity);
                }
                if let Some(ca) = &settings.ca_file {
                    let root = reqwest::Certificate::from_pem(&read("MERCHANT_SBERID_CA_FILE", ca)?)
                        .map_err(|_| SetupError {
                            setting: "MERCHANT_SBERID_CA_FILE",
                            problem: "not a PEM certificate".into(),
                        })?;
                    builder = builder.add_root_certificate(root);
                }
                Ok(builder)
            })?;
        Ok(SberIdProvider {
            http,
            userinfo_url: settings.userinfo_url.clone(),
            client_id: settings.client_id.clone(),
        })
    }
}

#[async_trait]
impl IdentityProvider for SberIdProvider {
    async fn verify(&self, token: &SecretString) -> Result<ExternalProfile, ProviderError> {
        if token.expose_secret().trim().is_empty() {
            return Err(ProviderError::Rejected("empty token".into()));
        }
        let response = self
            .http
            .get(&self.userinfo_url)
            .bearer_auth(token.expose_secret())
            .header("x-ibm-client-id", &self.client_id)
            .header("x-introspect-rquid", uuid::Uuid::new_v4().simple().to_string())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| unavailable(&e))?;
        match response.status() {
            StatusCode::OK => {
                let info: UserInfo = response.json().await.map_err(|e| unavailable(&e))?;
                let subject = info
                    .sub
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| ProviderError::Unavailable("userinfo without sub".into()))?;
                let name = match (info.given_name, info.family_name) {
                    (Some(given), Some(family)) => Some(format!("{given} {family}")),
                    (given, family) => given.or(family),
                };
                Ok(ExternalProfile { subject, name, phone: info.phone_number, email: info.email })
            }
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::BAD_REQUEST => {
                // RFC 6750: `WWW-Authenticate: Bearer error="invalid_token",
                // error_description="... expired ..."`.
                let expired = response
                    .headers()
                    .get(reqwest::header::WWW_AUTHENTICATE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.to_ascii_lowercase().contains("expired"));
                if expired {
                    Err(ProviderError::Expired)
                } else {
                    Err(ProviderError::Rejected(format!("SberID answered {}", response.status().as_u16())))
                }
            }
            status => Err(ProviderError::Unavailable(format!("SberID answered {}", status.as_u16()))),
        }
    }
}
