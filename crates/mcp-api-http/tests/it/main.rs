//! The MCP routes in-process, on both backends. One test binary with a module
//! per subject, so that a change below links it once.

mod auth;
mod catalog;
mod log_secrets;
mod orders;
mod support;
