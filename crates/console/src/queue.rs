//! The queue of both channels: what needs a person first, then the orders,
//! newest first; a picker sees their stores only.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use orders::book::BookFilter;

use crate::{ConsoleState, Staff, failed, html, pages};

/// How many orders the queue shows.
pub const QUEUE_ROWS: i64 = 500;
/// The longest "due within" the filter takes: a week.
const MAX_DUE_MINUTES: u32 = 7 * 24 * 60;

#[derive(Clone, Debug, Default, serde::Deserialize)]
pub(crate) struct QueueQuery {
    pub store: Option<String>,
    pub status: Option<String>,
    pub channel: Option<String>,
    /// Only orders due within this many minutes (or overdue).
    pub due: Option<String>,
    /// The live queue: the book's mark when the page was rendered.
    pub since: Option<String>,
}

/// A filter field the queue cannot use, and why.
pub(crate) struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl QueueQuery {
    /// The book's filter the form asks for, or what is wrong with it
    /// (the desk limits it to what the staff member may see).
    pub fn filter(&self) -> Result<BookFilter, FieldError> {
        let blank = |v: &Option<String>| v.as_ref().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let channel = blank(&self.channel);
        if let Some(c) = channel.as_deref().filter(|c| !["mcp", "kuper"].contains(c)) {
            return Err(FieldError {
                field: "channel", message: format!("нет канала «{c}»: mcp или kuper")
            });
        }
        let status = blank(&self.status);
        if let Some(s) = status.as_deref() {
            let known = s.parse::<orders::OrderStatus>().is_ok()
                || orders::kuper::flow::KuperStatus::parse(s).is_some();
            if !known {
                return Err(FieldError {
                    field: "status", message: format!("нет статуса «{s}»")
                });
            }
        }
        let due_by = match blank(&self.due).map(|d| d.parse::<u32>()) {
            None => None,
            Some(Ok(minutes)) if minutes <= MAX_DUE_MINUTES => {
                Some(chrono::Utc::now() + chrono::Duration::minutes(i64::from(minutes)))
            }
            Some(_) => {
                let message = format!("срок — число минут от 0 до {MAX_DUE_MINUTES}");
                return Err(FieldError { field: "due", message });
            }
        };
        Ok(BookFilter { channel, store: blank(&self.store), status, within: None, due_by })
    }
}

#[get("/")]
pub(crate) async fn queue(
    staff: Staff,
    state: web::Data<ConsoleState>,
    query: web::Query<QueueQuery>,
) -> HttpResponse {
    let filter = match query.filter() {
        Ok(filter) => filter,
        Err(error) => {
            let queue = staff_desk::Queue::default();
            let page = pages::queue::page(&staff.account, &staff.csrf, &queue, &query, Some(&error));
            return html(StatusCode::BAD_REQUEST, page);
        }
    };
    match state.desk.queue(&staff.account, &filter, QUEUE_ROWS).await {
        Ok(queue) => {
            html(StatusCode::OK, pages::queue::page(&staff.account, &staff.csrf, &queue, &query, None))
        }
        Err(e) => failed(&e),
    }
}
