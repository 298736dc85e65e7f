//! Kuper's wire, in one place: the webhook bodies Kuper posts to us
//! ([`webhook`]) and the notifications we post to Kuper ([`notify`]).
//!
//! Assumptions where `KUPER-WIRE.md` is silent, kept here and nowhere else:
//!
//! - A webhook has no event id. Its identity is the SHA-256 of its
//!   `event_type` and `payload` in canonical JSON (object keys sorted,
//!   insignificant whitespace dropped), without `timestamp`: a retry repeats
//!   the event, perhaps with a new send time, and gets the same key.
//! - `originalOrderId` is the order's id on every event; `storeID` and
//!   `positions` are required on `order.created` only.
//! - Numbers may come as JSON numbers or as strings (`"99.90"`), on every
//!   field that holds one.
//! - Unknown fields are ignored; an unknown `event_type` is kept and
//!   acknowledged, never refused.

pub mod notify;
pub mod webhook;
