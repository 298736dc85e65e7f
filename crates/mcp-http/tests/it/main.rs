//! The MCP routes in-process, on both backends: one test binary, linked once after a change below it
//! (every module was a binary of its own).

mod auth;
mod catalog;
mod log_secrets;
mod orders;
mod support;
