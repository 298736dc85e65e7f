//! The one mapping from failures to HTTP: the seed's `Error {code, message}`.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use identity::AuthError;
use serde::Serialize;

/// An error as the MCP server sees it. `message` is safe to show: it never
/// holds a token, a secret or an internal detail (those go to the log).
pub use http_edge::RETRY_AFTER_SECS;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// For 429: seconds until the caller may try again.
    pub retry_after_secs: Option<u64>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: String,
    message: &'a str,
}

/// The seed's `Error` (schema only: [`ApiError`] writes it).
#[derive(utoipa::ToSchema)]
#[schema(as = Error)]
#[allow(dead_code)]
pub struct ErrorSchema {
    /// HTTP-статус.
    #[schema(example = "400")]
    code: Option<String>,
    /// Подробное описание ошибки.
    message: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError { status, message: message.into(), retry_after_secs: None }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// Storage that does not answer: 503 with `Retry-After`, the cause
    /// logged, never shown.
    pub fn unavailable(cause: &dyn fmt::Display) -> Self {
        tracing::error!(error = %cause, "storage unavailable");
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: "the service is unavailable for a moment; try again".into(),
            retry_after_secs: Some(RETRY_AFTER_SECS),
        }
    }

    /// A failure of ours: logged in full, shown as a generic message.
    pub fn internal(cause: &dyn fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
    }

    /// A store of record's failure: a 503 to retry only when the database
    /// is unavailable; a corrupt row or a broken constraint is ours (500).
    pub fn storage(e: &domain::RepoError) -> Self {
        if e.is_unavailable() { Self::unavailable(e) } else { Self::internal(e) }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status.as_u16(), self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(secs) = self.retry_after_secs {
            response.insert_header(("Retry-After", secs.to_string()));
        }
        response.json(ErrorBody { code: self.status.as_u16().to_string(), message: &self.message })
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        let status = match &e {
            AuthError::ClientMissing | AuthError::ClientRejected => StatusCode::FORBIDDEN,
            AuthError::UserTokenMissing | AuthError::TokenRejected | AuthError::TokenExpired => {
                StatusCode::UNAUTHORIZED
            }
            AuthError::ProviderUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AuthError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            AuthError::BadClientName => StatusCode::BAD_REQUEST,
            AuthError::Conflict(_) => StatusCode::CONFLICT,
            AuthError::Store(repo) => return ApiError::storage(repo),
            AuthError::Random(_) => return ApiError::internal(&e),
        };
        let retry_after_secs = match e {
            AuthError::TooManyAttempts { retry_after_secs } => Some(retry_after_secs),
            _ => None,
        };
        ApiError { status, message: e.to_string(), retry_after_secs }
    }
}
