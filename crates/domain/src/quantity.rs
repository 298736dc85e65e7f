//! Quantities in the unit of sale, including weighted goods.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

/// Unit of sale, exactly the seed spec's enum `[pcs, kg, g, l, ml]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unit {
    Pcs,
    Kg,
    G,
    L,
    Ml,
}

/// What a unit measures; only units of one dimension convert into each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dimension {
    Count,
    Mass,
    Volume,
}

impl Unit {
    pub const ALL: [Unit; 5] = [Unit::Pcs, Unit::Kg, Unit::G, Unit::L, Unit::Ml];

    pub const fn as_str(self) -> &'static str {
        match self {
            Unit::Pcs => "pcs",
            Unit::Kg => "kg",
            Unit::G => "g",
            Unit::L => "l",
            Unit::Ml => "ml",
        }
    }

    pub const fn dimension(self) -> Dimension {
        match self {
            Unit::Pcs => Dimension::Count,
            Unit::Kg | Unit::G => Dimension::Mass,
            Unit::L | Unit::Ml => Dimension::Volume,
        }
    }

    /// How many of the dimension's smallest unit (piece, gram, millilitre)
    /// one of this unit is.
    const fn base_factor(self) -> i64 {
        match self {
            Unit::Pcs | Unit::G | Unit::Ml => 1,
            Unit::Kg | Unit::L => 1000,
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Unit {
    type Err = QuantityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Unit::ALL
            .into_iter()
            .find(|u| u.as_str() == s)
            .ok_or_else(|| QuantityError::UnknownUnit(s.to_owned()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    #[error("unknown unit {0:?}; expected one of pcs, kg, g, l, ml")]
    UnknownUnit(String),
    #[error("quantity must not be negative, got {0}")]
    Negative(Decimal),
    #[error("a quantity in pieces must be whole, got {0}")]
    FractionalPieces(Decimal),
    #[error("cannot convert {from} to {to}")]
    IncompatibleUnits { from: Unit, to: Unit },
    #[error("quantity is out of the representable range")]
    Overflow,
}

/// A non-negative amount of goods in a unit; pieces are whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quantity {
    value: Decimal,
    unit: Unit,
}

impl Quantity {
    pub fn new(value: Decimal, unit: Unit) -> Result<Self, QuantityError> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(QuantityError::Negative(value));
        }
        if unit == Unit::Pcs && !value.fract().is_zero() {
            return Err(QuantityError::FractionalPieces(value));
        }
        Ok(Quantity { value: value.normalize(), unit })
    }

    pub fn pieces(count: u32) -> Self {
        Quantity { value: Decimal::from(count), unit: Unit::Pcs }
    }

    pub const fn value(self) -> Decimal {
        self.value
    }

    pub const fn unit(self) -> Unit {
        self.unit
    }

    pub fn is_zero(self) -> bool {
        self.value.is_zero()
    }

    /// The same amount in another unit of the same dimension, exactly
    /// (`0.33 kg` -> `330 g`).
    pub fn convert_to(self, unit: Unit) -> Result<Quantity, QuantityError> {
        if self.unit.dimension() != unit.dimension() {
            return Err(QuantityError::IncompatibleUnits { from: self.unit, to: unit });
        }
        let in_base =
            self.value.checked_mul(Decimal::from(self.unit.base_factor())).ok_or(QuantityError::Overflow)?;
        let value = in_base.checked_div(Decimal::from(unit.base_factor())).ok_or(QuantityError::Overflow)?;
        Quantity::new(value, unit)
    }

    /// Sum in `self`'s unit; `other` is converted first.
    pub fn checked_add(self, other: Quantity) -> Result<Quantity, QuantityError> {
        let other = other.convert_to(self.unit)?;
        let value = self.value.checked_add(other.value).ok_or(QuantityError::Overflow)?;
        Quantity::new(value, self.unit)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.value, self.unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    #[test]
    fn unit_names_match_the_seed_enum() {
        let names: Vec<_> = Unit::ALL.iter().map(|u| u.as_str()).collect();
        assert_eq!(names, ["pcs", "kg", "g", "l", "ml"]);
        for u in Unit::ALL {
            assert_eq!(u.as_str().parse::<Unit>().unwrap(), u);
        }
        assert!("KG".parse::<Unit>().is_err());
    }

    #[test]
    fn weights_and_volumes_convert_exactly() {
        let q = Quantity::new(dec!(0.33), Unit::Kg).unwrap();
        assert_eq!(q.convert_to(Unit::G).unwrap(), Quantity::new(dec!(330), Unit::G).unwrap());
        let l = Quantity::new(dec!(1000), Unit::Ml).unwrap().convert_to(Unit::L).unwrap();
        assert_eq!(l.value(), dec!(1));
    }

    #[test]
    fn dimensions_do_not_mix() {
        let q = Quantity::new(dec!(1), Unit::Kg).unwrap();
        assert_eq!(
            q.convert_to(Unit::L),
            Err(QuantityError::IncompatibleUnits { from: Unit::Kg, to: Unit::L })
        );
        assert!(q.checked_add(Quantity::pieces(1)).is_err());
    }

    #[test]
    fn invalid_quantities_are_refused() {
        assert_eq!(Quantity::new(dec!(-1), Unit::Kg), Err(QuantityError::Negative(dec!(-1))));
        assert_eq!(Quantity::new(dec!(1.5), Unit::Pcs), Err(QuantityError::FractionalPieces(dec!(1.5))));
        assert!(Quantity::new(dec!(2.000), Unit::Pcs).is_ok());
        assert!(Quantity::new(dec!(-0), Unit::G).is_ok());
    }

    #[test]
    fn addition_converts_to_the_left_unit() {
        let sum = Quantity::new(dec!(1), Unit::Kg)
            .unwrap()
            .checked_add(Quantity::new(dec!(250), Unit::G).unwrap())
            .unwrap();
        assert_eq!(sum, Quantity::new(dec!(1.25), Unit::Kg).unwrap());
    }

    fn mass_or_volume() -> impl Strategy<Value = (Unit, Unit)> {
        prop_oneof![
            Just((Unit::Kg, Unit::G)),
            Just((Unit::G, Unit::Kg)),
            Just((Unit::L, Unit::Ml)),
            Just((Unit::Ml, Unit::L)),
        ]
    }

    proptest! {
        #[test]
        fn conversion_round_trips(mantissa in 0_i64..1_000_000_000_000, scale in 0_u32..6, (a, b) in mass_or_volume()) {
            let q = Quantity::new(Decimal::new(mantissa, scale), a).unwrap();
            let back = q.convert_to(b).unwrap().convert_to(a).unwrap();
            prop_assert_eq!(back, q);
        }

        #[test]
        fn conversion_preserves_base_amount(mantissa in 0_i64..1_000_000_000, scale in 0_u32..6, (a, b) in mass_or_volume()) {
            let q = Quantity::new(Decimal::new(mantissa, scale), a).unwrap();
            let converted = q.convert_to(b).unwrap();
            let base = |q: Quantity| q.value() * Decimal::from(q.unit().base_factor());
            prop_assert_eq!(base(converted), base(q));
        }

        #[test]
        fn whole_pieces_are_accepted(count in any::<u32>()) {
            let q = Quantity::new(Decimal::from(count), Unit::Pcs).unwrap();
            prop_assert_eq!(q, Quantity::pieces(count));
        }
    }
}
