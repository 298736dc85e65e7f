//! 1C's "exchange with a site" (обмен с сайтом), as 1C itself runs it: the
//! merchant's 1C operator types our URL (`/1c/exchange`), a login and a
//! password into the exchange settings they already know, and 1C makes
//! the calls.
//!
//! `type=catalog`: `checkauth` (HTTP Basic; answers `success`, the cookie's
//! name and value), `init` (`zip=yes`, `file_limit`), `file` (a part of a
//! file, appended; a zip archive is unpacked at the first `import`, its
//! entries kept in the folder and its size bounded), `import` (the file applied whole, or `failure` with the
//! reason and nothing of it applied). `type=sale`: `query` (the orders of
//! both channels 1C has not confirmed, as CommerceML), `success` (1C took
//! them: not sent again until they change), `file` (1C's changes: paid,
//! shipped, done, canceled, each taken through the order's state machine;
//! what the machine refuses is reported). Every answer but `query`'s is
//! text, a line per fact, as 1C reads it. The session is the cookie: kept by its hash in the
//! database, so that it survives a restart and any instance answers it.
//!
//! Off unless `MERCHANT_ONEC_USER` and `_PASSWORD` are set.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use catalog::import::onec::{ImportError, OneCExchange, safe_filename};
use domain::Clock;
use orders::onec::{OneCSale, SaleError};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// The cookie `checkauth` hands 1C.
pub const COOKIE: &str = "merchant_1c";
/// Where 1C is pointed.
pub const PATH: &str = "/1c/exchange";

#[derive(Clone)]
pub struct ExchangeState {
    pub exchange: Arc<dyn OneCExchange>,
    pub sale: Arc<dyn OneCSale>,
    pub user: String,
    pub password: SecretString,
    /// The shop's price type (`ТипЦены` id or name); `None`: the file's
    /// only one.
    pub price_type: Option<String>,
    /// The largest part 1C may send at once (`init`'s `file_limit`).
    pub file_limit: usize,
    /// The largest file, all parts together.
    pub max_file_bytes: u64,
    /// A session not seen this long is over.
    pub session_idle: Duration,
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for ExchangeState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExchangeState")
            .field("user", &self.user)
            .field("price_type", &self.price_type)
            .field("file_limit", &self.file_limit)
            .finish_non_exhaustive()
    }
}

/// The exchange's route; its body limit is the part size.
pub fn configure(state: ExchangeState) -> impl Fn(&mut web::ServiceConfig) + Clone {
    let state = web::Data::new(state);
    move |cfg: &mut web::ServiceConfig| {
        let limit = state.file_limit + 1024;
        cfg.service(
            web::resource(PATH)
                .app_data(state.clone())
                .app_data(web::PayloadConfig::new(limit))
                .route(web::get().to(exchange))
                .route(web::post().to(exchange)),
        );
    }
}

/// An answer as 1C reads it: text, a line each.
fn text(lines: &[&str]) -> HttpResponse {
    let mut body = lines.join("\n");
    body.push('\n');
    HttpResponse::Ok()
        .content_type(ContentType::plaintext())
        .insert_header(("Cache-Control", "no-store"))
        .body(body)
}

/// `success`, a summary, and the first of what 1C's operator should read
/// (what was left out or refused, with why).
fn success(summary: &str, details: &[String]) -> HttpResponse {
    let mut lines = vec!["success", summary];
    lines.extend(details.iter().take(20).map(String::as_str));
    text(&lines)
}

fn failure(why: &str) -> HttpResponse {
    // One line of reason: 1C shows the second line to its operator.
    text(&["failure", &why.replace(['\n', '\r'], " ")])
}

fn query(req: &HttpRequest, name: &str) -> Option<String> {
    web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .ok()?
        .0
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The `filename` 1C names, kept inside the exchange's folder.
fn filename(req: &HttpRequest) -> Option<String> {
    query(req, "filename").as_deref().and_then(safe_filename)
}

const NO_FILENAME: &str = "filename is missing or leaves the exchange's folder";

fn hash(token: &str) -> String {
    domain::hex(&Sha256::digest(token.as_bytes()))
}

fn basic_matches(req: &HttpRequest, state: &ExchangeState) -> bool {
    let expected = format!("{}:{}", state.user, state.password.expose_secret());
    req.headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.strip_prefix("Basic "))
        .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64.trim()).ok())
        .is_some_and(|given| domain::same_secret(&given, expected.as_bytes()))
}

/// The session token 1C presents: the cookie `checkauth` gave, or (some
/// configurations) the `sessid` it was told.
fn presented(req: &HttpRequest) -> Option<String> {
    let cookie = req.headers().get_all("Cookie").filter_map(|v| v.to_str().ok()).find_map(|header| {
        header.split(';').find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == COOKIE).then(|| value.trim().to_owned())
        })
    });
    cookie.or_else(|| query(req, "sessid")).filter(|t| !t.is_empty())
}

