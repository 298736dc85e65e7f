//! The stock of one offer, and every rule that moves it.
//!
//! The merchant's systems (an ERP, a WMS, a feed) know what is on the
//! shelf and say so from time to time, *as of* some moment. Our orders place
//! holds on that shelf and, when the goods leave, turn them into sales. The
//! two never write over each other:
//!
//! ```text
//! available = shelf − our sales the report could not know of − active holds   (never below 0)
//! ```
//!
//! A report replaces the shelf and forgets the sales it already counted (those
//! made up to its `as_of`); it never touches a hold. A report older than the
//! one we have changes nothing. Storage reads an offer's [`OfferStock`],
//! calls one of these functions and writes back what it returns, under a lock
//! on the row, so the rule lives here once.

use std::fmt;

use chrono::{DateTime, Utc};
use domain::Decimal;

/// An amount of an offer's unit of sale in thousandths: a piece is 1000, a
/// gram of a product sold by the kilogram is 1. Weighted goods are sold to
/// three decimals, so this is exact for every quantity an order can carry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StockQty(i64);

/// A quantity that is not a stock amount.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StockQtyError {
    #[error("must not be negative (got {0})")]
    Negative(Decimal),
    #[error("has more than three decimals (got {0})")]
    TooPrecise(Decimal),
    #[error("is too large (got {0})")]
    TooLarge(Decimal),
}

impl StockQty {
    pub const ZERO: StockQty = StockQty(0);
    /// The largest amount we keep: a billion units of sale.
    pub const MAX: StockQty = StockQty(1_000_000_000_000);

    pub const fn from_thousandths(thousandths: i64) -> Self {
        StockQty(thousandths)
    }

    pub const fn thousandths(self) -> i64 {
        self.0
    }

    pub const fn units(units: i64) -> Self {
        StockQty(units.saturating_mul(1000))
    }

    /// Exactly `amount`, which must be between 0 and [`MAX`](Self::MAX) with
    /// at most three decimals.
    pub fn from_decimal(amount: Decimal) -> Result<Self, StockQtyError> {
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err(StockQtyError::Negative(amount));
        }
        let scaled = amount.checked_mul(Decimal::from(1000)).ok_or(StockQtyError::TooLarge(amount))?;
        if scaled.fract() != Decimal::ZERO {
            return Err(StockQtyError::TooPrecise(amount));
        }
        let thousandths = i64::try_from(scaled).map_err(|_| StockQtyError::TooLarge(amount))?;
        if thousandths > Self::MAX.0 {
            return Err(StockQtyError::TooLarge(amount));
        }
        Ok(StockQty(thousandths))
    }

    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, 3).normalize()
    }

    /// Whole units of sale in it, rounded down: what the seed's integer
    /// `stock` can say of it.
    pub const fn whole_units(self) -> i64 {
        self.0.div_euclid(1000)
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    fn plus(self, other: StockQty) -> StockQty {
        StockQty(self.0.saturating_add(other.0))
    }

    /// `self − other`, never below zero.
    fn minus(self, other: StockQty) -> StockQty {
        StockQty(self.0.saturating_sub(other.0).max(0))
    }
}

impl fmt::Display for StockQty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_decimal().fmt(f)
    }
}

/// What we know of one offer's stock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct OfferStock {
    /// On the shelf, as the merchant's systems last said.
    pub shelf: StockQty,
    /// When that was true; `None` when no report has come yet (the shelf is
    /// then what the offer was created with).
    pub as_of: Option<DateTime<Utc>>,
    /// Our sales made after `as_of`: the report could not count them.
    pub sold_after: StockQty,
    /// What our orders hold and have not yet handed over.
    pub held: StockQty,
}

/// A hold that the offer cannot give.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{wanted} wanted, {available} available")]
pub struct Shortfall {
    pub wanted: StockQty,
    pub available: StockQty,
}

/// A stock report older than the one the offer already has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the report is as of {report}, older than the one applied (as of {applied})")]
pub struct StaleReport {
    pub report: DateTime<Utc>,
    pub applied: DateTime<Utc>,
}

/// What a merchant's system says of a shelf.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StockReport {
    pub shelf: StockQty,
    pub as_of: DateTime<Utc>,
}

/// One of our sales, as the ledger keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sale {
    pub at: DateTime<Utc>,
    pub quantity: StockQty,
}

impl OfferStock {
    /// A new offer's stock, first reported by a feed or an update.
    pub fn reported(report: StockReport) -> Self {
        OfferStock { shelf: report.shelf, as_of: Some(report.as_of), ..OfferStock::default() }
    }

    /// What can still be promised to an order.
    pub fn available(&self) -> StockQty {
        self.shelf.minus(self.sold_after).minus(self.held)
    }

    /// An order holds `quantity` of it, if that much is available.
    pub fn hold(self, quantity: StockQty) -> Result<OfferStock, Shortfall> {
        let available = self.available();
        if quantity > available {
            return Err(Shortfall { wanted: quantity, available });
        }
        Ok(OfferStock { held: self.held.plus(quantity), ..self })
    }

    /// An order gives back what it held (cancelled, expired, not picked).
    /// More than is held releases what is held.
    pub fn release(self, quantity: StockQty) -> OfferStock {
        OfferStock { held: self.held.minus(quantity), ..self }
    }

