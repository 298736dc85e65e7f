//! The merchant's own Model Context Protocol server: any AI agent can
//! search the catalog, choose a slot, order and pay, on the same catalog,
//! stock and order book as `mcp-api` and the staff console. The tools call
//! the domain use cases directly (`catalog::search`, `orders::Ordering`,
//! `payments::Payments`): no HTTP hop, no second copy of a rule.
//!
//! Served over Streamable HTTP ([`http`], behind the MCP client's bearer
//! token) and over stdio (for a local agent). The shopper is whoever
//! signed in within the session (`sign_in`, as `/auth/*` does) or whose
//! access token from `/auth/*` comes in `X-Access-Token`.

pub mod http;
mod resources;
mod schema;
mod sessions;
mod tools;

use std::sync::{Arc, Mutex, PoisonError};

use catalog::{CatalogRepo, ReachPolicy, SearchIndex};
use domain::UserId;
use identity::{Authenticator, IdentityProvider};

pub use tools::MerchantMcp;

/// What the tools work with: the same use cases `mcp-api` runs.
#[derive(Clone, Debug)]
pub struct McpServerState {
    pub catalog: Arc<dyn CatalogRepo>,
    pub index: Arc<dyn SearchIndex>,
    pub reach: ReachPolicy,
    pub ordering: Arc<orders::Ordering>,
    pub payments: Option<Arc<payments::Payments>>,
    pub authenticator: Arc<Authenticator>,
    pub sberid: Option<Arc<dyn IdentityProvider>>,
    pub merchant_token: Option<Arc<dyn IdentityProvider>>,
    /// Where a payment link without a host points (the sandbox's page on
    /// this server): set once the server knows its address.
    pub public_url: Arc<std::sync::OnceLock<String>>,
    pub merchant_name: String,
}

/// The shopper of one MCP session, once signed in.
#[derive(Clone, Debug, Default)]
pub(crate) struct Shopper(Arc<Mutex<Option<UserId>>>);

impl Shopper {
    pub fn get(&self) -> Option<UserId> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub fn set(&self, user: UserId) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(user);
    }
}
