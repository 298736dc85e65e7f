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

/// `SearchRequest`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchRequest {
    pub lat: f64,
    pub lon: f64,
    pub query: String,
    pub max_result: Option<i64>,
    pub store_id: Option<String>,
}

/// `ActualizeRequest`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActualizeRequest {
    pub sku_ids: Vec<String>,
    pub store_id: Option<String>,
}

/// `Money`: `amount` is a JSON number in major units, as the seed says.
#[derive(Debug, Serialize)]
pub struct MoneyDto {
    pub amount: f64,
    pub currency: &'static str,
}

impl From<domain::Money> for MoneyDto {
    fn from(m: domain::Money) -> Self {
        // Two-decimal amounts far below 2^53 kopecks are exact as f64 and
        // print back as written (450.35, 99.9).
        MoneyDto { amount: f64::try_from(m.to_decimal()).unwrap_or(0.0), currency: m.currency().code() }
    }
}

/// `ProductItem`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductItem {
    pub sku_id: String,
    pub sku_name: String,
    pub sku_description: String,
    pub price: MoneyDto,
    pub photo: String,
    pub store_id: String,
    pub store_address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<f64>,
    pub unit: &'static str,
    pub stock: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<f64>,
    pub avail_to_delivery: bool,
    pub avail_to_pickup_from_store: bool,
}

/// `SearchResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchResponse {
    pub merchant_name: String,
    pub items: Vec<ProductItem>,
}

/// `ActualizeResponse`.
#[derive(Debug, Serialize)]
pub struct ActualizeResponse {
    pub items: Vec<ProductItem>,
}
