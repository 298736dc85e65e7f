//! What the tools take and give, as the JSON Schemas a model reads: every
//! field documented (the doc comments are the schema's descriptions).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SearchProducts {
    /// What the shopper wants, in their words (Russian or English): «молоко 2,5%», «сыр для пиццы», "oat milk".
    pub query: String,
    /// Latitude of where the goods should go (with `longitude`); or give `store_id`.
    pub latitude: Option<f64>,
    /// Longitude of where the goods should go (with `latitude`).
    pub longitude: Option<f64>,
    /// Search one store only (from `stores` or an earlier answer).
    pub store_id: Option<String>,
    /// How many products to return, 1 to 50 (default 10).
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetProducts {
    /// Product ids (`sku` from `search_products`), 1 to 500.
    pub skus: Vec<String>,
    /// The store whose prices and stock to give; without it, each product's best offer.
    pub store_id: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct Item {
    /// The product id (`sku`).
    pub sku: String,
    /// How much: whole pieces, or kilograms/litres for goods sold by weight or volume (e.g. 0.5).
    pub quantity: f64,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeliveryOptionsInput {
    /// What to buy.
    pub items: Vec<Item>,
    /// For delivery: latitude of the address.
    pub latitude: Option<f64>,
    /// For delivery: longitude of the address.
    pub longitude: Option<f64>,
    /// For delivery: the address as the shopper says it (for the courier).
    pub address: Option<String>,
    /// For pickup instead: the store to collect from.
    pub pickup_store_id: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Shipping {
    Delivery,
    Pickup,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct PlaceOrder {
    /// What to buy (as priced by `delivery_options`).
    pub items: Vec<Item>,
    /// The store `delivery_options` chose.
    pub store_id: String,
    /// `delivery` or `pickup`.
    pub shipping: Shipping,
    /// For delivery: latitude of the address.
    pub latitude: Option<f64>,
    /// For delivery: longitude of the address.
    pub longitude: Option<f64>,
    /// For delivery: the address for the courier.
    pub address: Option<String>,
    /// The slot's start, exactly as `delivery_options` gave it.
    pub slot_start: String,
    /// The slot's end, exactly as `delivery_options` gave it.
    pub slot_end: String,
    /// The order total the shopper agreed to (`order_price` of the slot); a different total now is refused.
    pub expected_total: Option<String>,
    /// A key of your choosing for this order: the same key again returns the same order instead of a second one.
    pub idempotency_key: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct OrderRef {
    /// The order id `place_order` returned.
    pub order_id: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct PaymentLinkInput {
    /// The order id `place_order` returned.
    pub order_id: String,
    /// Where the shopper's browser goes after paying (default: a page of ours that says to return to the chat).
    pub return_url: Option<String>,
    /// How the shopper pays: the bank's payment page (default), `sbp` (a link the shopper's bank app opens, the QR's
    /// payload) or `sberpay`.
    pub method: Option<PayBy>,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PayBy {
    Page,
    Sbp,
    Sberpay,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignInProvider {
    /// A SberID access token.
    Sberid,
    /// A token of the merchant's own identity service.
    MerchantToken,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct SignIn {
    /// Which identity service issued `token`.
    pub provider: SignInProvider,
    /// The shopper's token from that service.
    pub token: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ProductOut {
    pub sku: String,
    pub name: String,
    pub brand: String,
    pub category: String,
    /// `pcs`, `kg`, `g`, `l` or `ml`: what `quantity` counts.
    pub unit: String,
    pub price: String,
    pub old_price: Option<String>,
    pub currency: String,
    pub in_stock: bool,
    pub store_id: String,
    pub store_name: String,
    pub photo_url: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Products {
    pub products: Vec<ProductOut>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SlotOut {
    pub slot_start: String,
    pub slot_end: String,
    pub delivery_price: String,
    pub order_price: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct DeliveryOptionsOut {
    pub store_id: String,
    pub store_name: String,
    pub store_address: String,
    pub shipping: Shipping,
    pub currency: String,
    pub slots: Vec<SlotOut>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct LineOut {
    pub sku: String,
    pub name: String,
    pub quantity: String,
    pub unit: String,
    pub unit_price: String,
    pub total: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct OrderOut {
    pub order_id: String,
    /// new (waiting for payment), paid, processing, delivering, ready_for_pickup, completed, cancelled.
    pub status: String,
    pub store_id: String,
    pub shipping: Shipping,
    pub slot_start: String,
    pub slot_end: String,
    pub lines: Vec<LineOut>,
    pub items_total: String,
    pub delivery_price: String,
    pub total: String,
    pub currency: String,
    /// Until when an unpaid order waits for its payment.
    pub pay_before: Option<String>,
    /// The latest payment's state, if any: pending, waiting_for_capture, succeeded, canceled, failed.
    pub payment: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PaymentLinkOut {
    pub payment_id: String,
    /// Give this link to the shopper: they pay there.
    pub url: String,
    pub amount: String,
    pub currency: String,
    pub status: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SignedIn {
    pub user_id: String,
    /// `active`, or `new` for a shopper seen for the first time.
    pub user_status: String,
}
