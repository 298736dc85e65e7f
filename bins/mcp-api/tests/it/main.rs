//! End-to-end tests of the `mcp-api` binary. One test binary with a module
//! per subject, so that a change below links it once.

mod auth;
mod common;
mod generated_client;
mod one_stock;
mod onec;
mod openapi;
mod orders;
mod payments;
mod search;
#[path = "../../../../crates/mcp-api-http/tests/it/support/seed.rs"]
mod seed;
mod service;
mod stock;
