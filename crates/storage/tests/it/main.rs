//! The integration tests of `storage`, on SQLite and (with `TEST_DATABASE_URL`) PostgreSQL: one test binary, linked once after a change below it
//! (every module was a binary of its own).

mod catalog;
mod database;
mod feed;
mod identity;
mod import;
mod kuper_inbox;
mod kuper_outbox;
mod migrations;
mod order_book;
mod orders;
mod payments;
mod retention;
mod staff;
mod stock;
