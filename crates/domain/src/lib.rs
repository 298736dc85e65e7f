//! Value types every other crate speaks: [`Money`], [`Quantity`], [`GeoPoint`],
//! typed ids and the [`Clock`] port.
//!
//! Invariant: this crate does no I/O and knows no framework. Every constructor
//! validates, so a value of these types is always a legal one; arithmetic that
//! could overflow or mix incompatible units returns an error instead of
//! wrapping or panicking.

mod clock;
mod geo;
mod hex;
mod ids;
mod log_safe;
mod money;
pub mod net;
pub mod personal;
mod quantity;
mod repo_error;
mod secret;
mod vat;

pub use clock::{Clock, ManualClock, SystemClock};
pub use geo::{GeoError, GeoPoint};
pub use hex::hex;
pub use ids::{IdError, MAX_ID_LEN, OrderId, PaymentId, SkuId, StoreId, UserId, is_plausible_id};
pub use log_safe::{LogSafe, log_safe};
pub use money::{Currency, Money, MoneyError, Rounding};
pub use quantity::{Quantity, QuantityError, Unit};
pub use repo_error::RepoError;
pub use secret::{bearer_matches, same_secret};
pub use vat::VatRate;

/// Re-exported so that callers name one `Decimal` type.
pub use rust_decimal::Decimal;
