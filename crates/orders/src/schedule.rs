//! When and at what price an order can reach the shopper: opening hours in
//! the store's time zone, a grid of slots with lead time, cut-off and
//! capacity, and the delivery price rules.

pub use catalog::OpeningHours;
use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use domain::Money;

use crate::model::Slot;

/// The slot grid of one shipping method.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotSettings {
    pub length: Duration,
    /// The earliest slot starts at least this long after the order.
    pub lead: Duration,
    /// After this local time no slot of the same day is offered.
    pub cutoff: Option<NaiveTime>,
    /// How many days, today included, slots are offered for.
    pub days: u32,
    /// Orders per slot, per store and shipping method.
    pub capacity: u32,
}

/// Slots a store can offer from `now` on, earliest first, before capacity.
pub fn slot_grid(hours: &OpeningHours, zone: Tz, settings: &SlotSettings, now: DateTime<Utc>) -> Vec<Slot> {
    let local_now = now.with_timezone(&zone);
    let earliest = now + settings.lead;
    let mut slots = Vec::new();
    if settings.length <= Duration::zero() {
        return slots;
    }
    for offset in 0..i64::from(settings.days) {
        let date = local_now.date_naive() + Duration::days(offset);
        if offset == 0 && settings.cutoff.is_some_and(|cutoff| local_now.time() > cutoff) {
            continue;
        }
        let Some((open, close)) = hours.on(date.weekday()) else { continue };
        let mut start = date.and_time(open);
        let close = date.and_time(close);
        while start + settings.length <= close {
            let end = start + settings.length;
            // A local time that does not exist (a DST gap) offers no slot.
            if let (Some(s), Some(e)) =
                (zone.from_local_datetime(&start).earliest(), zone.from_local_datetime(&end).earliest())
            {
                let (s, e) = (s.with_timezone(&Utc), e.with_timezone(&Utc));
                if s >= earliest {
                    slots.push(Slot { starts_at: s, ends_at: e });
                }
            }
            start = end;
        }
    }
    slots
}

/// What delivery costs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryPricing {
    pub base: Money,
    /// Orders of at least this much are delivered free.
    pub free_from: Option<Money>,
    /// `(from metres, surcharge)`, ascending: the last tier the distance
    /// reaches adds its surcharge.
    pub distance_tiers: Vec<(u32, Money)>,
}

impl DeliveryPricing {
    pub fn price(&self, items_total: Money, distance_m: f64) -> Result<Money, domain::MoneyError> {
        if self.free_from.is_some_and(|free| items_total.minor() >= free.minor()) {
            return Ok(Money::zero(self.base.currency()));
        }
        let surcharge = self
            .distance_tiers
            .iter()
            .rev()
            .find(|(from, _)| distance_m >= f64::from(*from))
            .map_or(Money::zero(self.base.currency()), |(_, s)| *s);
        self.base.checked_add(surcharge)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Currency;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn settings() -> SlotSettings {
        SlotSettings {
            length: Duration::hours(2),
            lead: Duration::minutes(90),
            cutoff: Some(t(20, 0)),
            days: 2,
            capacity: 5,
        }
    }

    #[test]
    fn slots_start_after_the_lead_time_within_hours_in_the_stores_zone() {
        let hours: OpeningHours = "Mo-Su 08:00-22:00".parse().unwrap();
        // 10:00 in Moscow (UTC+3).
        let slots = slot_grid(&hours, chrono_tz::Europe::Moscow, &settings(), utc("2026-11-25T07:00:00Z"));
        // Today: 12-14, 14-16, 16-18, 18-20, 20-22; tomorrow: 08-10 ... 20-22.
        assert_eq!(slots.len(), 5 + 7);
        assert_eq!(slots[0].starts_at, utc("2026-11-25T09:00:00Z"));
        assert_eq!(slots[0].ends_at, utc("2026-11-25T11:00:00Z"));
        assert_eq!(slots[5].starts_at, utc("2026-11-26T05:00:00Z"));
    }

    #[test]
    fn after_the_cutoff_today_is_gone() {
        let hours: OpeningHours = "Mo-Su 08:00-23:00".parse().unwrap();
        // 20:30 in Moscow.
        let slots = slot_grid(&hours, chrono_tz::Europe::Moscow, &settings(), utc("2026-11-25T17:30:00Z"));
        assert!(slots.iter().all(|s| s.starts_at >= utc("2026-11-26T05:00:00Z")));
        assert!(!slots.is_empty());
    }

    #[test]
    fn a_closed_day_and_a_dst_gap_offer_nothing() {
        let one_day = SlotSettings {
            days: 1,
            lead: Duration::zero(),
            cutoff: None,
            length: Duration::hours(1),
            ..settings()
        };
        // Sunday 29 March 2026, 00:30 in Berlin.
        let now = utc("2026-03-28T23:30:00Z");
        let closed: OpeningHours = "Mo-Sa 00:00-04:00".parse().unwrap();
        assert!(slot_grid(&closed, chrono_tz::Europe::Berlin, &one_day, now).is_empty());
        // Clocks jump from 02:00 to 03:00: 01:00-02:00 ends and 02:00-03:00
        // starts at a time that does not exist; 03:00-04:00 stays.
        let open: OpeningHours = "Su 01:00-04:00".parse().unwrap();
        let slots = slot_grid(&open, chrono_tz::Europe::Berlin, &one_day, now);
        let starts: Vec<DateTime<Utc>> = slots.iter().map(|s| s.starts_at).collect();
        assert_eq!(starts, vec![utc("2026-03-29T01:00:00Z")]);
    }

    #[test]
    fn delivery_is_free_above_the_threshold_and_dearer_further_away() {
        let rub = |r: i64| Money::from_minor(r * 100, Currency::Rub);
        let pricing = DeliveryPricing {
            base: rub(199),
            free_from: Some(rub(3000)),
            distance_tiers: vec![(0, rub(0)), (3000, rub(50)), (5000, rub(100))],
        };
        assert_eq!(pricing.price(rub(1000), 1000.0).unwrap(), rub(199));
        assert_eq!(pricing.price(rub(1000), 3500.0).unwrap(), rub(249));
        assert_eq!(pricing.price(rub(1000), 9000.0).unwrap(), rub(299));
        assert_eq!(pricing.price(rub(3000), 9000.0).unwrap(), rub(0));
    }
}
