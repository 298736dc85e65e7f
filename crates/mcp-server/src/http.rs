//! Streamable HTTP: rmcp's transport (a tower-style service over `http`
//! types) bridged into actix at `/mcp`, behind the MCP client's bearer
//! token. Without one, or with a wrong one, the answer is 401 with a
//! `WWW-Authenticate` header and nothing reaches the tools; the token
//! itself never does. `Host` and `Origin` are checked by rmcp as the
//! transport rules require of a server a browser could reach: loopback
//! hosts unless configured, and any request carrying an `Origin` refused
//! unless that origin is configured.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use http_body_util::{BodyDataStream, Full};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::sessions::{Admission, SessionOwners};
use crate::{McpServerState, MerchantMcp};

/// Where the MCP endpoint is.
pub const PATH: &str = "/mcp";

type Service = StreamableHttpService<MerchantMcp, LocalSessionManager>;

/// Who may reach the endpoint besides loopback: the `Host` names it is
/// served under and the browser origins allowed to call it.
#[derive(Clone, Debug)]
pub struct Exposure {
    pub allowed_hosts: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub max_body_bytes: usize,
    /// Open sessions one client may hold.
    pub max_sessions_per_client: usize,
    /// A session unused this long is closed.
    pub session_idle: Duration,
}

#[derive(Clone)]
struct Endpoint {
    service: Arc<Service>,
    state: Arc<McpServerState>,
    max_body_bytes: usize,
    recently_verified: Arc<VerifiedClients>,
    owners: Arc<SessionOwners>,
}

/// How long a verified client token is taken without asking the store
/// again: every MCP message is an HTTP request, and a revoked token stops
/// working within this time.
const VERIFIED_FOR: Duration = Duration::from_secs(30);

/// Client tokens verified lately, by their SHA-256 (never the token), with
/// the client each one proved.
#[derive(Debug, Default)]
struct VerifiedClients(Mutex<HashMap<[u8; 32], (Instant, String)>>);

impl VerifiedClients {
    fn key(token: &str) -> [u8; 32] {
        Sha256::digest(token.as_bytes()).into()
    }

    /// The client `token` proved lately.
    fn fresh(&self, token: &str) -> Option<String> {
        let verified = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        verified
            .get(&Self::key(token))
            .filter(|(at, _)| at.elapsed() < VERIFIED_FOR)
            .map(|(_, client)| client.clone())
    }

    fn remember(&self, token: &str, client: &str) {
        let mut verified = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        // Bounded: forget what expired whenever it grows.
        if verified.len() >= 10_000 {
            verified.retain(|_, (at, _)| at.elapsed() < VERIFIED_FOR);
        }
        verified.insert(Self::key(token), (Instant::now(), client.to_owned()));
    }
}

/// The session header of Streamable HTTP.
const SESSION_HEADER: &str = "mcp-session-id";

/// The routes: `/mcp` (the MCP endpoint) and `/paid` (where a shopper's
/// browser lands after paying).
pub fn configure(
    state: Arc<McpServerState>,
    exposure: &Exposure,
) -> impl Fn(&mut web::ServiceConfig) + Clone + Send + 'static + use<> {
    let mut config = StreamableHttpServerConfig::default().enforce_origin_validation();
    if !exposure.allowed_origins.is_empty() {
        config = config.with_allowed_origins(exposure.allowed_origins.clone());
    }
    if !exposure.allowed_hosts.is_empty() {
        let mut hosts = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
        hosts.extend(exposure.allowed_hosts.iter().cloned());
        config = config.with_allowed_hosts(hosts);
    }
    let config = config.with_max_request_body_bytes(exposure.max_body_bytes);
    let for_sessions = Arc::clone(&state);
    let mut sessions = LocalSessionManager::default();
    sessions.session_config.keep_alive = Some(exposure.session_idle);
    let service = Arc::new(StreamableHttpService::new(
        move || Ok(MerchantMcp::new(Arc::clone(&for_sessions))),
        Arc::new(sessions),
        config,
    ));
    let endpoint = Endpoint {
        service,
        state,
        max_body_bytes: exposure.max_body_bytes,
        recently_verified: Arc::default(),
        owners: Arc::new(SessionOwners::new(exposure.max_sessions_per_client, exposure.session_idle)),
    };
    move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(web::Data::new(endpoint.clone()))
            .route(PATH, web::route().to(handle))
            .route("/paid", web::get().to(paid));
    }
}

