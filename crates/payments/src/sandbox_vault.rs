//! The sandbox bank's keeping of its payments (`payment_gateways::sandbox`):
//! a port, so that they live in the database and every instance of every
//! service serves every payment page.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{GatewayError, PaymentStatus};

/// One payment as the sandbox keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SandboxAccount {
    pub id: String,
    /// [`PaymentStatus::as_str`].
    pub status: String,
    pub amount_minor: i64,
    /// ISO 4217.
    pub currency: String,
    pub return_url: String,
    /// [`crate::PaymentMethod::as_str`].
    pub method: String,
    /// The 54-FZ receipts the bank was sent ([`crate::receipt::to_stored`]),
    /// shown on its page as a fiscal provider would print them.
    pub receipt: Option<serde_json::Value>,
    pub refund_receipt: Option<serde_json::Value>,
    pub refunded: bool,
    /// 3-D Secure: when the check is over, and the status it gives then.
    pub check: Option<(DateTime<Utc>, String)>,
    /// After this the payment can no longer be paid (the order's time).
    pub pay_before: Option<DateTime<Utc>>,
}

impl SandboxAccount {
    pub fn status(&self) -> PaymentStatus {
        PaymentStatus::parse(&self.status).unwrap_or(PaymentStatus::Failed)
    }

    pub fn set(&mut self, status: PaymentStatus) {
        status.as_str().clone_into(&mut self.status);
    }

    /// A payment still open when its time to pay is over is cancelled, as
    /// a bank closes an abandoned session; `true` when it was.
    pub fn expire(&mut self, now: DateTime<Utc>) -> bool {
        let open = self.status() == PaymentStatus::Pending && self.check.is_none();
        if open && self.pay_before.is_some_and(|t| now >= t) {
            self.set(PaymentStatus::Canceled);
            return true;
        }
        false
    }

    /// A 3-D Secure check that is over gives its status.
    pub fn finish_check(&mut self, now: DateTime<Utc>) -> bool {
        match self.check.clone() {
            Some((at, status)) if now >= at => {
                self.status = status;
                self.check = None;
                true
            }
            _ => false,
        }
    }
}

/// Where the sandbox keeps its payments.
#[async_trait]
pub trait SandboxVault: Send + Sync + std::fmt::Debug {
    async fn load(&self, id: &str) -> Result<Option<SandboxAccount>, GatewayError>;
    /// The payment made under this idempotence key.
    async fn by_key(&self, key: &str) -> Result<Option<String>, GatewayError>;
    /// Keeps a new payment; `false` when the key was taken meanwhile.
    async fn insert(&self, key: &str, account: &SandboxAccount) -> Result<bool, GatewayError>;
    async fn save(&self, account: &SandboxAccount) -> Result<(), GatewayError>;
}
