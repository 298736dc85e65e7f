//! The queue of both channels: what needs a person first, then the orders,
//! newest first; a picker sees their stores only.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use identity::staff::Permission;
use storage::{BookFilter, DbKuperInbox, DbOrderBook};

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
    /// The book's filter for `staff`, or what is wrong with the form.
    /// A picker's stores limit the query itself: filtered after the limit,
    /// a busy chain's other stores could leave their queue empty.
    pub fn filter(&self, staff: &Staff) -> Result<BookFilter, FieldError> {
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
        Ok(BookFilter {
            channel,
            store: blank(&self.store),
            status,
            within: staff.account.store_scope().map(<[String]>::to_vec),
            due_by,
        })
    }
}

/// What the live queue watches for a page's filter: any status change
/// and any order, due or not yet, may change what the page shows.
pub(crate) fn live_filter(filter: &BookFilter) -> BookFilter {
    BookFilter { status: None, due_by: None, ..filter.clone() }
}

#[get("/")]
pub(crate) async fn queue(
    staff: Staff,
    state: web::Data<ConsoleState>,
    query: web::Query<QueueQuery>,
) -> HttpResponse {
    let filter = match query.filter(&staff) {
        Ok(filter) => filter,
        Err(error) => {
            let queue = pages::queue::Queue::default();
            let page = pages::queue::page(&staff.account, &staff.csrf, &queue, &query, Some(&error));
            return html(StatusCode::BAD_REQUEST, page);
        }
    };
    let resolves = staff.account.may(Permission::ResolveStuck);
    let read = state
        .db
        .run(move |conn| {
            // Read first: an order that lands while the list is read is
            // then news to the live queue, never lost between the two.
            let stamp = DbOrderBook::stamp(conn, &live_filter(&filter))?;
            let mut book = DbOrderBook::list(conn, &filter, QUEUE_ROWS)?;
            // What is due soon comes first, the most pressing on top; the
            // rest stays newest first.
            let now = chrono::Utc::now();
            let soon = |e: &storage::BookEntry| orders::book::due_soon(&e.channel, &e.status, e.due_at, now);
            book.sort_by_key(|e| if soon(e) { (0, e.due_at) } else { (1, None) });
            let attention = if resolves { DbKuperInbox::attention(conn, 50)? } else { Vec::new() };
            Ok::<_, storage::StorageError>(pages::queue::Queue { book, attention, stamp })
        })
        .await;
    match read {
        Ok(queue) => {
            html(StatusCode::OK, pages::queue::page(&staff.account, &staff.csrf, &queue, &query, None))
        }
        Err(e) => failed(&e),
    }
}
