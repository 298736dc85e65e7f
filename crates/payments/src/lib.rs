//! Payments of MCP orders. A payment is one attempt to pay one order through
//! a gateway; an order may have several attempts, at most one succeeded.
//! The gateway is the truth about money: our state only follows what it
//! reports ([`status`]), and what it reports is always read from it, never
//! taken from a caller or a notification as is.

pub mod model;
pub mod ports;
pub mod receipt;
pub mod sandbox_vault;
pub mod status;
pub mod usecases;

pub use model::{Payment, PaymentMethod, PaymentStatus};
pub use ports::{
    GatewayError, GatewayPayment, NewPayment, PaymentGateway, PaymentRepo, ReceiptFacts, RefundDue,
};
pub use sandbox_vault::{SandboxAccount, SandboxVault};
pub use usecases::{PaymentError, Payments, Receipts};
