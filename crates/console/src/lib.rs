//! The staff console: server-rendered pages (Russian) where the merchant's
//! people sign in and work orders of both channels. No script and no asset
//! from anywhere else: it works on a closed store network.
//!
//! Sessions: a random 256-bit token in an `HttpOnly`, `SameSite=Strict`
//! cookie, kept as its SHA-256 (`storage::DbStaff`), eight hours. Every form
//! carries its session's CSRF token (the sign-in form a cookie-bound one)
//! and a form without it is refused (403). Who may see what is
//! `identity::staff`'s rule: a picker sees only their stores' orders.

mod pages;
mod picking;

use std::fmt::Write as _;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::Utc;
use identity::staff::{self, Permission, StaffAccount};
use sha2::{Digest, Sha256};
use storage::{AuditEntry, BookFilter, Database, DbKuperInbox, DbOrderBook, DbStaff, SignIn};

pub const SESSION_COOKIE: &str = "console_session";
const LOGIN_CSRF_COOKIE: &str = "console_login_csrf";
const SESSION_HOURS: i64 = 8;

#[derive(Clone, Debug)]
pub struct ConsoleState {
    pub db: Database,
    /// The merchant's choices in the Kuper rules (weight tolerance).
    pub rules: orders::kuper::KuperRules,
}

pub fn configure(state: ConsoleState) -> impl Fn(&mut web::ServiceConfig) + Clone + Send + 'static {
    move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(web::Data::new(state.clone()))
            .app_data(web::FormConfig::default().limit(16 * 1024))
            .service(login_page)
            .service(sign_in)
            .service(logout)
            .service(queue)
            .service(kuper_order)
            .service(kuper_step);
    }
}

fn random_token() -> String {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).expect("the system's randomness is available");
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn hash(token: &str) -> String {
    domain::hex(&Sha256::digest(token.as_bytes()))
}

fn html(status: StatusCode, page: maud::Markup) -> HttpResponse {
    HttpResponse::build(status).content_type("text/html; charset=utf-8").body(page.into_string())
}

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header(("Location", to)).finish()
}

fn unavailable(e: &dyn std::fmt::Display) -> HttpResponse {
    tracing::error!(error = %e, "console: the database did not answer");
    html(StatusCode::SERVICE_UNAVAILABLE, pages::message("Сервис временно недоступен", "Попробуйте ещё раз."))
}

/// The signed-in staff member of a request: an extractor, so a handler
/// that takes one is never reached without a session (the answer is then
/// the way to sign in, or a 503 when the database does not answer).
struct Staff {
    account: StaffAccount,
    csrf: String,
    token_hash: String,
}

#[derive(Debug)]
enum NoStaff {
    SignIn,
    Unavailable,
}

impl std::fmt::Display for NoStaff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NoStaff::SignIn => "not signed in",
            NoStaff::Unavailable => "the database did not answer",
        })
    }
}

impl actix_web::ResponseError for NoStaff {
    fn status_code(&self) -> StatusCode {
        match self {
            NoStaff::SignIn => StatusCode::SEE_OTHER,
            NoStaff::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            NoStaff::SignIn => see_other("/login"),
            NoStaff::Unavailable => unavailable(self),
        }
    }
}

impl actix_web::FromRequest for Staff {
    type Error = NoStaff;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Staff, NoStaff>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<ConsoleState>>().cloned();
        let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
        Box::pin(async move {
            let (Some(state), Some(token)) = (state, token) else { return Err(NoStaff::SignIn) };
            let token_hash = hash(&token);
            let lookup = token_hash.clone();
            match state.db.run(move |conn| DbStaff::session(conn, &lookup, Utc::now())).await {
                Ok(Some((account, csrf))) => Ok(Staff { account, csrf, token_hash }),
                Ok(None) => Err(NoStaff::SignIn),
                Err(e) => {
                    tracing::error!(error = %e, "console: sessions cannot be read");
                    Err(NoStaff::Unavailable)
                }
            }
        })
    }
}

#[derive(serde::Deserialize)]
struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

fn login_form(status: StatusCode, typed: &str, error: Option<&str>) -> HttpResponse {
    let csrf = random_token();
    let mut response = html(status, pages::login(typed, &csrf, error));
    let cookie =
        Cookie::build(LOGIN_CSRF_COOKIE, csrf).path("/").http_only(true).same_site(SameSite::Strict).finish();
    let _ = response.add_cookie(&cookie);
    response
}

