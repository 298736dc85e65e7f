//! Exact money: integer minor units inside, `Decimal` at the edges.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

/// ISO 4217 currencies the merchant can price in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Currency {
    Rub,
    Usd,
    Eur,
}

impl Currency {
    pub const ALL: [Currency; 3] = [Currency::Rub, Currency::Usd, Currency::Eur];

    /// The ISO 4217 alphabetic code, as it appears on the wire.
    pub const fn code(self) -> &'static str {
        match self {
            Currency::Rub => "RUB",
            Currency::Usd => "USD",
            Currency::Eur => "EUR",
        }
    }

    /// Digits after the decimal point in this currency (kopecks, cents).
    pub const fn minor_digits(self) -> u32 {
        match self {
            Currency::Rub | Currency::Usd | Currency::Eur => 2,
        }
    }

    const fn minor_per_major(self) -> i64 {
        10_i64.pow(self.minor_digits())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Currency::ALL
            .into_iter()
            .find(|c| c.code() == code)
            .ok_or_else(|| MoneyError::UnknownCurrency(code.to_owned()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("unknown currency code {0:?}")]
    UnknownCurrency(String),
    #[error("amount {amount} has more than {digits} digits after the decimal point")]
    TooPrecise { amount: Decimal, digits: u32 },
    #[error("amount is out of the representable range")]
    Overflow,
    #[error("cannot combine {left} with {right}")]
    CurrencyMismatch { left: Currency, right: Currency },
}

/// How an amount that falls between two minor units is settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    /// Half away from zero: what a shop receipt does (0.005 -> 0.01).
    HalfUp,
    /// Half to even (banker's rounding): unbiased over many lines.
    HalfEven,
}

impl Rounding {
    fn strategy(self) -> RoundingStrategy {
        match self {
            Rounding::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            Rounding::HalfEven => RoundingStrategy::MidpointNearestEven,
        }
    }
}

