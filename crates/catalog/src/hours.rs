//! Opening hours as merchants write them, and the store's time zone.

use std::str::FromStr;

use chrono::NaiveTime;
use chrono_tz::Tz;

const DAYS: [&str; 7] = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];

/// Opening hours per weekday, Monday first, in the store's local time. The
/// forms merchants write: `Mo-Su 08:00-23:00`, `Mo-Fr 08:00-22:00; Sa,Su
/// 10:00-20:00`, `24/7`. A day not listed is closed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpeningHours {
    days: [Option<(NaiveTime, NaiveTime)>; 7],
}

impl OpeningHours {
    pub fn on(&self, weekday: chrono::Weekday) -> Option<(NaiveTime, NaiveTime)> {
        self.days[weekday.num_days_from_monday() as usize]
    }
}

impl FromStr for OpeningHours {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || format!("opening hours {text:?} are not like \"Mo-Fr 08:00-22:00; Sa,Su 10:00-20:00\"");
        let day = |d: &str| DAYS.iter().position(|n| *n == d).ok_or_else(bad);
        let time = |t: &str| NaiveTime::parse_from_str(t, "%H:%M").map_err(|_| bad());
        let mut days = [None; 7];
        if text.trim() == "24/7" {
            let end = NaiveTime::from_hms_opt(23, 59, 59).expect("valid time");
            return Ok(OpeningHours { days: [Some((NaiveTime::MIN, end)); 7] });
        }
        for rule in text.split(';').map(str::trim).filter(|r| !r.is_empty()) {
            let (day_part, hours) = rule.split_once(' ').ok_or_else(bad)?;
            let (open, close) = hours.trim().split_once('-').ok_or_else(bad)?;
            let (open, close) = (time(open)?, time(close)?);
            if open >= close {
                return Err(bad());
            }
            for group in day_part.split(',') {
                let (first, last) = match group.split_once('-') {
                    Some((a, b)) => (day(a)?, day(b)?),
                    None => (day(group)?, day(group)?),
                };
                if first > last {
                    return Err(bad());
                }
                for d in &mut days[first..=last] {
                    *d = Some((open, close));
                }
            }
        }
        Ok(OpeningHours { days })
    }
}

/// The store's IANA time zone, e.g. `Europe/Moscow`.
pub fn time_zone(name: &str) -> Result<Tz, String> {
    name.parse::<Tz>()
        .map_err(|_| format!("unknown time zone {name:?}; expected an IANA name like Europe/Moscow"))
}

#[cfg(test)]
mod tests {
    use chrono::Weekday;

    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn opening_hours_parse_the_usual_forms() {
        let h: OpeningHours = "Mo-Fr 08:00-22:00; Sa,Su 10:00-20:00".parse().unwrap();
        assert_eq!(h.on(Weekday::Wed), Some((t(8, 0), t(22, 0))));
        assert_eq!(h.on(Weekday::Sun), Some((t(10, 0), t(20, 0))));
        let closed_sunday: OpeningHours = "Mo-Sa 09:00-21:00".parse().unwrap();
        assert_eq!(closed_sunday.on(Weekday::Sun), None);
        assert!("24/7".parse::<OpeningHours>().unwrap().on(Weekday::Mon).is_some());
        for bad in ["", "always", "Mo-Su 23:00-08:00", "Su-Mo 08:00-20:00", "Xx 08:00-20:00", "Mo 8-20"] {
            assert!(bad.parse::<OpeningHours>().is_err() || bad.is_empty(), "{bad}");
        }
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert!(time_zone("Europe/Moscow").is_ok());
        assert!(time_zone("Moscow").is_err());
    }
}
