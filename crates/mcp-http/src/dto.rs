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

/// `Money` in a request: `amount` a number in major units.
#[derive(Clone, Debug, Deserialize)]
pub struct MoneyIn {
    pub amount: f64,
    pub currency: String,
}

/// `deliveryAddress` of `DeliveryRequest`, `deliveryAdress` of
/// `CheckoutRequest` (the seed's spelling; the corrected one is accepted too).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddressIn {
    pub lat: f64,
    pub lon: f64,
    pub full_address: Option<String>,
}

/// `ProductItemOrder`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductItemOrder {
    pub sku_id: String,
    pub price: Option<MoneyIn>,
    /// Informational: discounts are ours to compute, never the caller's.
    pub discount: Option<MoneyIn>,
    pub quantity: f64,
    pub unit: Option<String>,
}

/// `DeliveryRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryRequest {
    pub shipping: String,
    #[serde(alias = "deliveryAdddress", alias = "deliveryAdress")]
    pub delivery_address: Option<AddressIn>,
    pub store_id: Option<String>,
    pub items: Vec<ProductItemOrder>,
}

/// `DeliveryPickupOptions`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryPickupOptions {
    pub delivery_price: MoneyDto,
    pub order_price: MoneyDto,
    pub starts_at: String,
    pub ends_at: String,
}

/// `DeliveryPickupOptions` in a checkout request.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingOptionsIn {
    pub starts_at: String,
    pub ends_at: String,
    pub delivery_price: Option<MoneyIn>,
    pub order_price: Option<MoneyIn>,
}

/// `DeliveryResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryResponse {
    pub store_id: String,
    pub options: Vec<DeliveryPickupOptions>,
}

/// `CheckoutRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutRequest {
    pub items: Vec<ProductItemOrder>,
    pub store_id: String,
    pub shipping: String,
    #[serde(rename = "deliveryAdress", alias = "deliveryAddress")]
    pub delivery_address: Option<AddressIn>,
    pub shipping_options: ShippingOptionsIn,
    pub credentials: Option<Credentials>,
}

/// `CheckoutResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutResponse {
    pub order_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_cart_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_details: Option<serde_json::Value>,
}

/// `StatusOrderResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusOrderResponse {
    pub status: &'static str,
    pub updated_at: String,
}

/// `PaymentInitRequest`. `credentials` may also come as the
/// `Authorization` header, as on `/checkout`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentInitRequest {
    pub order_id: String,
    pub back_url: String,
    pub credentials: Option<Credentials>,
}

/// `PaymentInitResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentInitResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_url: Option<String>,
    pub payment_id: String,
    pub details: serde_json::Value,
}

/// `PaymentFinishRequest`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentFinishRequest {
    pub payment_id: String,
    pub credentials: Option<Credentials>,
}

/// `PaymentFinishResponse`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentFinishResponse {
    pub status: &'static str,
    pub order_id: String,
}
