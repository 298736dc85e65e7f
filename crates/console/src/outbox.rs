//! The outbox: notifications on their way to Kuper and the ones Kuper
//! refused (dead letters: the order's later notifications wait behind
//! them); an operator retries or discards a dead one.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use identity::staff::Permission;
use storage::{DbKuperOutbox, DbStaff};

use crate::{ConsoleState, Staff, failed, forbidden, html, pages, see_other, stale_form};

const ROWS: i64 = 200;
const NOT_YOURS: &str = "Исходящие видят операторы и администраторы.";

async fn outbox_page(
    state: &ConsoleState,
    staff: &Staff,
    error: Option<(StatusCode, String)>,
) -> HttpResponse {
    let read = state
        .db
        .run(|conn| {
            Ok::<_, storage::StorageError>((
                DbKuperOutbox::list(conn, Some("dead"), ROWS)?,
                DbKuperOutbox::list(conn, Some("pending"), ROWS)?,
            ))
        })
        .await;
    match read {
        Ok((dead, pending)) => {
            let (status, error) = error.map_or((StatusCode::OK, None), |(s, e)| (s, Some(e)));
            html(status, pages::outbox::page(&staff.account, &staff.csrf, &dead, &pending, error.as_deref()))
        }
        Err(e) => failed(&e),
    }
}

#[get("/outbox")]
pub(crate) async fn page(staff: Staff, state: web::Data<ConsoleState>) -> HttpResponse {
    if !staff.account.may(Permission::ResolveStuck) {
        return forbidden(NOT_YOURS);
    }
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
    if !staff.account.may(Permission::ResolveStuck) {
        return forbidden(NOT_YOURS);
    }
    if !staff.sent(form.get("csrf")) {
        return stale_form();
    }
    let Ok(id) = path.parse::<i64>() else {
        let message = format!("нет уведомления «{}»", path.as_str());
        return outbox_page(&state, &staff, Some((StatusCode::NOT_FOUND, message))).await;
    };
    let retry = match form.get("action").map(|a| a.trim()) {
        Some("retry") => true,
        Some("discard") => false,
        other => {
            let message = format!("нет такого действия «{}»", other.unwrap_or_default());
            return outbox_page(&state, &staff, Some((StatusCode::UNPROCESSABLE_ENTITY, message))).await;
        }
    };
    let action = if retry { "outbox.retry" } else { "outbox.discard" };
    let entry = staff.audit(action, None, format!("{{\"notification\":{id}}}"));
    let done = state
        .db
        .run(move |conn| {
            let changed =
                if retry { DbKuperOutbox::revive(conn, id)? } else { DbKuperOutbox::discard(conn, id)? };
            if changed {
                DbStaff::audit(conn, &entry)?;
            }
            Ok::<_, storage::StorageError>(changed)
        })
        .await;
    match done {
        Ok(true) => {
            tracing::info!(id, retry, login = %staff.account.login, "console: a dead notification resolved");
            see_other("/outbox")
        }
        Ok(false) => {
            let message = format!("уведомление {id} уже не в мёртвых письмах");
            outbox_page(&state, &staff, Some((StatusCode::CONFLICT, message))).await
        }
        Err(e) => failed(&e),
    }
}
