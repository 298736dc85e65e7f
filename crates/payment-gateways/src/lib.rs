//! Adapters of the `PaymentGateway` port: [`sandbox::SandboxBank`], the
//! default for demos and tests (its payment page is served by `mcp-api`),
//! and [`yookassa::YooKassa`] (v3 API over reqwest).

pub mod sandbox;
pub mod yookassa;
