//! The outbox: notifications on their way to Kuper and the ones Kuper
//! refused (dead letters: the order's later notifications wait behind
//! them); an operator retries or discards a dead one.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use staff_desk::{DeskError, Resolution};

use crate::{ConsoleState, Staff, failed, forbidden, html, pages, see_other, stale_form};

const ROWS: i64 = 200;
const NOT_YOURS: &str = "Исходящие видят операторы и администраторы.";

async fn outbox_page(
    state: &ConsoleState,
    staff: &Staff,
    error: Option<(StatusCode, String)>,
) -> HttpResponse {
    match state.desk.outbox(&staff.account, ROWS).await {
        Ok((dead, pending)) => {
            let (status, error) = error.map_or((StatusCode::OK, None), |(s, e)| (s, Some(e)));
            html(status, pages::outbox::page(&staff.account, &staff.csrf, &dead, &pending, error.as_deref()))
        }
        Err(DeskError::Forbidden) => forbidden(NOT_YOURS),
        Err(e) => failed(&e),
    }
}

#[get("/outbox")]
pub(crate) async fn page(staff: Staff, state: web::Data<ConsoleState>) -> HttpResponse {
    outbox_page(&state, &staff, None).await
}

/// `action=retry` puts a dead notification back in the queue (due now);
/// `action=discard` gives it up for good, letting the order's later ones go.
#[post("/outbox/{id}")]
pub(crate) async fn act(
    staff: Staff,
    state: web::Data<ConsoleState>,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    if !staff.sent(form.get("csrf")) {
        return stale_form();
    }
    let Ok(id) = path.parse::<i64>() else {
        let message = format!("нет уведомления «{}»", path.as_str());
        return outbox_page(&state, &staff, Some((StatusCode::NOT_FOUND, message))).await;
    };
    let wanted = form.get("action").map_or("", |a| a.trim());
    let Some(how) = Resolution::parse(wanted) else {
        let message = format!("нет такого действия «{wanted}»");
        return outbox_page(&state, &staff, Some((StatusCode::UNPROCESSABLE_ENTITY, message))).await;
    };
    match state.desk.resolve_dead(&staff.account, id, how).await {
        Ok(()) => {
            let action = how.audit_action();
            tracing::info!(id, action, login = %staff.account.login, "console: a dead notification resolved");
            see_other("/outbox")
        }
        Err(DeskError::Forbidden) => forbidden(NOT_YOURS),
        Err(DeskError::NotFound) => {
            let message = format!("уведомление {id} уже не в мёртвых письмах");
            outbox_page(&state, &staff, Some((StatusCode::CONFLICT, message))).await
        }
        Err(e) => failed(&e),
    }
}
