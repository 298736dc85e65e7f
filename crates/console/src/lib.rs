//! The staff console: server-rendered pages (Russian) where the merchant's
//! people sign in and work orders of both channels. Every asset is in the
//! binary (no CDN, no outside font): it works on a closed store network.
//! One small script enhances the pages — the queue follows new orders over
//! Server-Sent Events, a replacement is found as the picker types — and
//! every form works without it.
//!
//! Sessions: a random 256-bit token in an `HttpOnly`, `SameSite=Strict`
//! cookie (`Secure` when configured), kept as its SHA-256
//! (`staff_desk::StaffDesk::open_session`), eight hours. Every form carries its session's CSRF
//! token (the sign-in form a cookie-bound one) and a form without it is
//! refused (403). Who may see what is `identity::staff`'s rule: a picker
//! sees only their stores' orders.

mod catalog_pages;
mod kuper;
mod live;
mod mcp;
mod outbox;
mod pages;
mod pick_list_page;
mod picking;
mod queue;
mod scanning;
mod session;
mod throttle;

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::middleware::DefaultHeaders;
use actix_web::{HttpResponse, get, web};

pub use session::SESSION_COOKIE;
pub(crate) use session::Staff;
pub use throttle::SignInThrottle;

/// What the console searches for replacements: the catalog's search index
/// and a catalog that answers from it.
#[derive(Clone, Debug)]
pub struct ConsoleCatalog {
    pub repo: Arc<dyn catalog::CatalogRepo>,
    pub index: Arc<dyn catalog::SearchIndex>,
}

/// How the picking page reads a scan: the stores' scale labels, and how
/// far a weighed line may exceed its order (the Kuper rules').
#[derive(Clone, Copy, Debug, Default)]
pub struct Scanning {
    pub labels: catalog::barcode::LabelLayout,
    pub weight_tolerance_permille: u32,
}

#[derive(Clone, Debug)]
pub struct ConsoleState {
    /// What staff may see and do: every page asks it.
    pub desk: Arc<staff_desk::StaffDesk>,
    /// Replacement search and product lookups.
    pub catalog: ConsoleCatalog,
    /// How a picker's scans are read.
    pub scanning: Scanning,
    /// Cookies only over HTTPS.
    pub secure_cookies: bool,
    pub sign_in_throttle: Arc<throttle::SignInThrottle>,
}

pub fn configure(state: ConsoleState) -> impl Fn(&mut web::ServiceConfig) + Clone + Send + 'static {
    move |cfg: &mut web::ServiceConfig| {
        cfg.service(
            web::scope("")
                .app_data(web::Data::new(state.clone()))
                .app_data(web::FormConfig::default().limit(16 * 1024).error_handler(bad_form))
                .app_data(web::QueryConfig::default().error_handler(bad_form))
                .app_data(web::PathConfig::default().error_handler(bad_form))
                // The pages load nothing from elsewhere, and are framed by
                // nobody.
                .wrap(
                    DefaultHeaders::new()
                        .add((header::CONTENT_SECURITY_POLICY, "default-src 'self'; frame-ancestors 'none'"))
                        .add((header::X_FRAME_OPTIONS, "DENY"))
                        .add((header::REFERRER_POLICY, "same-origin"))
                        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                        // Pages carry customers' names and phones: no
                        // browser or proxy keeps a copy.
                        .add((header::CACHE_CONTROL, "no-store")),
                )
                .service(asset)
                .service(session::login_page)
                .service(session::sign_in)
                .service(session::logout)
                .service(queue::queue)
                .service(live::queue_events)
                .service(kuper::packing)
                .service(kuper::order_view)
                .service(kuper::step)
                .service(kuper::replacements)
                .service(mcp::packing)
                .service(mcp::order_view)
                .service(mcp::step)
                .service(outbox::page)
                .service(outbox::act)
                .service(catalog_pages::page)
                .service(pick_list_page::page),
        );
    }
}

/// A form or query the extractor could not read (a number where text was
/// due, a body too large): a page that says so, never a 500.
fn bad_form(e: impl std::fmt::Display, _: &actix_web::HttpRequest) -> actix_web::Error {
    let text = format!("Запрос не разобран: {e}");
    actix_web::error::InternalError::from_response(
        "bad form",
        html(StatusCode::BAD_REQUEST, pages::message("Неверный запрос", &text)),
    )
    .into()
}

/// The embedded stylesheet and script.
#[get("/assets/{name}")]
async fn asset(name: web::Path<String>) -> HttpResponse {
    let (body, kind) = match name.as_str() {
        "console.css" => (include_str!("../assets/console.css"), "text/css; charset=utf-8"),
        "console.js" => (include_str!("../assets/console.js"), "text/javascript; charset=utf-8"),
        "receipt.css" => (include_str!("../assets/receipt.css"), "text/css; charset=utf-8"),
        _ => return HttpResponse::NotFound().finish(),
    };
    HttpResponse::Ok().content_type(kind).insert_header((header::CACHE_CONTROL, "max-age=3600")).body(body)
}

