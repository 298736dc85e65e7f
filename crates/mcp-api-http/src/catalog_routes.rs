//! `POST /search` and `POST /actualize`.

use actix_web::{HttpResponse, post, web};
use catalog::{ActualizeQuery, CatalogError, Item, SearchQuery};
use domain::{GeoPoint, SkuId, StoreId};

use crate::auth::CatalogClient;
use crate::dto::{ActualizeRequest, ActualizeResponse, ProductItem, SearchRequest, SearchResponse};
use crate::rquid::RqUidHeader;
use crate::{ApiError, McpState, RqUid};
use utoipa_actix_web::service_config::ServiceConfig;

/// The seed's default `maxResult`.
const DEFAULT_MAX_RESULT: i64 = 10;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(search).service(actualize);
}

impl From<CatalogError> for ApiError {
    fn from(e: CatalogError) -> Self {
        match e {
            e if e.is_bad_input() => ApiError::bad_request(e.to_string()),
            CatalogError::Repo(repo) => ApiError::storage(&repo),
            e => ApiError::internal(&e),
        }
    }
}

fn store_id(raw: Option<String>) -> Result<Option<StoreId>, ApiError> {
    raw.map(|s| StoreId::new(s).map_err(|e| ApiError::bad_request(format!("storeId: {e}")))).transpose()
}

/// An item on the wire. Available means in stock and offered that way by
/// the store; for delivery also that the store delivers to `point` when a
/// point is known.
fn product_item(item: Item, point: Option<GeoPoint>, placeholder_photo: &str) -> ProductItem {
    let Item { product, store, offer } = item;
    let in_stock = offer.in_stock();
    let delivers = point.map_or(store.delivery_zone.is_some(), |p| store.delivers_to(p));
    ProductItem {
        sku_id: product.sku.into_inner(),
        sku_name: product.name,
        sku_description: product.description,
        price: offer.price.into(),
        photo: if product.photo_url.is_empty() { placeholder_photo.to_owned() } else { product.photo_url },
        store_id: store.id.into_inner(),
        store_address: store.address,
        quantity: product.pack_quantity.and_then(|q| f64::try_from(q).ok()),
        unit: product.unit.as_str(),
        stock: offer.stock.max(0),
        rating: product.rating.and_then(|r| f64::try_from(r).ok()),
        avail_to_delivery: in_stock && offer.delivery && delivers,
        avail_to_pickup_from_store: in_stock && offer.pickup && store.pickup,
    }
}

/// Поиск товаров у ближайших к точке магазинов.
#[utoipa::path(
    tag = "Search & Actualize",
    operation_id = "postSearch",
    security((), ("mcp_client" = [])),
    params(RqUidHeader),
    request_body = SearchRequest,
    responses(
        (status = 200, description = "Найденные товары.", body = SearchResponse),
        (status = 400, description = "Неверный формат запроса.", body = crate::error::ErrorSchema),
        (status = 500, description = "Внутренняя ошибка сервиса.", body = crate::error::ErrorSchema),
    )
)]
#[post("/search")]
async fn search(
    _rq_uid: RqUid,
    _client: CatalogClient,
    state: web::Data<McpState>,
    body: web::Json<SearchRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let point = GeoPoint::new(body.lat, body.lon).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let query = SearchQuery {
        point,
        text: body.query,
        max_results: body.max_result.unwrap_or(DEFAULT_MAX_RESULT),
        store: store_id(body.store_id)?,
    };
    let catalog = &state.catalog;
    let items = catalog::search(catalog.repo.as_ref(), catalog.index.as_ref(), catalog.reach, &query).await?;
    Ok(HttpResponse::Ok().json(SearchResponse {
        merchant_name: catalog.merchant_name.clone(),
        items: items.into_iter().map(|i| product_item(i, Some(point), &catalog.placeholder_photo)).collect(),
    }))
}

/// Актуальные цены и остатки товаров.
#[utoipa::path(
    tag = "Search & Actualize",
    operation_id = "postActualize",
    security((), ("mcp_client" = [])),
    params(RqUidHeader),
    request_body = ActualizeRequest,
    responses(
        (status = 200, description = "Актуальные данные товаров.", body = ActualizeResponse),
        (status = 400, description = "Неверный формат запроса.", body = crate::error::ErrorSchema),
        (status = 500, description = "Внутренняя ошибка сервиса.", body = crate::error::ErrorSchema),
    )
)]
#[post("/actualize")]
async fn actualize(
    _rq_uid: RqUid,
    _client: CatalogClient,
    state: web::Data<McpState>,
    body: web::Json<ActualizeRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    // An id we could never have issued is unknown, and unknown ids are left
    // out rather than refused.
    let skus = body.sku_ids.into_iter().filter_map(|s| SkuId::new(s).ok()).collect::<Vec<_>>();
    if skus.is_empty() {
        return Err(ApiError::bad_request("skuIds must hold at least one valid id"));
    }
    let query = ActualizeQuery { skus, store: store_id(body.store_id)? };
    let items = catalog::actualize(state.catalog.repo.as_ref(), &query).await?;
    Ok(HttpResponse::Ok().json(ActualizeResponse {
        items: items.into_iter().map(|i| product_item(i, None, &state.catalog.placeholder_photo)).collect(),
    }))
}
