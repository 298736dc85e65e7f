//! What the payment use cases need from outside: a gateway (the bank's API)
//! and a store of payment attempts.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

use domain::{Money, OrderId, SkuId, UserId, VatRate};
use orders::RepoError;

use crate::model::{Payment, PaymentMethod, PaymentStatus};
use crate::receipt::{Contact, Receipt};

/// A payment to create at the gateway.
#[derive(Clone, Debug, PartialEq)]
pub struct NewPayment {
    pub order_id: OrderId,
    pub method: PaymentMethod,
    pub amount: Money,
    pub description: String,
    /// Where the payer returns after paying or declining.
    pub return_url: String,
    /// The same key never creates a second payment.
    pub idempotence_key: String,
    /// The 54-FZ receipt, for a gateway that fiscalises the payment.
    pub receipt: Option<Receipt>,
    /// The order's time to pay: a gateway that can close the payment then
    /// does, so that no one pays for an order that has expired.
    pub pay_before: Option<DateTime<Utc>>,
}

/// A payment as the gateway reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct GatewayPayment {
    pub id: String,
    pub status: PaymentStatus,
    pub amount: Money,
    pub confirmation_url: Option<String>,
    /// What else the payer needs: a QR's payload (`sbp.payload`), SberPay's
    /// deep link (`sberpay.deepLink`)…
    pub details: serde_json::Value,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    /// Down, timing out, rate limiting: try again later.
    #[error("the payment gateway is unavailable: {0}")]
    Unavailable(String),
    /// The gateway refused the request itself (bad amount, wrong state).
    #[error("the payment gateway refused: {0}")]
    Rejected(String),
    #[error("the payment gateway has no payment {0}")]
    NotFound(String),
}

/// A payment gateway. Every call that changes money carries an idempotence
/// key, so that a retry after a timeout never pays, captures or refunds twice.
#[async_trait]
pub trait PaymentGateway: Send + Sync + std::fmt::Debug {
    /// `sandbox`, `yookassa`: stored with each payment.
    fn name(&self) -> &'static str;
    /// The methods it can create payments for.
    fn methods(&self) -> &'static [PaymentMethod];
    async fn create(&self, payment: &NewPayment) -> Result<GatewayPayment, GatewayError>;
    async fn get(&self, id: &str) -> Result<GatewayPayment, GatewayError>;
    /// Two-stage payments: takes the held `amount`.
    async fn capture(&self, id: &str, amount: Money, key: &str) -> Result<GatewayPayment, GatewayError>;
    async fn cancel(&self, id: &str, key: &str) -> Result<GatewayPayment, GatewayError>;
    /// Returns the gateway's refund id. `receipt`: the refund receipt
    /// (54-FZ "возврат прихода"), for a gateway that fiscalises.
    async fn refund(
        &self,
        id: &str,
        amount: Money,
        key: &str,
        receipt: Option<&Receipt>,
    ) -> Result<String, GatewayError>;
}

/// A refund owed: a succeeded payment of an order that was cancelled.
#[derive(Clone, Debug, PartialEq)]
pub struct RefundDue {
    pub payment_id: String,
    pub amount: Money,
    pub attempts: i32,
    /// The payment's receipt, which the refund receipt repeats.
    pub receipt: Option<Receipt>,
}

/// What a 54-FZ receipt is built from besides the order.
#[async_trait]
pub trait ReceiptFacts: Send + Sync + std::fmt::Debug {
    /// The buyer's email or phone, from their profile.
    async fn contact(&self, user: &UserId) -> Result<Option<Contact>, RepoError>;
    /// The VAT rates the catalog gives of these products (a product
    /// without one is left out).
    async fn vat_rates(&self, skus: &[SkuId]) -> Result<HashMap<SkuId, VatRate>, RepoError>;
}

/// The store of payment attempts.
#[async_trait]
pub trait PaymentRepo: Send + Sync + std::fmt::Debug {
    /// The order's attempts, oldest first.
    async fn attempts(&self, order: &OrderId) -> Result<Vec<Payment>, RepoError>;
    /// `false` when a payment with this id is stored already (a concurrent
    /// init with the same idempotence key got there first).
    async fn insert(&self, payment: &Payment) -> Result<bool, RepoError>;
    async fn get(&self, id: &str) -> Result<Option<Payment>, RepoError>;
    /// Moves the payment to what the gateway `reported`, by
    /// [`crate::status::follow`], in one transaction with its consequence:
    /// on `succeeded` the order becomes paid (its reservation a sale), or,
    /// when the order can no longer be paid (cancelled, expired), a refund
    /// is queued. A report the table ignores changes nothing.
    async fn settle(
        &self,
        id: &str,
        reported: PaymentStatus,
        at: DateTime<Utc>,
    ) -> Result<Option<Payment>, RepoError>;
    /// Ids of `gateway`'s payments still open (pending, or held for
    /// capture) made at or after `since`, after `after` in id order: a round
    /// over every open payment, `limit` at a time.
    async fn open_payments(
        &self,
        gateway: &str,
        since: DateTime<Utc>,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<String>, RepoError>;
    /// Claims up to `limit` refunds whose time has come: each returned is
    /// not due again before `claimed_until`, so that instances sharing the
    /// database never send one refund at once (one that stopped half way
    /// is due again after the claim).
    async fn claim_due_refunds(
        &self,
        now: DateTime<Utc>,
        claimed_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<RefundDue>, RepoError>;
    async fn refunded(&self, payment_id: &str, refund_id: &str, at: DateTime<Utc>) -> Result<(), RepoError>;
    async fn refund_failed(
        &self,
        payment_id: &str,
        error: &str,
        next: DateTime<Utc>,
    ) -> Result<(), RepoError>;
}
