//! Notifications: merchant -> Kuper. A token from `POST /auth/token`
//! (client credentials), cached and refreshed shortly before it expires and
//! once after a 401, or Basic auth with the same credentials; every failure
//! classified for the dispatcher, which acts on the class, not on the
//! status code.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::Mutex;

/// Refresh this long before Kuper's `expires_in` runs out.
const REFRESH_MARGIN: Duration = Duration::from_secs(30);

/// The longest `Retry-After` taken as said: a date far ahead (a clock
/// gone wrong) must not park the queue for days.
const LONGEST_RETRY_AFTER: Duration = Duration::from_hours(1);

/// How our notifications authenticate: the push model says "with Bearer
/// Token or Basic Auth", by what the merchant was issued.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutgoingAuth {
    /// A Bearer token from `POST /auth/token` for the client id and secret.
    #[default]
    Token,
    /// The client id and secret as HTTP Basic on every notification.
    Basic,
}

impl OutgoingAuth {
    pub fn parse(text: &str) -> Option<OutgoingAuth> {
        match text {
            "token" => Some(OutgoingAuth::Token),
            "basic" => Some(OutgoingAuth::Basic),
            _ => None,
        }
    }
}

/// Where and as whom we talk to Kuper.
#[derive(Clone)]
pub struct KuperSettings {
    /// e.g. `https://merchant-api.sbermarket.ru` (configuration, never code).
    pub base_url: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub timeout: Duration,
    pub auth: OutgoingAuth,
}

impl std::fmt::Debug for KuperSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KuperSettings")
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("timeout", &self.timeout)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

/// One notification as it goes on the wire: `{"event": {"type", "payload"}}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Notification {
    pub event_type: String,
    pub payload: Value,
}

/// What went wrong, in the classes the dispatcher acts on. Messages carry
/// status codes and Kuper's error fields, never a token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotifyError {
    /// 5xx, a timeout, a broken connection, 429: try again later (no
    /// sooner than `retry_after` when Kuper said).
    #[error("Kuper is unavailable for now: {detail}")]
    Retryable { detail: String, retry_after: Option<Duration> },
    /// Kuper refused our credentials even with a fresh token.
    #[error("Kuper refused our credentials: {detail}")]
    Unauthorized { detail: String },
    /// 422 (invalid payload or unknown order), 405 (not allowed for this
    /// integration type), other 4xx: retrying cannot help (dead letter).
    #[error("Kuper refused the notification ({status}): {detail}")]
    Permanent { status: u16, detail: String },
}

/// The port the outbox dispatcher sends through.
#[async_trait]
pub trait KuperNotifier: Send + Sync + std::fmt::Debug {
    /// `Ok` also for 202: Kuper had it already.
    async fn notify(&self, notification: &Notification) -> Result<(), NotifyError>;
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: u64,
}

struct CachedToken {
    token: SecretString,
    refresh_at: Instant,
}

/// `KuperNotifier` over reqwest.
#[derive(Clone)]
pub struct KuperClient {
    http: reqwest::Client,
    settings: KuperSettings,
    token: Arc<Mutex<Option<CachedToken>>>,
}

impl std::fmt::Debug for KuperClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KuperClient").field("settings", &self.settings).finish_non_exhaustive()
    }
}

fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    retry_after_from(value, std::time::SystemTime::now())
}