/// An exact amount in one currency, held as integer minor units.
///
/// There is deliberately no `Add`/`Mul` impl: every operation that could
/// overflow or mix currencies is a `checked_*` method returning a `Result`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    pub const fn from_minor(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    pub const fn zero(currency: Currency) -> Self {
        Money::from_minor(0, currency)
    }

    pub const fn minor(self) -> i64 {
        self.minor
    }

    pub const fn currency(self) -> Currency {
        self.currency
    }

    pub const fn is_negative(self) -> bool {
        self.minor < 0
    }

    /// Exact conversion: fails when `amount` has sub-minor-unit digits
    /// (`450.355 RUB`), so that an input price is never silently changed.
    pub fn from_decimal_exact(amount: Decimal, currency: Currency) -> Result<Self, MoneyError> {
        let digits = currency.minor_digits();
        if amount.round_dp(digits) != amount {
            return Err(MoneyError::TooPrecise { amount, digits });
        }
        Self::from_decimal_rounded(amount, currency, Rounding::HalfEven)
    }

    /// Conversion that settles sub-minor-unit digits with `rounding`.
    pub fn from_decimal_rounded(
        amount: Decimal,
        currency: Currency,
        rounding: Rounding,
    ) -> Result<Self, MoneyError> {
        let minor = amount
            .checked_mul(Decimal::from(currency.minor_per_major()))
            .ok_or(MoneyError::Overflow)?
            .round_dp_with_strategy(0, rounding.strategy());
        let minor = i64::try_from(minor).map_err(|_| MoneyError::Overflow)?;
        Ok(Money { minor, currency })
    }

    /// The amount in major units with exactly the currency's minor digits
    /// (`450.30`, never `450.3`).
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.minor, self.currency.minor_digits())
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self.minor.checked_add(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self.minor.checked_sub(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    /// Price times a (possibly fractional) quantity: `89.90 RUB/kg × 0.35 kg`.
    pub fn checked_mul(self, factor: Decimal, rounding: Rounding) -> Result<Money, MoneyError> {
        let minor = Decimal::from(self.minor)
            .checked_mul(factor)
            .ok_or(MoneyError::Overflow)?
            .round_dp_with_strategy(0, rounding.strategy());
        let minor = i64::try_from(minor).map_err(|_| MoneyError::Overflow)?;
        Ok(Money { minor, ..self })
    }

    /// Sum of `amounts`, all in `currency`; the empty sum is zero.
    pub fn checked_sum(
        amounts: impl IntoIterator<Item = Money>,
        currency: Currency,
    ) -> Result<Money, MoneyError> {
        amounts.into_iter().try_fold(Money::zero(currency), Money::checked_add)
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch { left: self.currency, right: other.currency })
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_decimal(), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    const RUB: Currency = Currency::Rub;

    #[test]
    fn exact_conversion_keeps_kopecks() {
        let m = Money::from_decimal_exact(dec!(450.35), RUB).unwrap();
        assert_eq!(m.minor(), 45_035);
        assert_eq!(m.to_decimal().to_string(), "450.35");
        assert_eq!(Money::from_minor(45_030, RUB).to_decimal().to_string(), "450.30");
    }

    #[test]
    fn exact_conversion_refuses_sub_kopeck_digits() {
        assert_eq!(
            Money::from_decimal_exact(dec!(450.355), RUB),
            Err(MoneyError::TooPrecise { amount: dec!(450.355), digits: 2 })
        );
        // Trailing zeros are not extra precision.
        assert!(Money::from_decimal_exact(dec!(1.5000), RUB).is_ok());
    }

    #[test]
    fn rounding_strategies_differ_only_on_midpoints() {
        let half_up = |d| Money::from_decimal_rounded(d, RUB, Rounding::HalfUp).unwrap().minor();
        let half_even = |d| Money::from_decimal_rounded(d, RUB, Rounding::HalfEven).unwrap().minor();
        assert_eq!(half_up(dec!(0.125)), 13);
        assert_eq!(half_even(dec!(0.125)), 12);
        assert_eq!(half_up(dec!(-0.125)), -13);
        assert_eq!(half_up(dec!(0.124)), half_even(dec!(0.124)));
    }

    #[test]
    fn arithmetic_refuses_overflow_and_mixed_currencies() {
        let max = Money::from_minor(i64::MAX, RUB);
        assert_eq!(max.checked_add(Money::from_minor(1, RUB)), Err(MoneyError::Overflow));
        assert_eq!(
            Money::from_minor(1, RUB).checked_add(Money::from_minor(1, Currency::Usd)),
            Err(MoneyError::CurrencyMismatch { left: RUB, right: Currency::Usd })
        );
        assert_eq!(max.checked_mul(dec!(2), Rounding::HalfUp), Err(MoneyError::Overflow));
        assert_eq!(Money::from_decimal_exact(Decimal::MAX, RUB), Err(MoneyError::Overflow));
    }

    #[test]
    fn weighted_price_is_rounded_once() {
        // 89.90 RUB per kg, 0.355 kg -> 31.9145 -> 31.91
        let price = Money::from_decimal_exact(dec!(89.90), RUB).unwrap();
        let line = price.checked_mul(dec!(0.355), Rounding::HalfUp).unwrap();
        assert_eq!(line.to_decimal(), dec!(31.91));
    }

    #[test]
    fn currency_codes_round_trip() {
        for c in Currency::ALL {
            assert_eq!(c.code().parse::<Currency>().unwrap(), c);
        }
        assert!(matches!("rub".parse::<Currency>(), Err(MoneyError::UnknownCurrency(_))));
    }

    #[test]
    fn sum_of_nothing_is_zero() {
        assert_eq!(Money::checked_sum([], RUB).unwrap(), Money::zero(RUB));
    }

    proptest! {
        #[test]
        fn decimal_round_trip_is_exact(minor in any::<i64>()) {
            let m = Money::from_minor(minor, RUB);
            prop_assert_eq!(Money::from_decimal_exact(m.to_decimal(), RUB).unwrap(), m);
        }

        #[test]
        fn rounding_moves_by_at_most_half_a_kopeck(
            mantissa in -1_000_000_000_000_i64..1_000_000_000_000,
            scale in 0_u32..8,
            half_even in any::<bool>(),
        ) {
            let amount = Decimal::new(mantissa, scale);
            let rounding = if half_even { Rounding::HalfEven } else { Rounding::HalfUp };
            let m = Money::from_decimal_rounded(amount, RUB, rounding).unwrap();
            let error = (m.to_decimal() - amount).abs();
            prop_assert!(error <= dec!(0.005), "{amount} -> {m}");
        }

        #[test]
        fn addition_matches_wide_integers(a in any::<i64>(), b in any::<i64>()) {
            let wide = i128::from(a) + i128::from(b);
            let sum = Money::from_minor(a, RUB).checked_add(Money::from_minor(b, RUB));
            if let Ok(expected) = i64::try_from(wide) {
                prop_assert_eq!(sum.unwrap().minor(), expected);
            } else {
                prop_assert_eq!(sum, Err(MoneyError::Overflow));
            }
        }

        #[test]
        fn subtraction_undoes_addition(a in -1_i64 << 60..1 << 60, b in -1_i64 << 60..1 << 60) {
            let (a, b) = (Money::from_minor(a, RUB), Money::from_minor(b, RUB));
            prop_assert_eq!(a.checked_add(b).unwrap().checked_sub(b).unwrap(), a);
        }
    }
}
