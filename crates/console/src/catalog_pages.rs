//! The catalog as staff check it: the latest catalog imports and stock
//! reports from the merchant's systems with what each refused, when each store last
//! reported, and one product's price, shelf, holds and availability in
//! every store that sells it — of a picker's own stores only.

use crate::pages::catalog::CatalogPage;
use crate::{ConsoleState, Staff, failed, html, pages};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};

#[derive(serde::Deserialize)]
pub(crate) struct CatalogQuery {
    sku: Option<String>,
}

#[get("/catalog")]
pub(crate) async fn page(
    staff: Staff,
    state: web::Data<ConsoleState>,
    query: web::Query<CatalogQuery>,
) -> HttpResponse {
    let typed = query.sku.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let sku = match typed.map(domain::SkuId::new) {
        None => None,
        Some(Ok(sku)) => Some(sku),
        Some(Err(e)) => {
            let page = CatalogPage {
                sku_error: Some(format!("«{}»: {e}", typed.unwrap_or_default())),
                ..Default::default()
            };
            return html(
                StatusCode::BAD_REQUEST,
                pages::catalog::page(&staff.account, &staff.csrf, typed, &page),
            );
        }
    };
    let mut page = match state.desk.catalog_overview(&staff.account).await {
        Ok(overview) => CatalogPage { overview, ..Default::default() },
        Err(e) => return failed(&e),
    };
    if let Some(sku) = sku {
        match state.desk.product_in_stores(&staff.account, &sku).await {
            Ok(None) => page.sku_error = Some(format!("нет товара {sku}")),
            Ok(product) => page.product = product,
            Err(e) => return failed(&e),
        }
    }
    let status = if page.sku_error.is_some() { StatusCode::NOT_FOUND } else { StatusCode::OK };
    html(status, pages::catalog::page(&staff.account, &staff.csrf, typed, &page))
}
