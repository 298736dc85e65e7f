//! The catalog as staff check it: the latest catalog imports and stock
//! reports from the merchant's systems with what each refused, when each store last
//! reported, and one product's price, shelf, holds and availability in
//! every store that sells it — of a picker's own stores only.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use identity::staff::Permission;
use storage::{DbCatalogImports, DbStock};

use crate::pages::catalog::{CatalogPage, ProductInStores};
use crate::{ConsoleState, Staff, failed, html, pages};

const REPORTS: i64 = 20;

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
    let read = state
        .db
        .run(|conn| {
            Ok::<_, storage::StorageError>((
                DbCatalogImports::recent(conn, REPORTS)?,
                DbStock::recent_batches(conn, REPORTS)?,
                DbStock::report_times(conn)?,
            ))
        })
        .await;
    let (mut imports, mut reports, mut report_times) = match read {
        Ok(read) => read,
        Err(e) => return failed(&e),
    };
    // A picker sees their own stores only: feeds and stock batches are the
    // whole merchant's, so theirs are not shown at all.
    let sees = |store: &str| staff.account.may(Permission::PickIn(store));
    if staff.account.store_scope().is_some() {
        imports.clear();
        reports.clear();
    }
    report_times.retain(|(store, _)| sees(store));
    let mut page = CatalogPage { imports, reports, report_times, ..Default::default() };
    if let Some(sku) = sku {
        let repo = &state.catalog.repo;
        let product = match repo.products(std::slice::from_ref(&sku)).await {
            Ok(mut found) => found.pop(),
            Err(e) => return failed(&e),
        };
        match product {
            None => page.sku_error = Some(format!("нет товара {sku}")),
            Some(product) => {
                let mut offers = match repo.offers(std::slice::from_ref(&sku), None).await {
                    Ok(offers) => offers,
                    Err(e) => return failed(&e),
                };
                let raw = sku.to_string();
                let mut figures = match state.db.run(move |conn| DbStock::offers_of_sku(conn, &raw)).await {
                    Ok(figures) => figures,
                    Err(e) => return failed(&e),
                };
                offers.retain(|offer| sees(offer.store.as_str()));
                figures.retain(|figure| sees(&figure.store_id));
                page.product = Some(ProductInStores { product, offers, figures });
            }
        }
    }
    let status = if page.sku_error.is_some() { StatusCode::NOT_FOUND } else { StatusCode::OK };
    html(status, pages::catalog::page(&staff.account, &staff.csrf, typed, &page))
}