async fn checkauth(req: &HttpRequest, state: &ExchangeState) -> HttpResponse {
    if !basic_matches(req, state) {
        tracing::warn!("1C exchange: checkauth with wrong credentials");
        return HttpResponse::Unauthorized()
            .insert_header(("WWW-Authenticate", "Basic realm=\"1c-exchange\""))
            .body("failure\nwrong login or password\n");
    }
    let mut bytes = [0_u8; 32];
    if getrandom::fill(&mut bytes).is_err() {
        return failure("no randomness for a session");
    }
    let token = domain::hex(&bytes);
    match state.exchange.open_session(&hash(&token), state.clock.now()).await {
        Ok(()) => {
            let sessid = format!("sessid={token}");
            let timestamp = format!("timestamp={}", state.clock.now().timestamp());
            text(&["success", COOKIE, &token, &sessid, &timestamp])
        }
        Err(e) => failure(&format!("storage unavailable: {e}")),
    }
}

/// How many orders one `query` hands 1C at most; the rest come next time.
const ORDERS_PER_QUERY: i64 = 500;

async fn sale_file(
    state: &ExchangeState,
    session: &str,
    filename: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> HttpResponse {
    match state.sale.apply(session, filename, now).await {
        Ok(report) => {
            tracing::info!(
                documents = report.documents,
                steps = report.steps,
                refused = report.refused.len(),
                "1C exchange: order changes applied"
            );
            let summary = format!(
                "{} documents, {} steps taken, {} refused",
                report.documents,
                report.steps,
                report.refused.len()
            );
            success(&summary, &report.refused)
        }
        // A file still coming in parts: wait for the rest.
        Err(SaleError::File(why)) if why.contains("ends inside") => text(&["success"]),
        Err(SaleError::File(why)) => failure(&format!("{filename}: {why}")),
        Err(SaleError::Repo(e)) => failure(&format!("storage unavailable: {e}")),
    }
}

/// One call of the exchange.
async fn exchange(req: HttpRequest, body: web::Bytes, state: web::Data<ExchangeState>) -> HttpResponse {
    let kind = query(&req, "type").unwrap_or_default();
    let mode = query(&req, "mode").unwrap_or_default();
    if mode == "checkauth" {
        return checkauth(&req, &state).await;
    }
    let now = state.clock.now();
    let since = now - chrono::Duration::from_std(state.session_idle).unwrap_or_default();
    let session = match presented(&req) {
        Some(token) => hash(&token),
        None => return failure("no session: call checkauth first"),
    };
    match state.exchange.touch_session(&session, since, now).await {
        Ok(true) => {}
        Ok(false) => return failure("the session is over: call checkauth again"),
        Err(e) => return failure(&format!("storage unavailable: {e}")),
    }
    match (kind.as_str(), mode.as_str()) {
        (_, "init") => text(&["zip=yes", &format!("file_limit={}", state.file_limit)]),
        ("catalog", "file") => {
            let Some(filename) = filename(&req) else { return failure(NO_FILENAME) };
            match state.exchange.append(&session, &filename, body.to_vec(), state.max_file_bytes).await {
                Ok(true) => text(&["success"]),
                Ok(false) => failure(&format!("{filename} is over {} bytes", state.max_file_bytes)),
                Err(e) => failure(&format!("storage unavailable: {e}")),
            }
        }
        ("catalog", "import") => {
            let Some(filename) = filename(&req) else { return failure(NO_FILENAME) };
            match state.exchange.import(&session, &filename, state.price_type.clone(), now).await {
                Ok(report) => {
                    tracing::info!(
                        file = %domain::log_safe(&filename),
                        products = report.products,
                        offers = report.offers,
                        left_out = report.left_out.len(),
                        "1C exchange: file applied"
                    );
                    let summary = format!(
                        "{filename}: {} products, {} offers applied, {} left out",
                        report.products,
                        report.offers,
                        report.left_out.len()
                    );
                    success(&summary, &report.left_out)
                }
                Err(ImportError::File(why)) => {
                    tracing::warn!(file = %domain::log_safe(&filename), why = %domain::log_safe(&why), "1C exchange: file refused");
                    failure(&format!("{filename}: {why}"))
                }
                Err(ImportError::Repo(e)) => failure(&format!("storage unavailable: {e}")),
            }
        }
        ("sale", "query") => match state.sale.query(ORDERS_PER_QUERY, now).await {
            Ok(xml) => HttpResponse::Ok()
                .content_type("application/xml; charset=utf-8")
                .insert_header(("Cache-Control", "no-store"))
                .body(xml),
            Err(e) => failure(&format!("storage unavailable: {e}")),
        },
        ("sale", "success") => match state.sale.confirm(now).await {
            Ok(_) => text(&["success"]),
            Err(e) => failure(&format!("storage unavailable: {e}")),
        },
        ("sale", "file" | "import") => {
            let Some(filename) = filename(&req) else { return failure(NO_FILENAME) };
            if mode == "file" {
                match state.exchange.append(&session, &filename, body.to_vec(), state.max_file_bytes).await {
                    Ok(true) => {}
                    Ok(false) => {
                        return failure(&format!("{filename} is over {} bytes", state.max_file_bytes));
                    }
                    Err(e) => return failure(&format!("storage unavailable: {e}")),
                }
            }
            sale_file(&state, &session, &filename, now).await
        }
        _ => failure(&format!("unknown type {kind:?} or mode {mode:?}")),
    }
}
