//! The typed settings of the order book: slot grids, delivery prices,
//! payment setup, expiry.

use std::time::Duration;

use chrono::NaiveTime;
use domain::{Currency, Decimal, Money};
use orders::OrderSettings;
use orders::schedule::{DeliveryPricing, SlotSettings};

use super::{ConfigError, Raw, parse_bool, parse_in_range, parse_non_empty};

fn roubles(text: &str) -> Result<Money, String> {
    let amount: Decimal =
        text.trim().parse().map_err(|_| "expected an amount like 199 or 199.90".to_owned())?;
    if amount.is_sign_negative() {
        return Err("expected an amount of zero or more".into());
    }
    Money::from_decimal_exact(amount, Currency::Rub).map_err(|e| e.to_string())
}

fn time_of_day(text: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").map_err(|_| "expected a time like 20:00".to_owned())
}

/// `3000:50,5000:100`: from 3 km on add 50 ₽, from 5 km on 100 ₽.
fn tiers(text: &str) -> Result<Vec<(u32, Money)>, String> {
    let bad = || "expected metres:roubles pairs like 3000:50,5000:100".to_owned();
    let mut tiers: Vec<(u32, Money)> = Vec::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (metres, price) = pair.split_once(':').ok_or_else(bad)?;
        let metres: u32 = metres.trim().parse().map_err(|_| bad())?;
        if tiers.last().is_some_and(|(last, _)| *last >= metres) {
            return Err("distance tiers must ascend".into());
        }
        tiers.push((metres, roubles(price)?));
    }
    Ok(tiers)
}

fn minutes(
    raw: &Raw,
    section: &str,
    name: &str,
    low: i64,
    high: i64,
) -> Result<chrono::Duration, ConfigError> {
    Ok(chrono::Duration::minutes(raw.required(section, name, parse_in_range(low, high))?))
}

fn slots(raw: &Raw, section: &str) -> Result<SlotSettings, ConfigError> {
    Ok(SlotSettings {
        length: minutes(raw, section, "slot_minutes", 15, 24 * 60)?,
        lead: minutes(raw, section, "lead_minutes", 0, 7 * 24 * 60)?,
        cutoff: raw.optional(section, "cutoff", time_of_day)?,
        days: raw.required(section, "days", parse_in_range(1_u32, 14))?,
        capacity: raw.required(section, "capacity", parse_in_range(1_u32, 100_000))?,
    })
}

#[derive(Clone, Debug)]
pub struct OrdersConfig {
    pub settings: OrderSettings,
    /// How often unpaid orders are looked for and expired.
    pub expiry_interval: Duration,
    pub external_cart_url: Option<String>,
    pub payment_details: bool,
}

impl OrdersConfig {
    pub(super) fn from_raw(raw: &Raw) -> Result<Self, ConfigError> {
        Ok(OrdersConfig {
            settings: OrderSettings {
                delivery: slots(raw, "delivery")?,
                pickup: slots(raw, "pickup")?,
                pricing: DeliveryPricing {
                    base: raw.required("delivery", "price", roubles)?,
                    free_from: raw.optional("delivery", "free_from", roubles)?,
                    distance_tiers: raw.optional("delivery", "distance_tiers", tiers)?.unwrap_or_default(),
                },
                unpaid_ttl: minutes(raw, "orders", "unpaid_ttl_minutes", 1, 7 * 24 * 60)?,
                hold_limits: orders::limits::HoldLimits {
                    max_unpaid_orders: raw.required(
                        "orders",
                        "max_unpaid_per_shopper",
                        super::parse_in_range(1_u32, 10_000),
                    )?,
                    max_held_units: raw.required(
                        "orders",
                        "max_held_units_per_shopper",
                        super::parse_in_range(1_u32, 1_000_000),
                    )?,
                },
            },
            expiry_interval: raw.secs("orders", "expiry_interval_secs", 1, 3600)?,
            external_cart_url: raw.optional("orders", "external_cart_url", parse_non_empty)?,
            payment_details: raw.required("orders", "payment_details", parse_bool)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_parse_and_must_ascend() {
        let rub = |r: i64| Money::from_minor(r * 100, Currency::Rub);
        assert_eq!(tiers("3000:50, 5000:100").unwrap(), vec![(3000, rub(50)), (5000, rub(100))]);
        assert!(tiers("5000:100,3000:50").is_err());
        assert!(tiers("far:100").is_err());
        assert_eq!(roubles("199.90").unwrap(), Money::from_minor(19_990, Currency::Rub));
        assert!(roubles("-1").is_err());
        assert!(roubles("1.999").is_err());
    }
}
