//! End-to-end tests of the `kuper-listener` binary. One test binary with a
//! module per subject, so that a change below links it once.

mod common;
mod flows;
mod kuper_ways;
mod notifications;
mod one_stock;
mod openapi;
mod operator;
mod service;
mod webhooks;
mod with_kuper_sim;
