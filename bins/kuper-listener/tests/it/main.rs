//! End-to-end tests of the `kuper-listener` binary: one test binary, linked once after a change below it
//! (every module was a binary of its own).

mod common;
mod flows;
mod notifications;
mod one_stock;
mod openapi;
mod operator;
mod service;
mod webhooks;
mod with_kuper_sim;