pub(crate) fn html(status: StatusCode, page: maud::Markup) -> HttpResponse {
    HttpResponse::build(status).content_type("text/html; charset=utf-8").body(page.into_string())
}

pub(crate) fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header(("Location", to)).finish()
}

/// A failure to read or write: an unavailable database is a 503 to try
/// again after; anything else (a corrupt row, a broken constraint) is a
/// 500, logged, that trying again will not mend.
pub(crate) fn failed(e: &impl StorageFailure) -> HttpResponse {
    if e.is_unavailable() {
        return unavailable(e);
    }
    tracing::error!(error = %e, "console: a stored row or statement failed");
    html(
        StatusCode::INTERNAL_SERVER_ERROR,
        pages::message("Ошибка сервиса", "Запрос не выполнен; причина записана в журнал сервиса."),
    )
}

/// A storage error of either layer, told apart by whether waiting helps.
pub(crate) trait StorageFailure: std::fmt::Display {
    fn is_unavailable(&self) -> bool;
}

impl StorageFailure for domain::RepoError {
    fn is_unavailable(&self) -> bool {
        domain::RepoError::is_unavailable(self)
    }
}

impl StorageFailure for orders::OrderError {
    fn is_unavailable(&self) -> bool {
        matches!(self, orders::OrderError::StorageDown(_))
    }
}

impl StorageFailure for staff_desk::DeskError {
    fn is_unavailable(&self) -> bool {
        staff_desk::DeskError::is_unavailable(self)
    }
}

pub(crate) fn unavailable(e: &dyn std::fmt::Display) -> HttpResponse {
    tracing::error!(error = %e, "console: the database did not answer");
    let mut response = html(
        StatusCode::SERVICE_UNAVAILABLE,
        pages::message("Сервис временно недоступен", "Попробуйте ещё раз."),
    );
    let (name, value) = http_edge::retry_after();
    response.headers_mut().insert(name, value);
    response
}

pub(crate) fn forbidden(text: &str) -> HttpResponse {
    html(StatusCode::FORBIDDEN, pages::message("Нет доступа", text))
}

pub(crate) fn not_found(title: &str, text: &str) -> HttpResponse {
    html(StatusCode::NOT_FOUND, pages::message(title, text))
}

/// A form that came without its session's CSRF token.
pub(crate) fn stale_form() -> HttpResponse {
    html(StatusCode::FORBIDDEN, pages::message("Форма устарела", "Обновите страницу и повторите."))
}

#[cfg(test)]
mod tests {
    use actix_web::http::StatusCode;
    use domain::RepoError;
    use staff_desk::DeskError;

    use super::failed;

    /// Only waiting on the database is worth a retry; a corrupt row or a
    /// broken constraint is a fault of ours, a 500, with or without the
    /// storage layer's own error in between.
    #[test]
    fn a_storage_failure_is_503_only_when_the_database_is_unavailable() {
        let cases = [
            (RepoError::Unavailable("pool".into()), StatusCode::SERVICE_UNAVAILABLE),
            (
                RepoError::Corrupt { row: "orders 1".into(), detail: "bad".into() },
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
            (RepoError::Conflict("key".into()), StatusCode::INTERNAL_SERVER_ERROR),
            (RepoError::Failed("constraint".into()), StatusCode::INTERNAL_SERVER_ERROR),
        ];
        for (error, status) in cases {
            let response = failed(&error);
            assert_eq!(response.status(), status, "{error}");
            let retry = response.headers().contains_key("Retry-After");
            assert_eq!(retry, status == StatusCode::SERVICE_UNAVAILABLE, "{error}");
        }
        let desk = [
            (DeskError::Repo(RepoError::Unavailable("pool".into())), StatusCode::SERVICE_UNAVAILABLE),
            (
                DeskError::Orders(orders::OrderError::StorageDown("gone".into())),
                StatusCode::SERVICE_UNAVAILABLE,
            ),
            (
                DeskError::Repo(RepoError::Corrupt { row: "orders 1".into(), detail: "shipped?".into() }),
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
        ];
        for (error, status) in desk {
            assert_eq!(failed(&error).status(), status, "{error}");
        }
        let orders = [
            (orders::OrderError::StorageDown("gone".into()), StatusCode::SERVICE_UNAVAILABLE),
            (orders::OrderError::Storage(RepoError::Failed("x".into())), StatusCode::INTERNAL_SERVER_ERROR),
        ];
        for (error, status) in orders {
            assert_eq!(failed(&error).status(), status, "{error}");
        }
    }
}
