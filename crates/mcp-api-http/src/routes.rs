//! `POST /auth/sberid` and `POST /auth/other`.

use actix_web::{HttpResponse, http::StatusCode, post, web};
use identity::{IdentityProvider, Provider};
use secrecy::{ExposeSecret, SecretString};

use crate::auth::McpClient;
use crate::dto::{UserAuthRequest, UserAuthResponse, UserAuthSberidRequest};
use crate::rquid::RqUidHeader;
use crate::{ApiError, McpState, RqUid};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn auth(cfg: &mut ServiceConfig) {
    cfg.service(sberid).service(other);
}

// Extractors run in order: the request id, then the MCP client (403 before
// anything of the body is looked at), then the body. The summary and
// description are the seed's (`app::openapi`).
#[utoipa::path(
    tag = "Logistics & Orders",
    operation_id = "postAuthSberid",
    security(("mcp_client" = [])),
    params(RqUidHeader),
    request_body = UserAuthSberidRequest,
    responses(
        (status = 200, description = "Пользователь авторизован.", body = UserAuthResponse),
        (status = 400, description = "Неверный формат запроса.", body = crate::error::ErrorSchema),
        (status = 401, description = "Токен пользователя недействителен или истёк.", body = crate::error::ErrorSchema),
        (status = 403, description = "MCP-сервер не аутентифицирован.", body = crate::error::ErrorSchema),
        (status = 429, description = "Слишком много неудачных попыток.", body = crate::error::ErrorSchema),
        (status = 503, description = "Провайдер SberID недоступен или не настроен.", body = crate::error::ErrorSchema),
    )
)]
#[post("/auth/sberid")]
async fn sberid(
    _rq_uid: RqUid,
    _client: McpClient,
    state: web::Data<McpState>,
    body: web::Json<UserAuthSberidRequest>,
) -> Result<HttpResponse, ApiError> {
    let token = SecretString::from(body.into_inner().token_sber_id);
    login(&state, Provider::SberId, state.sberid.as_deref(), &token).await
}

#[utoipa::path(
    tag = "Logistics & Orders",
    operation_id = "postAuthOther",
    security(("mcp_client" = [])),
    params(RqUidHeader),
    request_body = UserAuthRequest,
    responses(
        (status = 200, description = "Пользователь авторизован.", body = UserAuthResponse),
        (status = 400, description = "Неверный формат запроса.", body = crate::error::ErrorSchema),
        (status = 401, description = "Токен пользователя недействителен или истёк.", body = crate::error::ErrorSchema),
        (status = 403, description = "MCP-сервер не аутентифицирован.", body = crate::error::ErrorSchema),
        (status = 429, description = "Слишком много неудачных попыток.", body = crate::error::ErrorSchema),
        (status = 503, description = "Проверка токена недоступна или не настроена.", body = crate::error::ErrorSchema),
    )
)]
#[post("/auth/other")]
async fn other(
    _rq_uid: RqUid,
    _client: McpClient,
    state: web::Data<McpState>,
    body: web::Json<UserAuthRequest>,
) -> Result<HttpResponse, ApiError> {
    let token = SecretString::from(body.into_inner().token);
    login(&state, Provider::MerchantToken, state.merchant_token.as_deref(), &token).await
}

async fn login(
    state: &McpState,
    kind: Provider,
    provider: Option<&dyn IdentityProvider>,
    token: &SecretString,
) -> Result<HttpResponse, ApiError> {
    let provider = provider.ok_or_else(|| {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, format!("sign-in with {kind} is not configured"))
    })?;
    let login = state.authenticator.login(kind, provider, token).await?;
    Ok(HttpResponse::Ok().json(UserAuthResponse {
        access_token: login.access_token.expose_secret().to_owned(),
        expires_in: login.expires_in_secs,
        user_id: login.user_id.into_inner(),
        user_status: login.status.as_str(),
    }))
}
