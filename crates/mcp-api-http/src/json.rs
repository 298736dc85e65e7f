//! JSON bodies: every way a body can be wrong is a 400 in the seed's shape.

use actix_web::error::JsonPayloadError;
use actix_web::web;

use crate::ApiError;

pub fn config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(move |err, _req| {
        let message = match &err {
            JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
                format!("request body is larger than {limit} bytes")
            }
            JsonPayloadError::ContentType => "Content-Type must be application/json".to_owned(),
            // serde's message names the field and position, never more.
            JsonPayloadError::Deserialize(e) => format!("invalid request body: {e}"),
            _ => "cannot read the request body".to_owned(),
        };
        ApiError::bad_request(message).into()
    })
}
