//! Wire types of the seed spec, field for field.

use serde::{Deserialize, Serialize};

/// `Credentials`: the MCP server's token and the shopper's access token.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    pub auth_type: Option<AuthType>,
    pub oauth2: Option<String>,
    pub access_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("auth_type", &self.auth_type).finish_non_exhaustive()
    }
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AuthType {
    Oauth2,
}

/// `UserAuthSberidRequest`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAuthSberidRequest {
    pub token_sber_id: String,
}

/// `UserAuthRequest`.
#[derive(Deserialize)]
pub struct UserAuthRequest {
    pub token: String,
}

/// `UserAuthResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAuthResponse {
    pub access_token: String,
    pub expires_in: i64,
    pub user_id: String,
    pub user_status: &'static str,
}
