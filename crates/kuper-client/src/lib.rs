//! Kuper's wire, in one place: the webhook bodies Kuper posts to us
//! ([`webhook`]) and the notifications we post to Kuper ([`notify`]).
//!
//! Assumptions where `KUPER-WIRE.md` is silent, kept here and nowhere else:
//!
//! - A webhook has no event id. Its identity is the SHA-256 of its
//!   `event_type` and `payload` in canonical JSON (object keys sorted,
//!   insignificant whitespace dropped), without `timestamp`: a retry repeats
//!   the event, perhaps with a new send time, and gets the same key.
//! - `originalOrderId` is the order's id on every event and the only field
//!   whose absence makes a webhook unreadable (400). An `order.created`
//!   without a readable `storeID` (also `storeId`, `store_id`), a position
//!   id, or a quantity (`quantity`, else `originalQuantity`) is answered
//!   `created` and canceled with the reason, as the push model says.
//! - Every other field is optional and read the most tolerant way
//!   ([`webhook::lenient`]): absent, `null`, `""`, blank or a value of a
//!   type it cannot be are all "not said"; a number may come as a string
//!   and a string as a number. `wire_cases` (feature `testing`) is the table of every field
//!   of `order.created` in each of those ways.
//! - `shipmentMethod` names the order's own flow (`orders::kuper::method`):
//!   `pickup`, `by_courier` (Kuper's courier unless the store delivers
//!   itself), a method naming the merchant's courier; absent or unknown,
//!   the store's configured type.
//! - `orderUUID`, when an order carries it, is echoed on every
//!   notification about it.
//! - A weighted position carries its weight in grams in `weight` (0 or
//!   absent for pieces), by default the whole line's (`MERCHANT_KUPER_WEIGHT_IS`,
//!   `orders::kuper::weight`); its `quantity` is then the number of pieces.
//!   Where `weight` is 0 for a product we sell by the kilogram, `quantity`
//!   is the kilograms.
//! - `order.updated` carries, besides `kind`, the fields that changed under
//!   the names `order.created` uses: `positions` (all of them, as they now
//!   are), `delivery`, `address`, `comment`, `customer`,
//!   `replacementPolicy`. An update naming nothing we know is raised to
//!   staff.
//! - `courier.assigned` / `courier.arrived` bodies have no public schema:
//!   kept whole for staff.
//! - `replacementPolicy` values are not published: a policy that mentions
//!   replacing allows replacements, any other forbids them, none allows
//!   them (`orders::kuper::details`).
//! - In the final composition, a shortfall is the position with its
//!   delivered `quantity` (0 when none), a replacement is its own position
//!   named by the replaced one's `replacedByID`, a weighted position's
//!   `weight` is the grams delivered.
//! - Numbers may come as JSON numbers or as strings (`"99.90"`), on every
//!   field that holds one.
//! - Unknown fields are ignored; an unknown `event_type` is kept and
//!   acknowledged, never refused.
//! - `order.estimated_delivery_time` carries the promised time as
//!   `estimated_delivery_at` (RFC 3339), after `estimated_assembly_at`.
//! - Staff payloads are checked before they are queued ([`payload`]); the
//!   final composition's positions refuse unknown fields, so a typo is not
//!   sent to Kuper as silence.
//! - What can never be stored (a NUL character, an id over 128 characters,
//!   more than 1,000 positions) is Kuper's 400, checked before anything is
//!   stored ([`limits`]): a 503 would have Kuper retry it forever.

pub mod limits;
pub mod notify;
pub mod order;
pub mod payload;
#[cfg(feature = "testing")]
pub mod testing;
pub mod webhook;
#[cfg(any(test, feature = "testing"))]
pub mod wire_cases;
