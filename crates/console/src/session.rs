//! Who is at the console: sign-in (a cookie-bound CSRF token on the form,
//! throttled per login and address, [`crate::throttle`]), the session
//! cookie, and the [`Staff`] extractor every other page takes.

use std::fmt::Write as _;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use identity::staff::{SESSION_HOURS, SignIn, StaffAccount};
use sha2::{Digest, Sha256};

use crate::{ConsoleState, failed, html, pages, see_other, stale_form, unavailable};

pub const SESSION_COOKIE: &str = "console_session";
const LOGIN_CSRF_COOKIE: &str = "console_login_csrf";
/// The one answer to an unknown login, a wrong password, a disabled
/// account and a caller who tried too often.
const REFUSED: &str =
    "Неверный логин или пароль. После нескольких неудачных попыток вход с этого адреса закрыт на 15 минут.";

/// 256 random bits, hex; `None` when the system has no randomness to give
/// (the caller answers 503 rather than issue a guessable token).
fn random_token() -> Option<String> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).ok()?;
    Some(bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    }))
}

fn hash(token: &str) -> String {
    domain::hex(&Sha256::digest(token.as_bytes()))
}

fn cookie(state: &ConsoleState, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .secure(state.secure_cookies)
        .same_site(SameSite::Strict)
        .finish()
}

/// The signed-in staff member of a request: an extractor, so a handler
/// that takes one is never reached without a session (the answer is then
/// the way to sign in, or a 503 when the database does not answer).
pub(crate) struct Staff {
    pub account: StaffAccount,
    pub csrf: String,
    token_hash: String,
}

impl Staff {
    /// Whether a form carries this session's CSRF token.
    pub fn sent(&self, csrf: Option<&String>) -> bool {
        csrf.is_some_and(|given| domain::same_secret(given.as_bytes(), self.csrf.as_bytes()))
    }

    /// Whether this session is still open (not signed out, expired, ended
    /// by a new password, or its account disabled); `None` when the
    /// database does not answer.
    pub async fn still_signed_in(&self, state: &ConsoleState) -> Option<bool> {
        state.desk.session(&self.token_hash).await.ok().map(|s| s.is_some())
    }
}

#[derive(Debug)]
pub(crate) enum NoStaff {
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
            match state.desk.session(&token_hash).await {
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
pub(crate) struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

fn login_form(state: &ConsoleState, status: StatusCode, typed: &str, error: Option<&str>) -> HttpResponse {
    let Some(csrf) = random_token() else { return unavailable(&"no randomness for a CSRF token") };
    let mut response = html(status, pages::login(typed, &csrf, error));
    let _ = response.add_cookie(&cookie(state, LOGIN_CSRF_COOKIE, csrf));
    response
}

#[get("/login")]
pub(crate) async fn login_page(state: web::Data<ConsoleState>) -> HttpResponse {
    login_form(&state, StatusCode::OK, "", None)
}

#[post("/login")]
pub(crate) async fn sign_in(
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
        return login_form(&state, StatusCode::BAD_REQUEST, &login, Some("Введите логин и пароль."));
    }
    let address = crate::throttle::caller_address(&req);
    let allowed = state.sign_in_throttle.allows(&login, &address).await;
    let outcome = state.desk.sign_in(&login, password, allowed).await;
    let account = match outcome {
        Ok(SignIn::Accepted(account)) => account,
        Ok(SignIn::Refused) => {
            if allowed {
                state.sign_in_throttle.failed(&login, &address).await;
            }
            tracing::warn!(login = %domain::log_safe(&login), throttled = !allowed, "console: sign-in refused");
            return login_form(&state, StatusCode::BAD_REQUEST, &login, Some(REFUSED));
        }
        Err(e) => return failed(&e),
    };
    let (Some(token), Some(csrf)) = (random_token(), random_token()) else {
        return unavailable(&"no randomness for a session");
    };
    if let Err(e) = state.desk.open_session(&account, &hash(&token), &csrf).await {
        return failed(&e);
    }
    tracing::info!(login = %account.login, role = account.role.as_str(), "console: signed in");
    let mut response = see_other("/");
    let mut session = cookie(&state, SESSION_COOKIE, token);
    session.set_max_age(actix_web::cookie::time::Duration::hours(SESSION_HOURS));
    let _ = response.add_cookie(&session);
    response
}

#[post("/logout")]
pub(crate) async fn logout(
    staff: Staff,
    state: web::Data<ConsoleState>,
    form: web::Form<std::collections::HashMap<String, String>>,
) -> HttpResponse {
    if !staff.sent(form.get("csrf")) {
        return stale_form();
    }
    if let Err(e) = state.desk.sign_out(&staff.token_hash).await {
        return failed(&e);
    }
    let mut response = see_other("/login");
    let mut gone = cookie(&state, SESSION_COOKIE, String::new());
    gone.make_removal();
    let _ = response.add_cookie(&gone);
    response
}
