//! An order an AI agent placed (MCP): its page — lines, slot, payment,
//! history — and the staff steps the order's state machine allows.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use identity::staff::Permission;
use orders::{Action, OrderError};
use payments::PaymentRepo;
use storage::{DbOrderRepo, DbPaymentRepo, DbStaff};

use crate::{ConsoleState, Staff, failed, forbidden, html, not_found, pages, see_other, stale_form};

/// The steps staff take on an MCP order (payment and expiry move orders
/// themselves).
pub const STAFF_ACTIONS: [Action; 5] =
    [Action::Process, Action::Deliver, Action::ReadyForPickup, Action::Complete, Action::Cancel];

async fn order_page(
    state: &ConsoleState,
    staff: &Staff,
    raw_id: &str,
    error: Option<(StatusCode, String)>,
) -> HttpResponse {
    let Ok(id) = domain::OrderId::new(raw_id) else {
        return not_found("Заказ не найден", &format!("Нет заказа {raw_id}."));
    };
    let order = match state.ordering.order_for(None, &id).await {
        Ok(order) => order,
        Err(OrderError::NotFound) => return not_found("Заказ не найден", &format!("Нет заказа {raw_id}.")),
        Err(e) => return failed(&e),
    };
    if !staff.account.may(Permission::PickIn(order.store.as_str())) {
        return forbidden("Этот заказ другого магазина.");
    }
    let payments = match DbPaymentRepo::new(state.db.clone()).attempts(&id).await {
        Ok(payments) => payments,
        Err(e) => return failed(&e),
    };
    let (events_of, reference) = (id.clone(), format!("mcp:{id}"));
    let read = state
        .db
        .run(move |conn| {
            Ok::<_, storage::StorageError>((
                DbOrderRepo::events(conn, &events_of)?,
                DbStaff::audit_trail(conn, Some(&reference), 200)?,
            ))
        })
        .await;
    let (events, trail) = match read {
        Ok(read) => read,
        Err(e) => return failed(&e),
    };
    let (status, error) = error.map_or((StatusCode::OK, None), |(status, e)| (status, Some(e)));
    let view =
        pages::mcp::McpOrderPage { order: &order, payments: &payments, events: &events, trail: &trail };
    html(status, pages::mcp::order_page(&staff.account, &staff.csrf, &view, error.as_deref()))
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
        return not_found("Заказ не найден", &format!("Нет заказа {}.", path.as_str()));
    };
    let wanted = form.get("action").map_or("", |a| a.trim());
    let Some(action) = STAFF_ACTIONS.into_iter().find(|a| a.as_str() == wanted) else {
        let message = format!("нет такого шага «{wanted}»");
        return order_page(&state, &staff, &path, Some((StatusCode::UNPROCESSABLE_ENTITY, message))).await;
    };
    // The store decides who may step it: read it first.
    match state.ordering.order_for(None, &id).await {
        Ok(order) if staff.account.may(Permission::PickIn(order.store.as_str())) => {}
        Ok(_) => return forbidden("Этот заказ другого магазина."),
        Err(OrderError::NotFound) => return not_found("Заказ не найден", &format!("Нет заказа {id}.")),
        Err(e) => return failed(&e),
    }
    match state.ordering.advance(&id, action).await {
        Ok(order) => {
            let entry = staff.audit(
                action.as_str(),
                Some(format!("mcp:{id}")),
                format!("{{\"to\":\"{}\"}}", order.status),
            );
            if let Err(e) = state.db.run(move |conn| DbStaff::audit(conn, &entry)).await {
                tracing::error!(error = %e, "console: the audit trail was not written");
            }
            see_other(&format!("/orders/mcp/{id}"))
        }
        Err(e @ (OrderError::Illegal(_) | OrderError::NotFound)) => {
            order_page(&state, &staff, &path, Some((StatusCode::CONFLICT, e.to_string()))).await
        }
        Err(e) => failed(&e),
    }
}
