//! Who is calling an MCP operation.
//!
//! The MCP server proves itself with `credentials.oauth2` in the body or the
//! `Authorization` header (same token forms; the `/auth/*` bodies carry no
//! credentials, so there the header is the way). The shopper is the
//! `credentials.accessToken` issued by `/auth/*`. Missing or wrong MCP-server
//! credentials are 403, a missing, wrong or expired user token is 401.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use domain::UserId;
use identity::ClientIdentity;
use std::future::Future;
use std::pin::Pin;

use crate::{ApiError, Credentials, McpState};

/// An authenticated MCP server, from the `Authorization` header.
#[derive(Clone, Debug)]
pub struct McpClient(pub ClientIdentity);

/// An authenticated MCP server acting for an authenticated shopper.
#[derive(Clone, Debug)]
pub struct Caller {
    pub client: ClientIdentity,
    pub user: UserId,
}

fn state(req: &HttpRequest) -> Result<web::Data<McpState>, ApiError> {
    req.app_data::<web::Data<McpState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal(&"McpState is not registered"))
}

pub use http_edge::client_key;

fn authorization(req: &HttpRequest) -> Option<String> {
    req.headers().get(actix_web::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

impl FromRequest for McpClient {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let (state, header, peer) = (state(req), authorization(req), client_key(req));
        Box::pin(async move {
            let state = state?;
            let client = state
                .authenticator
                .authenticate_client(header.as_deref(), &peer)
                .await
                .map_err(ApiError::from)?;
            Ok(McpClient(client))
        })
    }
}

/// The MCP client of a catalog operation (`/search`, `/actualize`): `None`
/// when the catalog is open (the default), authenticated like [`McpClient`]
/// when `catalog_requires_client` is set.
#[derive(Clone, Debug)]
pub struct CatalogClient(pub Option<ClientIdentity>);

impl FromRequest for CatalogClient {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        match state(req) {
            Ok(state) if !state.catalog_requires_client => Box::pin(async { Ok(CatalogClient(None)) }),
            _ => {
                let client = McpClient::from_request(req, payload);
                Box::pin(async move { Ok(CatalogClient(Some(client.await?.0))) })
            }
        }
    }
}

/// Authenticates both parties of an order operation (`/delivery`,
/// `/checkout`, `/payment/*`) from the body's `credentials`, falling back to
/// the `Authorization` header for the MCP server.
pub async fn authenticate_caller(
    req: &HttpRequest,
    credentials: Option<&Credentials>,
) -> Result<Caller, ApiError> {
    let state = state(req)?;
    let oauth2 = credentials.and_then(|c| c.oauth2.clone()).or_else(|| authorization(req));
    let client = state.authenticator.authenticate_client(oauth2.as_deref(), &client_key(req)).await?;
    let access_token = credentials.and_then(|c| c.access_token.as_deref());
    let user = state.authenticator.authenticate_user(access_token).await?;
    Ok(Caller { client, user })
}

/// The header that identifies the shopper where a request has no body to
/// carry `credentials` (`GET /order/{orderId}/status`).
pub const ACCESS_TOKEN_HEADER: &str = "X-Access-Token";

/// The caller of a request whose credentials are optional: `None` without
/// an [`ACCESS_TOKEN_HEADER`]; with one, both parties are authenticated as
/// by [`authenticate_caller`] (the MCP server by `Authorization`).
pub async fn optional_caller(req: &HttpRequest) -> Result<Option<Caller>, ApiError> {
    let Some(token) = req.headers().get(ACCESS_TOKEN_HEADER).and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    let credentials = Credentials { access_token: Some(token.to_owned()), ..Credentials::default() };
    authenticate_caller(req, Some(&credentials)).await.map(Some)
}
