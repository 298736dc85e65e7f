//! The pick list: one list for a store's orders due soon, to print and
//! take round the shelves (`/picklist?store=…&due_within=…`, minutes;
//! `paper=80mm` for a receipt printer).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use staff_desk::{DeskError, MAX_DUE_MINUTES};

use crate::pages::pick_list::{Paper, PickListForm};
use crate::{ConsoleState, Staff, failed, forbidden, html, pages};

/// The next hour, unless asked otherwise.
const DEFAULT_DUE_MINUTES: u32 = 60;

#[derive(Clone, Debug, Default, serde::Deserialize)]
pub(crate) struct PickListQuery {
    store: Option<String>,
    due_within: Option<String>,
    paper: Option<String>,
}

#[get("/picklist")]
pub(crate) async fn page(
    staff: Staff,
    state: web::Data<ConsoleState>,
    query: web::Query<PickListQuery>,
) -> HttpResponse {
    let paper = if query.paper.as_deref() == Some("80mm") { Paper::Receipt } else { Paper::A4 };
    // A picker's first store unless they asked for one.
    let store = query
        .store
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .or_else(|| staff.account.store_scope().and_then(|s| s.first().cloned()));
    let due = query.due_within.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let due_within = match due.map(str::parse::<u32>) {
        None => DEFAULT_DUE_MINUTES,
        Some(Ok(minutes)) if minutes <= MAX_DUE_MINUTES => minutes,
        Some(_) => {
            let form = PickListForm { store: store.as_deref(), due_within: due.unwrap_or_default(), paper };
            let error = format!("срок — число минут от 0 до {MAX_DUE_MINUTES}");
            let page = pages::pick_list::page(&staff.account, &staff.csrf, &form, None, Some(&error));
            return html(StatusCode::BAD_REQUEST, page);
        }
    };
    let typed = due_within.to_string();
    let form = PickListForm { store: store.as_deref(), due_within: &typed, paper };
    let Some(store) = store.as_deref() else {
        return html(StatusCode::OK, pages::pick_list::page(&staff.account, &staff.csrf, &form, None, None));
    };
    match state.desk.pick_list(&staff.account, store, due_within).await {
        Ok(list) => html(
            StatusCode::OK,
            pages::pick_list::page(&staff.account, &staff.csrf, &form, Some(&list), None),
        ),
        Err(DeskError::Forbidden) => forbidden("Это не ваш магазин."),
        Err(e) => failed(&e),
    }
}
