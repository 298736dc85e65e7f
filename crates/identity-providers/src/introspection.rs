//! The merchant's own token service, asked with OAuth 2.0 Token
//! Introspection (RFC 7662): `POST` the token as a form, authenticate as a
//! client with HTTP Basic, read `active` and the claims.

use std::time::Duration;

use async_trait::async_trait;
use identity::{ExternalProfile, IdentityProvider, ProviderError};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::{SetupError, client, unavailable};

#[derive(Clone, Debug)]
pub struct IntrospectionSettings {
    pub url: String,
    pub client_id: Option<String>,
    pub client_secret: Option<SecretString>,
    pub timeout: Duration,
}

#[derive(Debug)]
pub struct IntrospectionProvider {
    http: reqwest::Client,
    settings: IntrospectionSettings,
}

#[derive(Deserialize)]
struct Introspection {
    active: bool,
    sub: Option<String>,
    username: Option<String>,
    exp: Option<i64>,
    name: Option<String>,
    phone_number: Option<String>,
    email: Option<String>,
}

impl IntrospectionProvider {
    pub fn new(settings: IntrospectionSettings) -> Result<Self, SetupError> {
        reqwest::Url::parse(&settings.url).map_err(|e| SetupError {
            setting: "MERCHANT_TOKEN_INTROSPECTION_URL",
            problem: e.to_string(),
        })?;
        let http = client(settings.timeout, Ok)?;
        Ok(IntrospectionProvider { http, settings })
    }
}

#[async_trait]
impl IdentityProvider for IntrospectionProvider {
    async fn verify(&self, token: &SecretString) -> Result<ExternalProfile, ProviderError> {
        if token.expose_secret().trim().is_empty() {
            return Err(ProviderError::Rejected("empty token".into()));
        }
        let mut request = self
            .http
            .post(&self.settings.url)
            .form(&[("token", token.expose_secret()), ("token_type_hint", "access_token")])
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(client_id) = &self.settings.client_id {
            request = request
                .basic_auth(client_id, self.settings.client_secret.as_ref().map(ExposeSecret::expose_secret));
        }
        let response = request.send().await.map_err(|e| unavailable(&e))?;
        match response.status() {
            StatusCode::OK => {}
            // Our own credentials were refused: a configuration problem on
            // our side, not the shopper's fault.
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                return Err(ProviderError::Unavailable(
                    "the token service refused our client credentials".into(),
                ));
            }
            status => {
                return Err(ProviderError::Unavailable(format!(
                    "the token service answered {}",
                    status.as_u16()
                )));
            }
        }
        let answer: Introspection = response.json().await.map_err(|e| unavailable(&e))?;
        if !answer.active {
            return Err(ProviderError::Rejected("token is not active".into()));
        }
        if answer.exp.is_some_and(|exp| exp <= chrono::Utc::now().timestamp()) {
            return Err(ProviderError::Expired);
        }
        let subject = answer
            .sub
            .or(answer.username)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ProviderError::Unavailable("active token without sub or username".into()))?;
        Ok(ExternalProfile { subject, name: answer.name, phone: answer.phone_number, email: answer.email })
    }
}
