//! How much of the shelves one shopper may hold with orders not paid yet.
//! A hold keeps goods from every other buyer (Kuper's too) until the order
//! is paid or expires; without a cap one shopper, or one misbehaving
//! agent, could empty a store for the length of the time to pay. Kuper
//! orders are Kuper's to limit and are never counted.

use domain::Decimal;

/// What a shopper holds now: their MCP orders not paid yet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShopperHolds {
    pub unpaid_orders: u32,
    /// Held stock over those orders, in thousandths of the units of sale
    /// (a piece, a kilogram, a litre each count as one unit).
    pub held_thousandths: i64,
}

/// The caps, from settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HoldLimits {
    pub max_unpaid_orders: u32,
    /// Whole units of sale.
    pub max_held_units: u32,
}

/// Why an order was not taken: said to the shopper as it is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HoldLimitExceeded {
    #[error("you already have {0} unpaid orders: pay or cancel one before ordering again")]
    UnpaidOrders(u32),
    #[error("unpaid orders may hold at most {max} units of goods; this order would make {would_be}")]
    HeldUnits { max: u32, would_be: Decimal },
}

impl HoldLimits {
    /// Whether a shopper holding `current` may place an order holding
    /// `order_thousandths` more.
    pub fn admit(self, current: ShopperHolds, order_thousandths: i64) -> Result<(), HoldLimitExceeded> {
        if current.unpaid_orders >= self.max_unpaid_orders {
            return Err(HoldLimitExceeded::UnpaidOrders(current.unpaid_orders));
        }
        let would_be = current.held_thousandths.saturating_add(order_thousandths);
        if would_be > i64::from(self.max_held_units) * 1000 {
            let would_be = Decimal::new(would_be, 3).normalize();
            return Err(HoldLimitExceeded::HeldUnits { max: self.max_held_units, would_be });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shopper_holds_up_to_the_caps_and_not_a_unit_more() {
        let limits = HoldLimits { max_unpaid_orders: 3, max_held_units: 100 };
        let holds = |unpaid_orders, held_thousandths| ShopperHolds { unpaid_orders, held_thousandths };
        let cases: [(ShopperHolds, i64, Result<(), HoldLimitExceeded>); 8] = [
            (holds(0, 0), 1_000, Ok(())),
            (holds(2, 50_000), 50_000, Ok(())),
            (
                holds(2, 50_000),
                50_001,
                Err(HoldLimitExceeded::HeldUnits { max: 100, would_be: "100.001".parse().unwrap() }),
            ),
            (holds(3, 0), 1_000, Err(HoldLimitExceeded::UnpaidOrders(3))),
            (holds(7, 0), 1, Err(HoldLimitExceeded::UnpaidOrders(7))),
            (holds(0, 0), 100_000, Ok(())),
            (
                holds(0, 0),
                250_500,
                Err(HoldLimitExceeded::HeldUnits { max: 100, would_be: "250.5".parse().unwrap() }),
            ),
            (
                holds(1, i64::MAX),
                1,
                Err(HoldLimitExceeded::HeldUnits {
                    max: 100,
                    would_be: Decimal::new(i64::MAX, 3).normalize(),
                }),
            ),
        ];
        for (current, order, expected) in cases {
            assert_eq!(limits.admit(current, order), expected, "{current:?} + {order}");
        }
    }
}
