//! The mcp-api service over actix-web: the MCP-Merchant Integration API to
//! the letter of the seed spec (`openapi/seed/mcp-merchant-api.yaml`), and
//! beside it the merchant's stock API, the payment page and the payment
//! gateway's notifications.
//!
//! Every error leaves through [`ApiError`] as the seed's `Error {code,
//! message}`; no handler builds an error body by hand. Every operation
//! requires the `rqUid` header ([`RqUid`]), except order status, where the
//! seed does not list it.

mod auth;
mod catalog_routes;
mod dto;
mod error;
mod json;
mod order_routes;
mod pay_page;
mod payment_routes;
mod routes;
mod rquid;
mod stock_routes;

use std::sync::Arc;

use actix_web::web;
use catalog::{CatalogRepo, ReachPolicy, SearchIndex};
use identity::{Authenticator, IdentityProvider};

pub use auth::{
    ACCESS_TOKEN_HEADER, Caller, CatalogClient, McpClient, authenticate_caller, client_key, optional_caller,
};
pub use dto::Credentials;
pub use error::ApiError;
pub use order_routes::{OrdersState, PaymentSetup};
pub use payment_routes::{PaymentsState, SberPaySetup};
pub use rquid::RqUid;
pub use stock_routes::{CheckedBatch, StockApiState, read_batch};

/// What the MCP routes need, built once at start.
#[derive(Clone, Debug)]
pub struct McpState {
    pub authenticator: Arc<Authenticator>,
    /// `None`: `/auth/sberid` is not configured and answers 503.
    pub sberid: Option<Arc<dyn IdentityProvider>>,
    /// `None`: `/auth/other` is not configured and answers 503.
    pub merchant_token: Option<Arc<dyn IdentityProvider>>,
    /// Largest JSON body accepted; larger ones are a 400.
    pub max_body_bytes: usize,
    /// Whether the catalog operations need MCP-client credentials
    /// ([`CatalogClient`]); the seed leaves them open.
    pub catalog_requires_client: bool,
    pub catalog: CatalogState,
    /// `None`: the order routes answer 500 (a service built without them).
    pub orders: Option<OrdersState>,
    /// `None`: the payment routes answer 500 (a service built without them).
    pub payments: Option<PaymentsState>,
    /// `None`: the merchant's stock API is off and answers 403.
    pub stock: Option<StockApiState>,
}

/// What `/search` and `/actualize` read.
#[derive(Clone, Debug)]
pub struct CatalogState {
    pub repo: Arc<dyn CatalogRepo>,
    pub index: Arc<dyn SearchIndex>,
    pub reach: ReachPolicy,
    /// `merchantName` of search answers.
    pub merchant_name: String,
    /// The `photo` of a product whose feed gave no picture (the seed
    /// requires one).
    pub placeholder_photo: String,
}

/// A neutral grey square, inline: no host to reach, valid wherever a URI is.
pub const DEFAULT_PLACEHOLDER_PHOTO: &str = "data:image/svg+xml,%3Csvg%20xmlns%3D%22http%3A%2F%2Fwww.w3.org%2F2000%2Fsvg%22%20viewBox%3D%220%200%201%201%22%3E%3Crect%20width%3D%221%22%20height%3D%221%22%20fill%3D%22%23ddd%22%2F%3E%3C%2Fsvg%3E";

/// The state the MCP routes read, for an app that registers [`routes`]
/// itself (the service's, which also collects their OpenAPI).
pub fn state(state: McpState) -> impl Fn(&mut web::ServiceConfig) + Clone + Send + 'static {
    move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(json::config(state.max_body_bytes)).app_data(web::Data::new(state.clone()));
    }
}

/// Every MCP route, each documented: registering one is documenting it.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.configure(routes::auth)
        .configure(catalog_routes::routes)
        .configure(order_routes::routes)
        .configure(payment_routes::routes)
        .configure(pay_page::routes)
        .configure(stock_routes::routes);
}

/// The sandbox bank's payment page and the SBP QR it shows, alone (served
/// by `merchant-mcp`, whose payment links point at itself).
pub fn pay_page_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.configure(pay_page::routes).service(payment_routes::qr);
}

/// The state and the routes together (tests build apps with it).
pub fn configure(mcp: McpState) -> impl Fn(&mut web::ServiceConfig) + Clone + Send + 'static {
    let with_state = state(mcp);
    move |cfg: &mut web::ServiceConfig| {
        with_state(cfg);
        routes(&mut utoipa_actix_web::service_config::ServiceConfig::new(cfg));
    }
}
