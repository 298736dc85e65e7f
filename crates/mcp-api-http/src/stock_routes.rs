//! The merchant's systems' API on `mcp-api` (not part of the seed): stock
//! and price updates in, our stock moves out.
//!
//! - `POST /merchant/stock`: a batch of `{sku, storeId, stock, asOf,
//!   price?, oldPrice?}`, idempotent by `batchId`, applied in one
//!   transaction; answers what was applied and each refused line with its
//!   reason.
//! - `GET /merchant/stock/moves?after=CURSOR&limit=N`: our holds, releases
//!   and sales in the order they committed, for an ERP to book.
//!
//! Authenticated with their own bearer token (`MERCHANT_STOCK_API_TOKEN`),
//! never an MCP client's; without one configured the API is off (403):
//! `McpState::stock` is `None`.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
pub use catalog::stock::batch::{CheckedBatch, MAX_BATCH_BYTES, StockBatchRequest, read_batch};
use catalog::stock::{LedgerError, MoveCursor, StockLedger};
use domain::Clock;
use futures_util::StreamExt;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{ApiError, McpState};

const MAX_MOVES_PAGE: i64 = 10_000;

/// The stock API of a service that has it on.
#[derive(Clone, Debug)]
pub struct StockApiState {
    pub ledger: Arc<dyn StockLedger>,
    /// What the merchant's systems present as `Authorization: Bearer …`.
    pub token: SecretString,
    pub clock: Arc<dyn Clock>,
}

pub(crate) fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(apply).service(moves);
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StockBatchResponse {
    batch_id: String,
    /// Lines applied.
    applied: usize,
    /// Lines that changed nothing, with the reason.
    refused: Vec<RefusedLineDto>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefusedLineDto {
    /// Index of the line in `updates`, from 0.
    line: usize,
    sku: String,
    store_id: String,
    reason: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MovesQuery {
    /// The `next` of the previous page; absent or `0`: from the start.
    after: Option<String>,
    /// Moves per page (1–10000, default 1000).
    limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StockMovesResponse {
    moves: Vec<StockMoveDto>,
    /// Where to continue: the `after` of the next request.
    next: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StockMoveDto {
    cursor: String,
    sku: String,
    store_id: String,
    /// `hold`, `release` or `sale`.
    kind: String,
    /// In the offer's unit of sale.
    quantity: f64,
    /// `mcp` or `kuper`.
    channel: String,
    order_id: String,
    #[schema(format = DateTime)]
    at: String,
}

/// The stock API, when it is on and the request carries its token.
fn authorize<'s>(state: &'s McpState, req: &HttpRequest) -> Result<&'s StockApiState, ApiError> {
    let Some(stock) = &state.stock else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "the stock API is off: set MERCHANT_STOCK_API_TOKEN",
        ));
    };
    let authorization = req.headers().get("Authorization").and_then(|v| v.to_str().ok());
    if domain::bearer_matches(authorization, stock.token.expose_secret()) {
        Ok(stock)
    } else {
        Err(ApiError::new(StatusCode::UNAUTHORIZED, "missing or wrong stock API token"))
    }
}

fn ledger_error(e: &LedgerError) -> ApiError {
    match e {
        LedgerError::Conflict(id) => ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "batch {id} was applied before with other contents; send new contents under a new batchId"
            ),
        ),
        LedgerError::Unavailable(reason) => {
            tracing::warn!(%reason, "stock ledger unavailable");
            ApiError {
                retry_after_secs: Some(http_edge::RETRY_AFTER_SECS),
                ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the stock ledger is unavailable; try again")
            }
        }
    }
}

