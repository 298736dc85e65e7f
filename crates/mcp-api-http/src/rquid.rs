//! The `rqUid` header: required on every MCP operation, a UUID.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use crate::ApiError;

pub const HEADER: &str = "rqUid";

/// The `rqUid` header as the spec documents it (`params(RqUidHeader)`).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct RqUidHeader {
    /// Уникальный сквозной идентификатор запроса для трассировки цепочки операций.
    #[param(rename = "rqUid", format = "uuid", example = "1c6ec07e-3103-41bb-8753-6cea67521198")]
    rq_uid: String,
}

/// The caller's request id, for tracing a chain of operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RqUid(pub uuid::Uuid);

impl FromRequest for RqUid {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parsed = match req.headers().get(HEADER) {
            None => Err(ApiError::bad_request("missing header rqUid")),
            Some(value) => value
                .to_str()
                .ok()
                .and_then(|v| uuid::Uuid::try_parse(v.trim()).ok())
                .map(RqUid)
                .ok_or_else(|| ApiError::bad_request("header rqUid must be a UUID")),
        };
        ready(parsed.map_err(Into::into))
    }
}
