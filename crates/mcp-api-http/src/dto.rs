//! Wire types of the seed spec, field for field, each with its OpenAPI
//! schema under the seed's name (`#[schema(as = …)]`), formats, enums and
//! bounds; the conformance test holds them to the seed.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The seed's `unit` enum (schema only: the values are `domain::Unit`'s).
#[derive(ToSchema)]
#[schema(as = Unit)]
#[allow(dead_code)]
#[serde(rename_all = "lowercase")]
pub enum UnitName {
    Pcs,
    Kg,
    G,
    L,
    Ml,
}

/// `ShippingMethods` (schema only).
#[derive(ToSchema)]
#[schema(as = ShippingMethods)]
#[allow(dead_code)]
#[serde(rename_all = "lowercase")]
pub enum ShippingMethodName {
    Delivery,
    Pickup,
}

/// `UserAuthResponse.userStatus` (schema only).
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    New,
    Authorized,
    Sso,
}

/// `StatusOrderResponse.status` (schema only).
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatusName {
    New,
    Paid,
    Processing,
    Delivering,
    ReadyForPickup,
    Completed,
    Cancelled,
}

/// `PaymentFinishResponse.status` (schema only).
#[derive(ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatusName {
    Pending,
    WaitingForCapture,
    Succeeded,
    Canceled,
    Failed,
}

/// `Credentials`: the MCP server's token and the shopper's access token.
#[derive(Clone, Default, Deserialize, ToSchema)]
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

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AuthType {
    Oauth2,
}

/// `UserAuthSberidRequest`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserAuthSberidRequest {
    pub token_sber_id: String,
}

/// `UserAuthRequest`.
#[derive(Deserialize, ToSchema)]
pub struct UserAuthRequest {
    pub token: String,
}

/// `UserAuthResponse`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserAuthResponse {
    pub access_token: String,
    #[schema(format = Int64)]
    pub expires_in: i64,
    pub user_id: String,
    #[schema(value_type = UserStatus)]
    pub user_status: &'static str,
}

/// `SearchRequest`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchRequest {
    #[schema(minimum = -90, maximum = 90, format = Double)]
    pub lat: f64,
    #[schema(minimum = -180, maximum = 180, format = Double)]
    pub lon: f64,
    pub query: String,
    #[schema(value_type = Option<i32>, format = Int32, minimum = 1, maximum = 500, default = 10)]
    pub max_result: Option<i64>,
    pub store_id: Option<String>,
}

/// `ActualizeRequest`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActualizeRequest {
    pub sku_ids: Vec<String>,
    pub store_id: Option<String>,
}

/// `Money`: `amount` is a JSON number in major units, as the seed says.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Money)]
pub struct MoneyDto {
    #[schema(format = "decimal", example = 450.35)]
    pub amount: f64,
    #[schema(value_type = String, example = "RUB")]
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
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductItem {
    pub sku_id: String,
    pub sku_name: String,
    pub sku_description: String,
    pub price: MoneyDto,
    #[schema(format = "uri")]
    pub photo: String,
    pub store_id: String,
    pub store_address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Float)]
    pub quantity: Option<f64>,
    #[schema(value_type = UnitName)]
    pub unit: &'static str,
    #[schema(minimum = 0)]
    pub stock: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 5)]
    pub rating: Option<f64>,
    pub avail_to_delivery: bool,
    pub avail_to_pickup_from_store: bool,
}

/// `SearchResponse`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchResponse {
    pub merchant_name: String,
    pub items: Vec<ProductItem>,
}

/// `ActualizeResponse`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActualizeResponse {
    pub items: Vec<ProductItem>,
}

/// `Money` in a request: `amount` a number in major units.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[schema(as = Money)]
pub struct MoneyIn {
    #[schema(format = "decimal", example = 450.35)]
    pub amount: f64,
    #[schema(example = "RUB")]
    pub currency: String,
}

