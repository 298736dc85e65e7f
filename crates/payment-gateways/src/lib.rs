//! Adapters of the `PaymentGateway` port: [`sandbox::SandboxBank`], the
//! default for demos and tests (its payment page is served by `mcp-api`),
//! [`yookassa::YooKassa`] (v3 API over reqwest), and [`sber::Sber`]
//! (Sber's e-commerce REST API, with SberPay and SBP).

pub mod sandbox;
pub mod sber;
pub mod yookassa;
