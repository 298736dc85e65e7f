//! The queue, live: a Server-Sent Events stream that says `queue` whenever
//! the orders a staff member's queue shows change (a new order, a status
//! moved); the page's script then fetches the queue again. The database is
//! asked once a second per open page, for a mark (`OrderBook::stamp`),
//! never the whole list. The stream ends within seconds of its session
//! (signed out, expired, ended by a new password, the account disabled).

use std::time::Duration;

use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, web};

use crate::queue::QueueQuery;
use crate::{ConsoleState, Staff};

const EVERY: Duration = Duration::from_secs(1);
/// A comment line this often keeps proxies from closing a quiet stream.
const KEEPALIVE_TICKS: u32 = 15;
/// The session is looked at again this often.
const SESSION_TICKS: u32 = 5;

struct Watch {
    state: web::Data<ConsoleState>,
    staff: Staff,
    filter: orders::book::BookFilter,
    last: Option<String>,
    quiet: u32,
    ticks: u32,
}

#[get("/queue/events")]
pub(crate) async fn queue_events(
    staff: Staff,
    state: web::Data<ConsoleState>,
    query: web::Query<QueueQuery>,
) -> HttpResponse {
    let Ok(filter) = query.filter() else {
        return HttpResponse::BadRequest().finish();
    };
    let watch = Watch { state, staff, filter, last: query.since.clone(), quiet: 0, ticks: 0 };
    let events = futures_util::stream::unfold(watch, |mut watch| async move {
        loop {
            watch.ticks += 1;
            // A database that does not answer ends nothing: the stamp read
            // below says so in the log.
            if watch.ticks % SESSION_TICKS == 0
                && watch.staff.still_signed_in(&watch.state).await == Some(false)
            {
                return None;
            }
            let stamp = watch.state.desk.queue_stamp(&watch.staff.account, &watch.filter).await;
            let event = match stamp {
                Ok(stamp) if watch.last.as_ref() != Some(&stamp) => {
                    let first = watch.last.is_none();
                    watch.last = Some(stamp);
                    // The first mark is the page as it was rendered.
                    (!first).then(|| Bytes::from_static(b"event: queue\ndata: changed\n\n"))
                }
                Ok(_) => None,
                Err(e) => {
                    tracing::warn!(error = %e, "console: the live queue cannot read the book");
                    None
                }
            };
            let event = event.or_else(|| {
                watch.quiet += 1;
                (watch.quiet >= KEEPALIVE_TICKS).then(|| Bytes::from_static(b": still here\n\n"))
            });
            if let Some(event) = event {
                watch.quiet = 0;
                return Some((Ok::<_, actix_web::Error>(event), watch));
            }
            tokio::time::sleep(EVERY).await;
        }
    });
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(events)
}
