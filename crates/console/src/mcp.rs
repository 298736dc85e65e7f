//! An order an AI agent placed (MCP): its page — lines, slot, payment,
//! history — and the staff steps the order's state machine allows.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use staff_desk::DeskError;

use crate::{ConsoleState, Staff, failed, forbidden, html, not_found, pages, see_other, stale_form};

/// The answer to an order the desk would not show or step.
fn refused(e: &DeskError, raw_id: &str) -> HttpResponse {
    match e {
        DeskError::NotFound => not_found("Заказ не найден", &format!("Нет заказа {raw_id}.")),
        DeskError::Forbidden => forbidden("Этот заказ другого магазина."),
        e => failed(e),
    }
}

async fn order_page(
    state: &ConsoleState,
    staff: &Staff,
    raw_id: &str,
    error: Option<(StatusCode, String)>,
) -> HttpResponse {
    let Ok(id) = domain::OrderId::new(raw_id) else {
        return refused(&DeskError::NotFound, raw_id);
    };
    let view = match state.desk.mcp_order_page(&staff.account, &id).await {
        Ok(view) => view,
        Err(e) => return refused(&e, raw_id),
    };
    let (status, error) = error.map_or((StatusCode::OK, None), |(status, e)| (status, Some(e)));
    html(status, pages::mcp::order_page(&staff.account, &staff.csrf, &view, error.as_deref()))
}

/// The order's packing list, to print and put in its bag.
#[get("/orders/mcp/{id}/packing")]
pub(crate) async fn packing(
    staff: Staff,
    state: web::Data<ConsoleState>,
    path: web::Path<String>,
    query: web::Query<crate::kuper::PaperQuery>,
) -> HttpResponse {
    let Ok(id) = domain::OrderId::new(path.as_str()) else {
        return refused(&DeskError::NotFound, path.as_str());
    };
    let view = match state.desk.mcp_order_page(&staff.account, &id).await {
        Ok(view) => view,
        Err(e) => return refused(&e, path.as_str()),
    };
    let zone = match state.desk.store_zone(view.order.store.as_str()).await {
        Ok(zone) => zone,
        Err(e) => return failed(&e),
    };
    html(StatusCode::OK, pages::packing::mcp(&staff.account, &staff.csrf, &view.order, &zone, query.paper()))
}

#[get("/orders/mcp/{id}")]
pub(crate) async fn order_view(
    staff: Staff,
    state: web::Data<ConsoleState>,
    path: web::Path<String>,
) -> HttpResponse {
    order_page(&state, &staff, &path, None).await
}

#[post("/orders/mcp/{id}/step")]
pub(crate) async fn step(
    staff: Staff,
    state: web::Data<ConsoleState>,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    if !staff.sent(form.get("csrf")) {
        return stale_form();
    }
    let Ok(id) = domain::OrderId::new(path.as_str()) else {
        return refused(&DeskError::NotFound, path.as_str());
    };
    let wanted = form.get("action").map_or("", String::as_str);
    match state.desk.mcp_step(&staff.account, &id, wanted).await {
        Ok(_) => see_other(&format!("/orders/mcp/{id}")),
        Err(DeskError::UnknownStep(step)) => {
            let message = format!("нет такого шага «{step}»");
            order_page(&state, &staff, &path, Some((StatusCode::UNPROCESSABLE_ENTITY, message))).await
        }
        Err(DeskError::Conflict(why)) => {
            order_page(&state, &staff, &path, Some((StatusCode::CONFLICT, why))).await
        }
        Err(e) => refused(&e, path.as_str()),
    }
}