fn unauthorized(error: &str, description: &str) -> HttpResponse {
    HttpResponse::Unauthorized()
        .insert_header((
            "WWW-Authenticate",
            format!(r#"Bearer realm="merchant-mcp", error="{error}", error_description="{description}""#),
        ))
        .json(json!({"error": error, "message": description}))
}

/// The answer to a client whose token did not pass.
fn refused(e: &identity::AuthError, token_presented: bool) -> HttpResponse {
    let error = if token_presented { "invalid_token" } else { "invalid_request" };
    match e {
        identity::AuthError::TooManyAttempts { retry_after_secs } => HttpResponse::TooManyRequests()
            .insert_header(("Retry-After", retry_after_secs.to_string()))
            .json(json!({"error": "too_many_attempts", "message": e.to_string()})),
        identity::AuthError::Store(_) => {
            tracing::error!(error = %e, "merchant-mcp: client tokens cannot be read");
            HttpResponse::ServiceUnavailable().json(json!({"error": "unavailable", "message": "try again"}))
        }
        _ => unauthorized(error, "an MCP client token is required (Authorization: Bearer TOKEN)"),
    }
}

/// One HTTP exchange of the MCP session, once the client is known.
async fn handle(req: HttpRequest, body: web::Payload, endpoint: web::Data<Endpoint>) -> HttpResponse {
    let presented = req.headers().get("authorization").and_then(|v| v.to_str().ok());
    // Behind a trusted load balancer, the address it forwarded for.
    let peer = http_edge::client_key(&req);
    let known = presented.and_then(|token| endpoint.recently_verified.fresh(token));
    let verified = if let Some(client) = known {
        Ok(client)
    } else {
        let checked = endpoint.state.authenticator.authenticate_client(presented, &peer).await;
        // Remembered from when it was checked, never refreshed by use:
        // a revoked token stops within VERIFIED_FOR.
        if let (Ok(client), Some(token)) = (&checked, presented) {
            endpoint.recently_verified.remember(token, &client.key());
        }
        checked.map(|client| client.key())
    };
    let client = match verified {
        Ok(client) => client,
        Err(e) => return refused(&e, presented.is_some()),
    };
    let session = req.headers().get(SESSION_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    match endpoint.owners.admit(&client, session.as_deref(), Instant::now()) {
        Admission::Pass => {}
        // The transport spec's answer for a session the server does not
        // know: the session itself is untouched.
        Admission::NotYours => {
            return HttpResponse::NotFound().json(json!({
                "jsonrpc": "2.0", "id": null,
                "error": {"code": -32001, "message": "Session not found"}
            }));
        }
        Admission::TooMany => {
            return HttpResponse::TooManyRequests()
                .insert_header(("Retry-After", "60"))
                .json(json!({"error": "too_many_sessions",
                             "message": "this client has too many open sessions: end one (DELETE) first"}));
        }
    }
    let bytes = match body.to_bytes_limited(endpoint.max_body_bytes).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) => {
            return HttpResponse::BadRequest().json(json!({"error": "bad_body", "message": e.to_string()}));
        }
        Err(_) => {
            return HttpResponse::PayloadTooLarge()
                .json(json!({"error": "too_large", "message": "the request body is too large"}));
        }
    };
    let mut request = http::Request::builder().method(req.method().as_str()).uri(req.uri().to_string());
    for (name, value) in req.headers() {
        // The client's token is for us, never for the tools.
        if name.as_str().eq_ignore_ascii_case("authorization") {
            continue;
        }
        request = request.header(name.as_str(), value.as_bytes());
    }
    let Ok(request) = request.body(Full::new(bytes)) else {
        return HttpResponse::BadRequest()
            .json(json!({"error": "bad_request", "message": "malformed request"}));
    };
    let ending_session = req.method() == actix_web::http::Method::DELETE;
    let response = endpoint.service.handle(request).await;
    let (parts, body) = response.into_parts();
    match (&session, parts.headers.get(SESSION_HEADER).and_then(|v| v.to_str().ok())) {
        (None, Some(opened)) => endpoint.owners.opened(&client, opened, Instant::now()),
        (Some(id), _) if ending_session && parts.status.is_success() => endpoint.owners.closed(id),
        _ => {}
    }
    let mut status = StatusCode::from_u16(parts.status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    // rmcp answers a session's DELETE 202; the reference (Python) client
    // takes only 200 or 204 as the session ended and logs a failure.
    if ending_session && status == StatusCode::ACCEPTED {
        status = StatusCode::OK;
    }
    let mut answer = HttpResponse::build(status);
    for (name, value) in &parts.headers {
        answer.append_header((name.as_str(), value.as_bytes()));
    }
    answer.streaming(BodyDataStream::new(body))
}

/// Where the shopper's browser goes after paying.
async fn paid() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(
        "<!doctype html><html lang=\"ru\"><meta charset=\"utf-8\"><title>Оплата</title>\
         <p>Оплата принята к обработке. Вернитесь в чат: ассистент проверит статус заказа.</p>\
         <p>Payment received. Go back to the chat: the assistant will check the order.</p></html>",
    )
}
