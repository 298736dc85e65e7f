//! The `rqUid` header: required on every MCP operation, a UUID.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use crate::ApiError;

pub const HEADER: &str = "rqUid";

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
