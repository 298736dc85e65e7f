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
//! - `order.estimated_delivery_time` carries the promised time as
//!   `estimated_delivery_at` (RFC 3339), after `estimated_assembly_at`.
//! - Staff payloads are checked before they are queued ([`payload`]); the
//!   final composition's positions refuse unknown fields, so a typo is not
//!   sent to Kuper as silence.

pub mod notify;
pub mod payload;
pub mod webhook;
