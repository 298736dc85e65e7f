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
#[serde(rename_all = "camelCase")]
pub struct OperatorOrder {
    kuper_order_id: String,
    number: String,
    /// Our store.
    store: String,
    /// kuper_delivery, pickup or merchant_delivery.
    integration: String,
    restaurant: bool,
    /// Our side of the flow: every step taken (its notification queued).
    status: String,
    /// The last status Kuper acknowledged.
    kuper_status: Option<String>,
    /// Notifications still on their way to Kuper, oldest first.
    on_the_way: Vec<String>,
    paid: bool,
    lines: Vec<OperatorLine>,
    /// What Kuper told us: customer, address, comment, delivery window,
    /// replacement policy, payment methods, Kuper's prices and totals,
    /// courier, cancel reason, every order.updated.
    details: serde_json::Value,
    notifications: Vec<OperatorNotification>,
    /// Every event in and notification out, oldest first.
    history: Vec<OperatorHistoryEntry>,
}

#[derive(ToSchema)]
pub struct OperatorHistoryEntry {
    #[schema(format = DateTime)]
    at: String,
    /// in (a webhook from Kuper) or out (a notification to Kuper).
    direction: String,
    #[serde(rename = "type")]
    kind: String,
    /// in: applied, recorded, waiting, raised; out: pending, sent, dead, discarded.
    outcome: String,
    /// Why it was recorded or raised; Kuper's last refusal.
    note: Option<String>,
}

#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperatorLine {
    /// Kuper's id of the position.
    position_id: String,
    /// Our SKU (null: a product we do not sell).
    sku: Option<String>,
    /// pcs or kg.
    unit: String,
    /// Decimal amounts in the unit: ordered, held of the stock, picked.
    ordered: String,
    held: String,
    picked: Option<String>,
    /// A replacement: the position it replaces.
    replaces: Option<String>,
}

#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperatorNotification {
    id: i64,
    #[serde(rename = "type")]
    kind: String,
    /// pending (on its way), sent, dead (the order's later notifications
    /// wait for staff), discarded.
    state: String,
    attempts: i32,
    last_error: Option<String>,
}

/// Something that needs a person.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttentionItem {
    kuper_order_id: String,
    /// update, dead_letter or orphan.
    kind: String,
    note: String,
    #[schema(format = DateTime)]
    at: String,
}

/// A staff action taken.
#[derive(ToSchema)]
pub struct ActionTaken {
    /// The order's status after it.
    status: String,
    /// The notification queued for Kuper.
    queued: String,
}
