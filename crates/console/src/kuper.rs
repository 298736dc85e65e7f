//! A Kuper order: its page, the picking form's steps, and the replacement
//! search the form asks as the picker types.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use identity::staff::Permission;
use serde_json::json;
use staff_desk::DeskError;

use crate::picking::{self, FormError};
use crate::scanning;
use crate::{ConsoleState, Staff, failed, forbidden, html, not_found, pages, stale_form};

const OTHER_STORE: &str = "Этот заказ другого магазина.";

/// The order's page; after a refused step, with what was typed and
/// `error` beside the field it is about.
async fn order_page(
    state: &ConsoleState,
    staff: &Staff,
    id: String,
    typed: &HashMap<String, String>,
    error: Option<(StatusCode, FormError)>,
    said: Option<&str>,
) -> HttpResponse {
    match state.desk.kuper_order_page(&staff.account, &id).await {
        Ok(read) => {
            let names = match product_names(state, &read.order).await {
                Ok(names) => names,
                Err(e) => return failed(&e),
            };
            let (status, error) = error.map_or((StatusCode::OK, None), |(status, e)| (status, Some(e)));
            let page = pages::kuper::OrderPage {
                order: &read.order,
                trail: &read.trail,
                names: &names,
                zone: &read.zone,
            };
            let form = pages::kuper::Form { typed, error: error.as_ref(), said };
            html(status, pages::kuper::order_page(&staff.account, &staff.csrf, &page, &form))
        }
        Err(e) => refused(&e, &id),
    }
}

/// The answer to a Kuper order the desk would not show or step.
fn refused(e: &DeskError, id: &str) -> HttpResponse {
    match e {
        DeskError::Forbidden => forbidden(OTHER_STORE),
        DeskError::NotFound => not_found("Заказ не найден", &format!("Нет заказа Купера {id}.")),
        e => failed(e),
    }
}

/// The names of the order's products, by SKU: a picker looks for milk,
/// not for SKU-000001.
async fn product_names(
    state: &ConsoleState,
    order: &orders::kuper::KuperOrderView,
) -> Result<HashMap<String, String>, catalog::RepoError> {
    let skus: Vec<domain::SkuId> =
        order.lines.iter().filter_map(|l| domain::SkuId::new(l.sku.as_deref()?).ok()).collect();
    // From the search projection (memory), the store of record for the rest.
    let products = state.catalog.repo.products(&skus).await?;
    Ok(products.into_iter().map(|p| (p.sku.to_string(), p.name)).collect())
}

/// What Kuper told us, the lines, the history and who did what; 403 for a
/// picker of another store.
#[get("/orders/kuper/{id}")]
pub(crate) async fn order_view(
    staff: Staff,
    state: web::Data<ConsoleState>,
    path: web::Path<String>,
) -> HttpResponse {
    order_page(&state, &staff, path.into_inner(), &HashMap::new(), None, None).await
}

/// A staff step from the picking form: checked, taken by the flow (its
/// notification queued), and recorded in the audit trail.
#[post("/orders/kuper/{id}/step")]
pub(crate) async fn step(
    staff: Staff,
    state: web::Data<ConsoleState>,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    if !staff.sent(form.get("csrf")) {
        return stale_form();
    }
    let id = path.into_inner();
    let order = match state.desk.kuper_order(&staff.account, &id).await {
        Ok(order) => order,
        Err(e) => return refused(&e, &id),
    };
    if form.get("action").map(|a| a.trim()) == Some("scan") {
        let scan = scanning::apply(&state, &order, &form).await;
        return match scan.said {
            Ok(said) => order_page(&state, &staff, id.clone(), &scan.typed, None, said.as_deref()).await,
            Err(error) => {
                let refused = Some((StatusCode::UNPROCESSABLE_ENTITY, error));
                order_page(&state, &staff, id.clone(), &scan.typed, refused, None).await
            }
        };
    }
    let form_refused =
        |status, error| order_page(&state, &staff, id.clone(), &form, Some((status, error)), None);
    let request = match picking::request(&form, &order.lines) {
        Ok(request) => request,
        Err(error) => return form_refused(StatusCode::UNPROCESSABLE_ENTITY, error).await,
    };
    match state.desk.kuper_step(&staff.account, &id, &request).await {
        Ok(Ok(_)) => crate::see_other(&format!("/orders/kuper/{id}")),
        Ok(Err(e @ orders::kuper::ActError::Illegal(_))) => {
            form_refused(StatusCode::CONFLICT, FormError::step(e.to_string())).await
        }
        Ok(Err(e)) => form_refused(StatusCode::UNPROCESSABLE_ENTITY, FormError::step(e.to_string())).await,
        Err(e) => refused(&e, &id),
    }
}

