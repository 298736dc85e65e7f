//! The integration tests of `storage`, on SQLite and (with
//! `TEST_DATABASE_URL`) PostgreSQL. One test binary with a module per
//! subject, so that a change below links it once.

mod catalog;
mod database;
mod feed;
mod identity;
mod import;
mod kuper_inbox;
mod kuper_outbox;
mod migrations;
mod onec;
mod order_book;
mod orders;
mod payments;
mod retention;
mod staff;
mod staff_desk;
mod stock;