#[get("/login")]
async fn login_page() -> HttpResponse {
    login_form(StatusCode::OK, "", None)
}

#[post("/login")]
async fn sign_in(
    req: HttpRequest,
    state: web::Data<ConsoleState>,
    form: web::Form<LoginForm>,
) -> HttpResponse {
    let expected = req.cookie(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    if expected.is_empty() || !domain::same_secret(form.csrf.as_bytes(), expected.as_bytes()) {
        return html(
            StatusCode::FORBIDDEN,
            pages::message("Форма устарела", "Откройте страницу входа заново."),
        );
    }
    let (login, password) = (form.login.trim().to_owned(), form.password.clone());
    if login.is_empty() || password.is_empty() {
        return login_form(StatusCode::BAD_REQUEST, &login, Some("Введите логин и пароль."));
    }
    let who = login.clone();
    let outcome = state
        .db
        .run(move |conn| {
            DbStaff::sign_in(conn, &who, |hash| staff::password_matches(&password, hash), Utc::now())
        })
        .await;
    let account = match outcome {
        Ok(SignIn::Accepted(account)) => account,
        Ok(SignIn::Refused) => {
            tracing::warn!(login = %login, "console: sign-in refused");
            return login_form(StatusCode::BAD_REQUEST, &login, Some("Неверный логин или пароль."));
        }
        Ok(SignIn::Locked { until }) => {
            let message =
                format!("Слишком много неудачных попыток: вход закрыт до {} UTC.", until.format("%H:%M"));
            return login_form(StatusCode::TOO_MANY_REQUESTS, &login, Some(&message));
        }
        Err(e) => return unavailable(&e),
    };
    let (token, csrf, now) = (random_token(), random_token(), Utc::now());
    let (token_hash, who) = (hash(&token), account.login.clone());
    let opened = state
        .db
        .run(move |conn| {
            DbStaff::open_session(
                conn,
                &token_hash,
                &who,
                &csrf,
                now,
                now + chrono::Duration::hours(SESSION_HOURS),
            )?;
            let entry = AuditEntry {
                at: now,
                login: who.clone(),
                action: "sign_in".into(),
                order_ref: None,
                detail: "{}".into(),
            };
            DbStaff::audit(conn, &entry)
        })
        .await;
    if let Err(e) = opened {
        return unavailable(&e);
    }
    tracing::info!(login = %account.login, role = account.role.as_str(), "console: signed in");
    let mut response = see_other("/");
    let cookie = Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(actix_web::cookie::time::Duration::hours(SESSION_HOURS))
        .finish();
    let _ = response.add_cookie(&cookie);
    response
}

#[derive(serde::Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

#[post("/logout")]
async fn logout(staff: Staff, state: web::Data<ConsoleState>, form: web::Form<CsrfForm>) -> HttpResponse {
    if !domain::same_secret(form.csrf.as_bytes(), staff.csrf.as_bytes()) {
        return html(StatusCode::FORBIDDEN, pages::message("Форма устарела", "Обновите страницу."));
    }
    let token_hash = staff.token_hash.clone();
    if let Err(e) = state.db.run(move |conn| DbStaff::close_session(conn, &token_hash)).await {
        return unavailable(&e);
    }
    let mut response = see_other("/login");
    let mut gone = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    gone.make_removal();
    let _ = response.add_cookie(&gone);
    response
}

#[derive(serde::Deserialize)]
struct QueueQuery {
    store: Option<String>,
    status: Option<String>,
    channel: Option<String>,
}

/// The queue of both channels: what needs a person first, then the orders,
/// newest first; a picker sees their stores only.
#[get("/")]
async fn queue(staff: Staff, state: web::Data<ConsoleState>, query: web::Query<QueueQuery>) -> HttpResponse {
    let blank = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    // A picker's stores limit the query itself: filtered after the limit,
    // a busy chain's other stores could leave their queue empty.
    let filter = BookFilter {
        channel: blank(&query.channel),
        store: blank(&query.store),
        status: blank(&query.status),
        within: staff.account.store_scope().map(<[String]>::to_vec),
    };
    let resolves = staff.account.may(Permission::ResolveStuck);
    let read = state
        .db
        .run(move |conn| {
            let book = DbOrderBook::list(conn, &filter, 500)?;
            let attention = if resolves { DbKuperInbox::attention(conn, 50)? } else { Vec::new() };
            Ok::<_, storage::StorageError>((book, attention))
        })
        .await;
    let (book, attention) = match read {
        Ok(read) => read,
        Err(e) => return unavailable(&e),
    };
    html(
        StatusCode::OK,
        pages::queue(
            &staff.account,
            &staff.csrf,
            &book,
            &attention,
            query.store.as_deref(),
            query.status.as_deref(),
            query.channel.as_deref(),
        ),
    )
}

/// A Kuper order's page, with `error` beside its form when a step was
/// refused.
async fn order_page(
    state: &ConsoleState,
    staff: &Staff,
    id: String,
    error: Option<(StatusCode, String)>,
) -> HttpResponse {
    let original = id.clone();
    let read = state
        .db
        .run(move |conn| {
            let order = DbKuperInbox::order(conn, &original)?;
            let trail = match &order {
                Some(o) => DbStaff::audit_trail(conn, Some(&format!("kuper:{}", o.original_order_id)), 200)?,
                None => Vec::new(),
            };
            Ok::<_, storage::StorageError>((order, trail))
        })
        .await;
    match read {
        Ok((Some(order), trail)) if staff.account.may(Permission::PickIn(&order.store_id)) => {
            let (status, message) = error.map_or((StatusCode::OK, None), |(status, m)| (status, Some(m)));
            html(status, pages::kuper_order(&staff.account, &staff.csrf, &order, &trail, message.as_deref()))
        }
        Ok((Some(_), _)) => {
            html(StatusCode::FORBIDDEN, pages::message("Нет доступа", "Этот заказ другого магазина."))
        }
        Ok((None, _)) => html(
            StatusCode::NOT_FOUND,
            pages::message("Заказ не найден", &format!("Нет заказа Купера {id}.")),
        ),
        Err(e) => unavailable(&e),
    }
}

/// A Kuper order: what Kuper told us, its lines, its history and who did
/// what; 403 for a picker of another store.
#[get("/orders/kuper/{id}")]
async fn kuper_order(staff: Staff, state: web::Data<ConsoleState>, path: web::Path<String>) -> HttpResponse {
    order_page(&state, &staff, path.into_inner(), None).await
}

/// A staff step from the picking form: checked, taken by the flow (its
/// notification queued), and recorded in the audit trail.
#[post("/orders/kuper/{id}/step")]
async fn kuper_step(
    staff: Staff,
    state: web::Data<ConsoleState>,
    path: web::Path<String>,
    form: web::Form<std::collections::HashMap<String, String>>,
) -> HttpResponse {
    let csrf = form.get("csrf").map_or("", String::as_str);
    if !domain::same_secret(csrf.as_bytes(), staff.csrf.as_bytes()) {
        return html(StatusCode::FORBIDDEN, pages::message("Форма устарела", "Обновите страницу."));
    }
    let id = path.into_inner();
    let original = id.clone();
    let order = match state.db.run(move |conn| DbKuperInbox::order(conn, &original)).await {
        Ok(Some(order)) => order,
        Ok(None) => return html(StatusCode::NOT_FOUND, pages::message("Заказ не найден", &id)),
        Err(e) => return unavailable(&e),
    };
    if !staff.account.may(Permission::PickIn(&order.store_id)) {
        return html(StatusCode::FORBIDDEN, pages::message("Нет доступа", "Этот заказ другого магазина."));
    }
    let request = match picking::request(&form, &order.lines) {
        Ok(request) => request,
        Err(message) => {
            return order_page(&state, &staff, id, Some((StatusCode::UNPROCESSABLE_ENTITY, message))).await;
        }
    };
    let (rules, login, original, now) = (state.rules, staff.account.login.clone(), id.clone(), Utc::now());
    let done = state
        .db
        .run(move |conn| {
            let outcome = DbKuperInbox::act_under(conn, &original, &request, rules, now)?;
            if outcome.is_ok() {
                let entry = AuditEntry {
                    at: now,
                    login,
                    action: request.action.notification().into(),
                    order_ref: Some(format!("kuper:{original}")),
                    detail: request.payload.to_string(),
                };
                DbStaff::audit(conn, &entry)?;
            }
            Ok::<_, storage::StorageError>(outcome)
        })
        .await;
    match done {
        Ok(Ok(_)) => see_other(&format!("/orders/kuper/{id}")),
        Ok(Err(e @ orders::kuper::ActError::Illegal(_))) => {
            order_page(&state, &staff, id, Some((StatusCode::CONFLICT, e.to_string()))).await
        }
        Ok(Err(e)) => {
            order_page(&state, &staff, id, Some((StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))).await
        }
        Err(e) => unavailable(&e),
    }
}
