//! Schemas of the listener's OpenAPI that no wire type carries (the bodies
//! are built by `kuper-client` and the handlers); schema only.
#![allow(dead_code)]

use utoipa::ToSchema;

/// A webhook as Kuper posts it.
#[derive(ToSchema)]
pub struct Webhook {
    /// `order.created`, `order.paid`, `courier.assigned`, …
    event_type: String,
    #[schema(format = DateTime)]
    timestamp: Option<String>,
    /// The event's body; `originalOrderId` names the order.
    payload: serde_json::Value,
}

/// The reply to a webhook.
#[derive(ToSchema)]
pub struct WebhookReply {
    /// `created` for order.created, `stored` otherwise.
    status: String,
    /// order.created: the merchant's order number.
    number: Option<String>,
    /// order.created: when the store expects the order assembled.
    #[serde(rename = "expectedAssemblyTime")]
    expected_assembly_time: Option<String>,
}

/// Kuper's error shape.
#[derive(ToSchema)]
pub struct KuperError {
    errors: Vec<KuperErrorItem>,
}

#[derive(ToSchema)]
pub struct KuperErrorItem {
    #[serde(rename = "type")]
    kind: String,
    field: String,
    message: String,
}

/// An operator API refusal.
#[derive(ToSchema)]
pub struct OperatorError {
    error: String,
}

/// A Kuper order as staff see it.
#[derive(ToSchema)]
pub struct OperatorOrder {
    #[serde(rename = "kuperOrderId")]
    kuper_order_id: String,
    number: String,
    status: String,
    paid: bool,
    lines: Vec<OperatorLine>,
    /// Notifications waiting for the dispatcher, oldest first.
    queued: Vec<String>,
}

#[derive(ToSchema)]
pub struct OperatorLine {
    sku: String,
    /// Stock units held.
    held: i64,
}

/// A staff action taken.
#[derive(ToSchema)]
pub struct ActionTaken {
    /// The order's status after it.
    status: String,
    /// The notification queued for Kuper.
    queued: String,
}
