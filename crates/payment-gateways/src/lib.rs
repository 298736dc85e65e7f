//! Adapters of the `PaymentGateway` port: [`sandbox::SandboxBank`], the
//! default for demos and tests (its payment page is served by `mcp-api`),
//! [`yookassa::YooKassa`] (v3 API over reqwest), and [`sber::Sber`]
//! (Sber's e-commerce REST API, with SberPay and SBP).

pub mod sandbox;
pub mod sber;
pub mod yookassa;

/// The HTTP client of a gateway adapter: every call, connecting included,
/// bounded by `timeout`; our name and version as the user agent.
pub(crate) fn http_client(timeout: std::time::Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("merchant-hub/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("http client: {e}"))
}