/// Reads the body up to [`MAX_BATCH_BYTES`].
async fn body(mut payload: web::Payload) -> Result<Vec<u8>, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::bad_request("cannot read the request body"))?;
        if bytes.len() + chunk.len() > MAX_BATCH_BYTES {
            return Err(ApiError::bad_request(format!(
                "request body is larger than {MAX_BATCH_BYTES} bytes"
            )));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Applies a batch of stock and price updates from the merchant's systems.
#[utoipa::path(
    tag = "Merchant systems",
    request_body = StockBatchRequest,
    security(("stock_api" = [])),
    responses(
        (status = 200, description = "Applied; refused lines changed nothing and say why.", body = StockBatchResponse),
        (status = 400, description = "The body is not a batch.", body = crate::error::ErrorSchema),
        (status = 401, description = "Missing or wrong token.", body = crate::error::ErrorSchema),
        (status = 403, description = "The stock API is off.", body = crate::error::ErrorSchema),
        (status = 409, description = "The batch id was used for other contents.", body = crate::error::ErrorSchema),
        (status = 503, description = "The database is unavailable; nothing was applied.", body = crate::error::ErrorSchema),
    )
)]
#[post("/merchant/stock")]
async fn apply(
    req: HttpRequest,
    state: web::Data<McpState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let stock = authorize(&state, &req)?;
    let bytes = body(payload).await?;
    // Parsing and checking a hundred thousand lines takes a while: off the
    // worker that serves other requests.
    let batch = web::block(move || read_batch(&bytes))
        .await
        .map_err(|_| ApiError::internal(&"the batch reader stopped"))?
        .map_err(ApiError::bad_request)?;
    let report = stock
        .ledger
        .apply_batch(&batch.batch_id, &batch.digest, batch.updates, batch.refused, stock.clock.now())
        .await
        .map_err(|e| ledger_error(&e))?;
    tracing::info!(batch = %report.batch_id, applied = report.applied, refused = report.refused.len(), "stock batch");
    Ok(HttpResponse::Ok().json(StockBatchResponse {
        batch_id: report.batch_id,
        applied: report.applied,
        refused: report
            .refused
            .into_iter()
            .map(|r| RefusedLineDto { line: r.line, sku: r.sku, store_id: r.store_id, reason: r.reason })
            .collect(),
    }))
}

/// Our stock moves (holds, releases, sales) since a cursor, oldest first.
#[utoipa::path(
    tag = "Merchant systems",
    params(MovesQuery),
    security(("stock_api" = [])),
    responses(
        (status = 200, description = "A page of moves and where to continue.", body = StockMovesResponse),
        (status = 400, description = "A cursor we did not give, or a bad limit.", body = crate::error::ErrorSchema),
        (status = 401, description = "Missing or wrong token.", body = crate::error::ErrorSchema),
        (status = 403, description = "The stock API is off.", body = crate::error::ErrorSchema),
        (status = 503, description = "The database is unavailable.", body = crate::error::ErrorSchema),
    )
)]
#[get("/merchant/stock/moves")]
async fn moves(
    req: HttpRequest,
    state: web::Data<McpState>,
    query: web::Query<MovesQuery>,
) -> Result<HttpResponse, ApiError> {
    let stock = authorize(&state, &req)?;
    let after: MoveCursor = query.after.as_deref().unwrap_or("0").parse().map_err(ApiError::bad_request)?;
    let limit = query.limit.unwrap_or(1000);
    if !(1..=MAX_MOVES_PAGE).contains(&limit) {
        return Err(ApiError::bad_request(format!("limit must be 1 to {MAX_MOVES_PAGE}")));
    }
    let moves = stock.ledger.moves_since(after, limit).await.map_err(|e| ledger_error(&e))?;
    let next = moves.last().map_or(after, |m| m.cursor).to_string();
    Ok(HttpResponse::Ok().json(StockMovesResponse {
        moves: moves
            .into_iter()
            .map(|m| StockMoveDto {
                cursor: m.cursor.to_string(),
                sku: m.sku,
                store_id: m.store_id,
                kind: m.kind.to_string(),
                quantity: f64::try_from(m.quantity.to_decimal()).unwrap_or(f64::NAN),
                channel: m.channel,
                order_id: m.order_id,
                at: m.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            })
            .collect(),
        next,
    }))
}