#[derive(serde::Deserialize)]
pub(crate) struct PaperQuery {
    paper: Option<String>,
}

impl PaperQuery {
    pub(crate) fn paper(&self) -> pages::pick_list::Paper {
        if self.paper.as_deref() == Some("80mm") {
            pages::pick_list::Paper::Receipt
        } else {
            pages::pick_list::Paper::A4
        }
    }
}

/// The order's packing list, to print and put in its bag.
#[get("/orders/kuper/{id}/packing")]
pub(crate) async fn packing(
    staff: Staff,
    state: web::Data<ConsoleState>,
    path: web::Path<String>,
    query: web::Query<PaperQuery>,
) -> HttpResponse {
    let id = path.into_inner();
    let order = match state.desk.kuper_order(&staff.account, &id).await {
        Ok(order) => order,
        Err(e) => return refused(&e, &id),
    };
    let (names, zone) =
        match (product_names(&state, &order).await, state.desk.store_zone(&order.store_id).await) {
            (Ok(names), Ok(zone)) => (names, zone),
            (Err(e), _) => return failed(&e),
            (_, Err(e)) => return failed(&e),
        };
    html(
        StatusCode::OK,
        pages::packing::kuper(&staff.account, &staff.csrf, &order, &names, &zone, query.paper()),
    )
}

#[derive(serde::Deserialize)]
pub(crate) struct Wanted {
    #[serde(default)]
    q: String,
}

/// What `store` sells that matches `q`, from the catalog's search index
/// (the same ranking shoppers get), for the replacement field: JSON
/// `[{sku, name, price, available}]`, the best first.
#[get("/stores/{store}/products")]
pub(crate) async fn replacements(
    staff: Staff,
    state: web::Data<ConsoleState>,
    path: web::Path<String>,
    query: web::Query<Wanted>,
) -> HttpResponse {
    let store = path.into_inner();
    if !staff.account.may(Permission::PickIn(&store)) {
        return HttpResponse::Forbidden().json(json!({"error": OTHER_STORE}));
    }
    let catalog = &state.catalog;
    let Ok(store_id) = domain::StoreId::new(&store) else {
        return HttpResponse::Ok().json(json!([]));
    };
    let text = query.q.trim();
    if text.chars().count() < 2 {
        return HttpResponse::Ok().json(json!([]));
    }
    let wanted = catalog::SearchQuery {
        point: domain::GeoPoint::new(0.0, 0.0).expect("the origin is a point"),
        text: text.to_owned(),
        max_results: 8,
        store: Some(store_id),
    };
    let found = catalog::search(
        catalog.repo.as_ref(),
        catalog.index.as_ref(),
        catalog::ReachPolicy { pickup_radius_m: 0 },
        &wanted,
    )
    .await;
    match found {
        Ok(items) => HttpResponse::Ok().json(
            items
                .iter()
                .map(|item| {
                    json!({
                        "sku": item.product.sku.as_str(),
                        "name": item.product.name,
                        "price": item.offer.price.to_string(),
                        "available": item.offer.in_stock(),
                    })
                })
                .collect::<Vec<_>>(),
        ),
        // Too long a query and the like: nothing to suggest.
        Err(e) if e.is_bad_input() => HttpResponse::Ok().json(json!([])),
        Err(e) => {
            tracing::warn!(error = %e, "console: replacement search failed");
            HttpResponse::ServiceUnavailable().json(json!({"error": "поиск недоступен"}))
        }
    }
}
