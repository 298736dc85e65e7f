//! A payment attempt and its status, as the seed's `PaymentFinishResponse`
//! names them.

use std::fmt;

use chrono::{DateTime, Utc};
use domain::{Money, OrderId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PaymentStatus {
    /// Created; the payer has not finished.
    Pending,
    /// Two-stage: the money is held, we have not captured it.
    WaitingForCapture,
    Succeeded,
    /// Declined by the payer or the bank, or cancelled by us.
    Canceled,
    /// The gateway could not process it.
    Failed,
}

impl PaymentStatus {
    pub const ALL: [PaymentStatus; 5] = [
        PaymentStatus::Pending,
        PaymentStatus::WaitingForCapture,
        PaymentStatus::Succeeded,
        PaymentStatus::Canceled,
        PaymentStatus::Failed,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::WaitingForCapture => "waiting_for_capture",
            PaymentStatus::Succeeded => "succeeded",
            PaymentStatus::Canceled => "canceled",
            PaymentStatus::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<PaymentStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Nothing moves a payment out of a final status.
    pub const fn is_final(self) -> bool {
        matches!(self, PaymentStatus::Succeeded | PaymentStatus::Canceled | PaymentStatus::Failed)
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the payer pays: what the payment is created for at the gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum PaymentMethod {
    /// The gateway's payment page (cards and whatever else it offers).
    #[default]
    Page,
    /// SberPay: Sber's app, through a deep link or Sber's page.
    SberPay,
    /// The Faster Payments System: a dynamic QR the payer's bank app reads.
    Sbp,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 3] = [PaymentMethod::Page, PaymentMethod::SberPay, PaymentMethod::Sbp];

    pub const fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Page => "page",
            PaymentMethod::SberPay => "sberpay",
            PaymentMethod::Sbp => "sbp",
        }
    }

    pub fn parse(text: &str) -> Option<PaymentMethod> {
        Self::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

impl fmt::Display for PaymentMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Payment {
    /// The gateway's id of the payment (the seed's `paymentId`).
    pub id: String,
    /// Which gateway holds it (`sandbox`, `yookassa`).
    pub gateway: String,
    pub order_id: OrderId,
    pub method: PaymentMethod,
    /// The order's total when the attempt started.
    pub amount: Money,
    pub status: PaymentStatus,
    /// Where the payer pays.
    pub confirmation_url: Option<String>,
    /// What else the gateway gave (confirmation token, QR payload…).
    pub details: serde_json::Value,
    /// Where the payer goes back to (the request's `backUrl`).
    pub return_url: String,
    /// Sent with the create call: a retry creates nothing new.
    pub idempotence_key: String,
    /// The 54-FZ receipt the payment was fiscalised with; its refund
    /// repeats it.
    pub receipt: Option<crate::receipt::Receipt>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