    /// Goods an order held left the shelf at `at`. A report as of `at` or
    /// later counts them already; an earlier one cannot.
    pub fn sell(self, quantity: StockQty, at: DateTime<Utc>) -> OfferStock {
        let known = self.as_of.is_some_and(|as_of| at <= as_of);
        let sold_after = if known { self.sold_after } else { self.sold_after.plus(quantity) };
        OfferStock { held: self.held.minus(quantity), sold_after, ..self }
    }

    /// A report of the shelf. `sales` are our sales of this offer made after
    /// the older of the report's and the applied report's `as_of` (more may
    /// be given; only those after the new `as_of` count). A report as old as
    /// the applied one is a correction and applies; an older one changes
    /// nothing.
    pub fn report(self, report: StockReport, sales: &[Sale]) -> Result<OfferStock, StaleReport> {
        if let Some(applied) = self.as_of
            && report.as_of < applied
        {
            return Err(StaleReport { report: report.as_of, applied });
        }
        let sold_after =
            sales.iter().filter(|s| s.at > report.as_of).fold(StockQty::ZERO, |sum, s| sum.plus(s.quantity));
        Ok(OfferStock { shelf: report.shelf, as_of: Some(report.as_of), sold_after, held: self.held })
    }
}

/// What happened to an offer's stock because of one of our orders, as the
/// merchant's systems read it back to book our sales.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MoveKind {
    Hold,
    Release,
    Sale,
}

impl MoveKind {
    pub const ALL: [MoveKind; 3] = [MoveKind::Hold, MoveKind::Release, MoveKind::Sale];

    pub const fn as_str(self) -> &'static str {
        match self {
            MoveKind::Hold => "hold",
            MoveKind::Release => "release",
            MoveKind::Sale => "sale",
        }
    }

    /// Carries the move out on an offer; `Err` only for a hold that the
    /// offer cannot give.
    pub fn apply(
        self,
        stock: OfferStock,
        quantity: StockQty,
        at: DateTime<Utc>,
    ) -> Result<OfferStock, Shortfall> {
        match self {
            MoveKind::Hold => stock.hold(quantity),
            MoveKind::Release => Ok(stock.release(quantity)),
            MoveKind::Sale => Ok(stock.sell(quantity, at)),
        }
    }
}

impl std::str::FromStr for MoveKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MoveKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| format!("unknown stock move {s:?}"))
    }
}

impl fmt::Display for MoveKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub mod batch;
mod ledger;

pub use ledger::{BatchReport, LedgerError, MoveCursor, OfferStockView, RefusedLine, StockLedger, StockMove};

#[cfg(test)]
mod tests;

/// One line of a stock and price update from the merchant's systems, as
/// sent: every figure is checked by [`StockUpdate::check`] before anything
/// is applied.
#[derive(Clone, Debug, PartialEq)]
pub struct RawStockUpdate {
    pub sku: String,
    pub store: String,
    pub stock: Decimal,
    pub as_of: DateTime<Utc>,
    pub price: Option<Decimal>,
    /// `None`: unchanged; `Some(None)`: no old price any more.
    #[allow(clippy::option_option)] // absent: unchanged; Some(None): no old price any more
    pub old_price: Option<Option<Decimal>>,
}

/// A checked update line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StockUpdate {
    pub sku: domain::SkuId,
    pub store: domain::StoreId,
    pub report: StockReport,
    pub price: Option<domain::Money>,
    #[allow(clippy::option_option)] // absent: unchanged; Some(None): no old price any more
    pub old_price: Option<Option<domain::Money>>,
}

/// Prices of updates are in roubles, like the feeds'.
const UPDATE_CURRENCY: domain::Currency = domain::Currency::Rub;

impl StockUpdate {
    /// Checks a line: ids, a stock amount, prices in whole kopecks, an
    /// old price above the price.
    pub fn check(raw: &RawStockUpdate) -> Result<StockUpdate, String> {
        let sku = domain::SkuId::new(raw.sku.clone()).map_err(|e| format!("sku: {e}"))?;
        let store = domain::StoreId::new(raw.store.clone()).map_err(|e| format!("store: {e}"))?;
        let shelf = StockQty::from_decimal(raw.stock).map_err(|e| format!("stock {e}"))?;
        let money = |what: &str, amount: Decimal| {
            if amount <= Decimal::ZERO {
                return Err(format!("{what} must be more than zero (got {amount})"));
            }
            domain::Money::from_decimal_exact(amount, UPDATE_CURRENCY).map_err(|e| format!("{what}: {e}"))
        };
        let price = raw.price.map(|p| money("price", p)).transpose()?;
        let old_price = match raw.old_price {
            None => None,
            Some(None) => Some(None),
            Some(Some(old)) => Some(Some(money("old_price", old)?)),
        };
        if let (Some(price), Some(Some(old))) = (price, old_price)
            && old.minor() <= price.minor()
        {
            return Err(format!("old_price {} must be above price {}", old.to_decimal(), price.to_decimal()));
        }
        Ok(StockUpdate { sku, store, report: StockReport { shelf, as_of: raw.as_of }, price, old_price })
    }
}

/// What became of one line of an update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UpdateOutcome {
    Applied,
    /// Nothing changed, for this reason.
    Refused(String),
}
