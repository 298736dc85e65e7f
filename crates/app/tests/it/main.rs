//! The services' shared start-up: the dispatcher and the OpenAPI documents.
//! One test binary with a module per subject, so that a change below links it
//! once.

mod dispatcher;
mod openapi;