/// `deliveryAddress` of `DeliveryRequest`, `deliveryAdress` of
/// `CheckoutRequest` (the seed's spelling; the corrected one is accepted too).
#[derive(Clone, Deserialize, ToSchema)]
#[schema(as = DeliveryAddress)]
#[serde(rename_all = "camelCase")]
pub struct AddressIn {
    #[schema(minimum = -90, maximum = 90, format = Double)]
    pub lat: f64,
    #[schema(minimum = -180, maximum = 180, format = Double)]
    pub lon: f64,
    pub full_address: Option<String>,
}

/// The shopper's address is theirs: never in `{:?}`.
impl std::fmt::Debug for AddressIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddressIn")
            .field("full_address", &domain::personal::Redacted(&self.full_address))
            .finish_non_exhaustive()
    }
}

/// `ProductItemOrder`.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductItemOrder {
    pub sku_id: String,
    pub price: Option<MoneyIn>,
    /// Informational: discounts are ours to compute, never the caller's.
    pub discount: Option<MoneyIn>,
    #[schema(format = Float)]
    pub quantity: f64,
    #[schema(value_type = Option<UnitName>)]
    pub unit: Option<String>,
}

/// `DeliveryRequest`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryRequest {
    #[schema(value_type = ShippingMethodName)]
    pub shipping: String,
    #[serde(alias = "deliveryAdddress", alias = "deliveryAdress")]
    pub delivery_address: Option<AddressIn>,
    pub store_id: Option<String>,
    pub items: Vec<ProductItemOrder>,
    /// Accepted and not needed: delivery options are the same for everyone.
    #[allow(dead_code)] // read by serde, on the seed's word
    pub credentials: Option<Credentials>,
}

/// `DeliveryPickupOptions`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryPickupOptions {
    pub delivery_price: MoneyDto,
    pub order_price: MoneyDto,
    #[schema(format = DateTime, max_length = 255)]
    pub starts_at: String,
    #[schema(format = DateTime, max_length = 255)]
    pub ends_at: String,
}

/// `DeliveryPickupOptions` in a checkout request.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[schema(as = ShippingOptions)]
#[serde(rename_all = "camelCase")]
pub struct ShippingOptionsIn {
    #[schema(format = DateTime, max_length = 255)]
    pub starts_at: String,
    #[schema(format = DateTime, max_length = 255)]
    pub ends_at: String,
    pub delivery_price: Option<MoneyIn>,
    pub order_price: Option<MoneyIn>,
}

/// `DeliveryResponse`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryResponse {
    pub store_id: String,
    pub options: Vec<DeliveryPickupOptions>,
}

/// `CheckoutRequest`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutRequest {
    pub items: Vec<ProductItemOrder>,
    pub store_id: String,
    #[schema(value_type = ShippingMethodName)]
    pub shipping: String,
    #[serde(rename = "deliveryAdress", alias = "deliveryAddress")]
    pub delivery_address: Option<AddressIn>,
    pub shipping_options: ShippingOptionsIn,
    pub credentials: Option<Credentials>,
}

/// `CheckoutResponse`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutResponse {
    pub order_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = "uri")]
    pub external_cart_url: Option<String>,
    /// Never sent: SberPay is not among our payment methods.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub sberpay_details: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub payment_details: Option<serde_json::Value>,
}

/// `StatusOrderResponse`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusOrderResponse {
    #[schema(value_type = OrderStatusName)]
    pub status: &'static str,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// `PaymentInitRequest`. `credentials` may also come as the
/// `Authorization` header, as on `/checkout`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentInitRequest {
    pub order_id: String,
    #[schema(format = "uri")]
    pub back_url: String,
    pub credentials: Option<Credentials>,
    /// Наше расширение (`additionalProperties`): способ оплаты — `page`
    /// (платёжная страница шлюза, по умолчанию), `sberpay` или `sbp`
    /// (QR СБП: `details.sbp.payload` и `details.sbp.qrUrl`).
    pub method: Option<String>,
}

/// `PaymentInitResponse`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentInitResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = "uri")]
    pub payment_url: Option<String>,
    pub payment_id: String,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

/// `PaymentFinishRequest`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentFinishRequest {
    pub payment_id: String,
    pub credentials: Option<Credentials>,
}

/// `PaymentFinishResponse`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentFinishResponse {
    #[schema(value_type = PaymentStatusName)]
    pub status: &'static str,
    pub order_id: String,
}
