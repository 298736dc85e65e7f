//! End-to-end tests of the `mcp-api` binary: one test binary, linked once after a change below it
//! (every module was a binary of its own).

mod auth;
mod common;
mod one_stock;
mod openapi;
mod orders;
mod payments;
mod search;
#[path = "../../../../crates/mcp-http/tests/it/support/seed.rs"]
mod seed;
mod service;
mod stock;