/// `Retry-After` as delay-seconds or as an HTTP date (RFC 9110 §10.2.3),
/// read at `now`; a date gone by is "now", one far ahead is capped.
pub fn retry_after_from(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    let wait = if let Ok(seconds) = value.parse::<u64>() {
        Duration::from_secs(seconds)
    } else {
        let at = httpdate::parse_http_date(value).ok()?;
        at.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(wait.min(LONGEST_RETRY_AFTER))
}

fn transport(e: &reqwest::Error) -> NotifyError {
    let detail = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    NotifyError::Retryable { detail: detail.to_owned(), retry_after: None }
}

/// Kuper's `{"errors": [{"type", "field", "message"}]}`, shortened.
async fn describe(response: reqwest::Response) -> String {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let first = &body["errors"][0];
    match (first["field"].as_str(), first["message"].as_str()) {
        (Some(field), Some(message)) => format!("{status} {field}: {message}"),
        (None, Some(message)) => format!("{status} {message}"),
        _ => status.to_string(),
    }
}

impl KuperClient {
    pub fn new(settings: KuperSettings) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .user_agent(concat!("merchant-hub/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("http client: {e}"))?;
        Ok(KuperClient { http, settings, token: Arc::default() })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.settings.base_url.trim_end_matches('/'))
    }

    /// The cached token, or a new one when there is none, it is close to
    /// expiry, or `stale` (Kuper just refused it).
    async fn token(&self, stale: bool) -> Result<SecretString, NotifyError> {
        if self.settings.auth == OutgoingAuth::Basic {
            // Nothing to fetch: the credentials go on each request.
            return Ok(SecretString::from(String::new()));
        }
        let mut cached = self.token.lock().await;
        if !stale && let Some(t) = cached.as_ref().filter(|t| Instant::now() < t.refresh_at) {
            return Ok(t.token.clone());
        }
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.settings.client_id.as_str()),
            ("client_secret", self.settings.client_secret.expose_secret()),
        ];
        let response =
            self.http.post(self.url("/auth/token")).form(&form).send().await.map_err(|e| transport(&e))?;
        let status = response.status();
        if status.is_server_error() || status.as_u16() == 429 {
            let retry_after = retry_after(&response);
            return Err(NotifyError::Retryable { detail: format!("token: {status}"), retry_after });
        }
        if !status.is_success() {
            return Err(NotifyError::Unauthorized { detail: format!("token: {}", describe(response).await) });
        }
        let issued: TokenResponse = response.json().await.map_err(|_| NotifyError::Retryable {
            detail: "token: unreadable answer".into(),
            retry_after: None,
        })?;
        let lifetime = Duration::from_secs(issued.expires_in);
        let token = SecretString::from(issued.access_token);
        *cached = Some(CachedToken {
            token: token.clone(),
            refresh_at: Instant::now() + lifetime.saturating_sub(REFRESH_MARGIN),
        });
        Ok(token)
    }

    async fn post(
        &self,
        notification: &Notification,
        token: &SecretString,
    ) -> Result<reqwest::Response, NotifyError> {
        let body =
            serde_json::json!({"event": {"type": notification.event_type, "payload": notification.payload}});
        let request = self.http.post(self.url("/ofm/api/v1/notifications"));
        let request = match self.settings.auth {
            OutgoingAuth::Token => request.bearer_auth(token.expose_secret()),
            OutgoingAuth::Basic => request
                .basic_auth(&self.settings.client_id, Some(self.settings.client_secret.expose_secret())),
        };
        request.json(&body).send().await.map_err(|e| transport(&e))
    }
}

#[async_trait]
impl KuperNotifier for KuperClient {
    async fn notify(&self, notification: &Notification) -> Result<(), NotifyError> {
        let mut response = self.post(notification, &self.token(false).await?).await?;
        if response.status().as_u16() == 401 && self.settings.auth == OutgoingAuth::Token {
            // Expired or revoked: one fresh token, one more try.
            response = self.post(notification, &self.token(true).await?).await?;
        }
        let status = response.status();
        match status.as_u16() {
            200..=299 => Ok(()),
            401 => Err(NotifyError::Unauthorized { detail: describe(response).await }),
            429 => Err(NotifyError::Retryable {
                retry_after: retry_after(&response),
                detail: "429 rate limited".into(),
            }),
            500..=599 => {
                let retry_after = retry_after(&response);
                Err(NotifyError::Retryable { detail: describe(response).await, retry_after })
            }
            code => Err(NotifyError::Permanent { status: code, detail: describe(response).await }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        // Sun, 06 Nov 1994 08:49:37 GMT
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        let cases = [
            ("120", Some(120)),
            (" 5 ", Some(5)),
            ("0", Some(0)),
            ("Sun, 06 Nov 1994 08:50:07 GMT", Some(30)),
            ("Sunday, 06-Nov-94 08:50:07 GMT", Some(30)),
            ("Sun Nov  6 08:50:07 1994", Some(30)),
            ("Sun, 06 Nov 1994 08:49:00 GMT", Some(0)),
            ("Mon, 07 Nov 1994 08:49:37 GMT", Some(3600)),
            ("99999", Some(3600)),
            ("-5", None),
            ("soon", None),
            ("", None),
        ];
        for (value, expected) in cases {
            assert_eq!(retry_after_from(value, now).map(|d| d.as_secs()), expected, "{value:?}");
        }
    }
}
