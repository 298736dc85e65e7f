//! The services' shared start-up: the dispatcher and the OpenAPI documents: one test binary, linked once after a change below it
//! (every module was a binary of its own).

mod dispatcher;
mod openapi;
